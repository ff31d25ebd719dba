"""The staff queue searched vs not, at 1M cases on PostgreSQL: p50 and p95 of alternating GETs.

    python bench/queue_search_bench.py [--database-url URL] [--cases 1000000] [--requests 20] [--keep]

One schema (``queue_search``; ``--schema``) of a PostgreSQL database, migrated to 0025, loaded with
``--cases`` cases by SQL (below), then migrated to head: migrations 0026 and 0029 build the search
indexes and the stored words over the rows already there, as a release would
(``search_index_build_s``). One app in production
config (``bench/page_bench.py``'s: HTTPS, CSRF, limits on Redis) driven in-process by the Flask
test client; a manager signs in through the form and its two-factor step. Then, for each search
below, ``--requests`` rounds of one GET of the queue as it opens (``/queue/``) and one GET of the
queue searched (``/queue/?q=…``), after one untimed round; every answer must be 200 and list a case.
Prints ``name: value`` lines (see bench/README.md).

The data: 20,000 customers (``feedback.demo.bulk.customer_pool``), one negative rating per case
(its comment a sentence of the demo's plus two made-up words, a few of them common and most rare),
spread over two years; the last 1 % of cases still open (one in five waiting on the customer), the
rest resolved; a timeline per case: created, a public reply, a note on half of them, a customer's
answer on three in ten (replies and answers from the demo's texts, each with a made-up word).

``--keep`` reuses a schema loaded by an earlier run at the same size and seed (only migrated to head).
"""

import argparse
import random
import re
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from anywhere: import the app

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import create_engine, select, text  # noqa: E402

from bench.db_url import bench_database_url  # noqa: E402
from bench.page_bench import BASE, DEFAULT_REDIS, MANAGER, PASSWORD, TOTP_SECRET, make_app, p95, sign_in  # noqa: E402
from feedback.auth.models import Role, User  # noqa: E402
from feedback.auth.services import create_user, hash_password  # noqa: E402
from feedback.auth.two_factor import crypto  # noqa: E402
from feedback.core.time import utcnow  # noqa: E402
from feedback.demo import content  # noqa: E402
from feedback.demo.bulk import customer_pool  # noqa: E402
from feedback.extensions import db  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/kt_bench"
CUSTOMERS = 20_000
OPEN_SHARE = 0.01
# Made-up words: three syllables of 20, so 8,000 of them; word k is drawn with k = 8000·u³, so the
# first few are in a few % of the texts and most in a few hundred of a million.
SYLLABLES = [
    "ka",
    "lo",
    "mi",
    "nu",
    "pe",
    "ri",
    "so",
    "ta",
    "ve",
    "zu",
    "ba",
    "de",
    "fi",
    "go",
    "hu",
    "ja",
    "ke",
    "li",
    "mo",
    "ne",
]
WORD = "s.syl[1 + {k} % 20] || s.syl[1 + ({k} / 20) % 20] || s.syl[1 + ({k} / 400) % 20]"
DRAW = "floor(8000 * power(random(), 3) + 0 * {n})::int"  # "+ 0 * n": drawn per row, not once


def made_up(k: int) -> str:
    """Made-up word number ``k``, as the SQL writes it."""
    return SYLLABLES[k % 20] + SYLLABLES[(k // 20) % 20] + SYLLABLES[(k // 400) % 20]


FEEDBACK = f"""
INSERT INTO feedback (customer_id, kind, channel, category_id, csat, urgent, comment, created_at,
                      acknowledged_at)
SELECT c.ids[1 + (n::bigint * 7919) % array_length(c.ids, 1)], 'rating', 'dashboard',
       cat.ids[1 + n % array_length(cat.ids, 1)], 1 + n % 2, false,
       s.sentences[1 + floor(random() * array_length(s.sentences, 1) + 0 * n)::int]
           || ' ' || {WORD.format(k="r.k1")} || ' ' || {WORD.format(k="r.k2")},
       at, at
FROM generate_series(1, :cases) n
CROSS JOIN (SELECT array_agg(id ORDER BY id) AS ids FROM users WHERE role = 'customer') c
CROSS JOIN (SELECT array_agg(id ORDER BY id) AS ids FROM categories) cat
CROSS JOIN (SELECT CAST(:sentences AS text[]) AS sentences, CAST(:syllables AS text[]) AS syl) s
CROSS JOIN LATERAL (SELECT {DRAW.format(n="n")} AS k1, {DRAW.format(n="n")} AS k2,
                           :now - (:cases - n) * (interval '730 days' / :cases) AS at) r
"""
CASES = """
INSERT INTO followups (feedback_id, customer_id, priority, status, created_at, first_response_at,
                       attention_since, paused_seconds, paused_at, resolved_at, first_response_due,
                       resolution_due, due_at, breached, first_response_breached, resolution_breached)
SELECT f.id, f.customer_id, p.priority, st.status, f.created_at, f.created_at + interval '1 hour',
       f.created_at + interval '1 hour', 0, CASE WHEN st.status = 'waiting' THEN :now END,
       CASE WHEN st.status = 'resolved' THEN f.created_at + interval '20 hours' END,
       f.created_at + interval '8 hours', f.created_at + interval '3 days',
       CASE WHEN st.status = 'open' THEN f.created_at + interval '3 days' END, false, false, false
FROM feedback f
CROSS JOIN LATERAL (SELECT CASE f.id % 10 WHEN 0 THEN 'critical' WHEN 1 THEN 'high' WHEN 2 THEN 'high'
                           ELSE 'normal' END AS priority) p
CROSS JOIN LATERAL (SELECT CASE WHEN f.created_at <= :open_since THEN 'resolved'
                                WHEN f.id % 5 = 0 THEN 'waiting' ELSE 'open' END AS status) st
"""
EVENT = f"""
INSERT INTO followup_events (followup_id, actor_id, kind, body, detail, created_at)
SELECT fu.id, {{actor}}, '{{kind}}',
       s.texts[1 + floor(random() * array_length(s.texts, 1) + 0 * fu.id)::int]
           || ' ' || {WORD.format(k="r.k")},
       '', fu.created_at + interval '{{after}}'
FROM followups fu
CROSS JOIN (SELECT CAST(:texts AS text[]) AS texts, CAST(:syllables AS text[]) AS syl) s
CROSS JOIN LATERAL (SELECT {DRAW.format(n="fu.id")} AS k) r
WHERE {{where}}
"""
CREATED = """
INSERT INTO followup_events (followup_id, kind, body, detail, created_at)
SELECT id, 'created', '', priority, created_at FROM followups
"""


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url", default=DEFAULT_URL, help=f"PostgreSQL only (default {DEFAULT_URL})"
    )
    parser.add_argument("--cases", type=int, default=1_000_000, help="cases to load (default 1M)")
    parser.add_argument(
        "--requests", type=int, default=20, help="timed GETs per search, each way (default 20)"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="reuse a schema loaded earlier at the same size")
    parser.add_argument("--redis-url", default=DEFAULT_REDIS, help=f"Redis for limits ({DEFAULT_REDIS})")
    parser.add_argument("--schema", default="queue_search", help="the schema it drops and fills")
    args = parser.parse_args(argv)
    args.database_url = bench_database_url(parser, args.database_url)
    if args.cases < 1000:
        parser.error("--cases must be at least 1000")
    if args.requests < 3:
        parser.error("--requests must be at least 3 (15 or more for figures worth reporting)")
    if not re.fullmatch(r"[a-z][a-z0-9_]{0,40}", args.schema) or args.schema == "public":
        parser.error("--schema: lower-case letters, digits and _ (it is dropped)")
    return args


def load(cases: int, seed: int, now) -> None:
    """Fill the migrated (0025) schema with ``cases`` cases and their timelines (see the docstring)."""
    customer_pool(CUSTOMERS, random.Random(seed), now)
    staff = create_user(
        "bench-agent@kontento.test", "Bench Agent", PASSWORD, Role.STAFF, preset_password=True
    )
    db.session.flush()
    db.session.execute(text("SELECT setseed(:s)"), {"s": (seed % 1000) / 1000})
    negative = [t for (tone, _), texts in content.COMMENTS.items() if tone == "negative" for t in texts]
    negative += content.NEUTRAL_COMMENTS
    params = {"cases": cases, "now": now, "syllables": SYLLABLES}
    db.session.execute(text(FEEDBACK), {**params, "sentences": negative})
    db.session.execute(text(CASES), {"now": now, "open_since": now - timedelta(days=730 * OPEN_SHARE)})
    db.session.execute(text(CREATED))
    timeline = [
        ("public_reply", staff.id, "2 hours", "true", content.FIRST_REPLIES + content.QUESTIONS),
        ("internal_note", staff.id, "3 hours", "fu.id % 2 = 0", content.INTERNAL_NOTES),
        ("customer_reply", "fu.customer_id", "5 hours", "fu.id % 10 < 3", content.CUSTOMER_ANSWERS),
    ]
    for kind, actor, after, where, texts in timeline:
        sql = EVENT.format(actor=actor, kind=kind, after=after, where=where)
        db.session.execute(text(sql), {"texts": texts, "syllables": SYLLABLES})
    db.session.commit()


def loaded(engine, schema: str, cases: int, seed: int) -> bool:
    """Whether ``schema`` holds a complete load of ``cases`` cases from ``seed``."""
    with engine.connect() as conn:
        if conn.scalar(text("SELECT to_regclass(:t)"), {"t": f"{schema}.queue_search_bench_meta"}) is None:
            return False
        row = conn.execute(text(f"SELECT cases, seed FROM {schema}.queue_search_bench_meta")).first()
    return row is not None and tuple(row) == (cases, seed)


def prepare(args) -> dict:
    """Migrate and load the schema unless ``--keep`` finds it loaded; its counts and timings."""
    engine = create_engine(args.database_url)
    keep = args.keep and loaded(engine, args.schema, args.cases, args.seed)
    if not keep:
        with engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {args.schema} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA {args.schema}"))
    engine.dispose()
    app = make_app(args.database_url, args.schema, args.redis_url, worker_mode="off")
    out = {"kept": keep, "load_s": 0.0, "search_index_build_s": 0.0}
    with app.app_context():
        if not keep:
            upgrade(revision="0025")  # migration 0002 seeded the default categories, policies, rules
            started = time.perf_counter()
            load(args.cases, args.seed, utcnow())
            out["load_s"] = time.perf_counter() - started
        started = time.perf_counter()
        upgrade()  # 0026 and 0029 index the rows already there
        if not keep:
            out["search_index_build_s"] = time.perf_counter() - started
            db.session.execute(text("ANALYZE"))
            db.session.execute(text("CREATE TABLE queue_search_bench_meta (cases integer, seed integer)"))
            db.session.execute(
                text("INSERT INTO queue_search_bench_meta VALUES (:c, :s)"), {"c": args.cases, "s": args.seed}
            )
            db.session.commit()
        for table in ("followups", "followup_events", "feedback", "users"):
            out[table] = db.session.scalar(text(f"SELECT count(*) FROM {table}"))  # noqa: S608 (fixed names)
        out["open"] = db.session.scalar(text("SELECT count(*) FROM followups WHERE status <> 'resolved'"))
        out["searches"] = searches()
        db.session.remove()
        db.engine.dispose()
    return out


def searches() -> dict[str, str]:
    """What staff type, by kind: name → the text (a rare word may find no open case: the page says so)."""
    latest = db.session.execute(
        text(
            "SELECT fu.id, u.email, u.name FROM followups fu JOIN users u ON u.id = fu.customer_id "
            "WHERE fu.status = 'open' ORDER BY fu.id DESC LIMIT 1"
        )
    ).one()
    return {
        "reference": f"K-{latest.id}",
        "customer_email": latest.email.split("@")[0] + "@",
        "customer_name": latest.name,
        "word": "renewal",  # a word of the demo's comments: in about 1 in 12
        "rare_word": made_up(2000),
        "two_words": f"outage {made_up(3)}",
        "reply_word": "escalated",  # in a reply of about 1 in 6 cases
    }


def bench_manager() -> str:
    """A manager with two-factor sign-in and ``PASSWORD``; their e-mail."""
    manager = db.session.scalar(select(User).where(User.email == MANAGER))
    if manager is None:
        manager = create_user(MANAGER, "Bench Manager", PASSWORD, Role.MANAGER, preset_password=True)
    manager.password_hash = hash_password(PASSWORD)
    manager.two_factor_secret = crypto.encrypt(TOTP_SECRET)
    manager.two_factor_enabled_at, manager.two_factor_last_step = utcnow(), None
    db.session.commit()
    return manager.email


def run(args) -> dict[str, str]:
    prepared = prepare(args)
    app = make_app(args.database_url, args.schema, args.redis_url)
    with app.app_context():
        manager = bench_manager()
        db.session.remove()
    client = app.test_client()
    sign_in(client, manager)

    def get(query: dict) -> float:
        started = time.perf_counter()
        response = client.get("/queue/", query_string=query, base_url=BASE)
        elapsed = time.perf_counter() - started
        listed = re.search(r'href="/queue/K-\d+"', response.text)
        if response.status_code != 200 or not (
            listed or (query and "No follow-ups match this search" in response.text)
        ):
            sys.exit(f"/queue/ {query}: {response.status_code}, no case listed")
        return elapsed

    plain, searched = [], {name: [] for name in prepared["searches"]}
    try:
        for name, typed in prepared["searches"].items():
            print(f"timing {name} ({typed!r})", file=sys.stderr, flush=True)
            get({}), get({"q": typed})  # untimed: first compiles, cold caches
            for _ in range(args.requests):  # alternating: a busy machine slows both alike
                plain.append(get({}))
                searched[name].append(get({"q": typed}))
    finally:
        with app.app_context():
            db.engine.dispose()
    every = [t for times in searched.values() for t in times]
    out = {
        "queue_search_p95_ms": f"{p95(every) * 1000:.1f}",
        "queue_search_over_queue": f"{p95(every) / p95(plain):.2f}",
        "queue_search_p50_ms": f"{statistics.median(every) * 1000:.1f}",
        "queue_p95_ms": f"{p95(plain) * 1000:.1f}",
        "queue_p50_ms": f"{statistics.median(plain) * 1000:.1f}",
    }
    for name, times in searched.items():
        out[f"queue_search_{name}_p95_ms"] = f"{p95(times) * 1000:.1f}"
        out[f"queue_search_{name}_p50_ms"] = f"{statistics.median(times) * 1000:.1f}"
    for name, typed in prepared["searches"].items():
        out[f"search_{name}"] = typed
    out["requests_per_search"] = str(args.requests)
    for key in ("followups", "open", "followup_events", "feedback", "users"):
        out[f"rows_{key}"] = str(prepared[key])
    out["load_s"] = f"{prepared['load_s']:.1f}"
    out["search_index_build_s"] = f"{prepared['search_index_build_s']:.1f}"
    out["kept"] = str(prepared["kept"]).lower()
    out["served_via"] = "flask test client, in-process, production config, https://localhost"
    return out


def main(argv=None) -> None:
    args = parse_args(argv)
    for name, value in run(args).items():
        print(f"{name}: {value}", flush=True)


if __name__ == "__main__":
    main()
