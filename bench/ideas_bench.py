"""Time the idea board and the similar-ideas lookup at 1k and at 10k ideas.

    python bench/ideas_bench.py [--database-url URL] [--small 1000] [--large 10000] [--votes 200000]

Builds two fresh schemas side by side (SQLite: two files in a temporary directory, the default;
PostgreSQL: schemas ``ideas_small`` and ``ideas_large`` in the given database, e.g. kt_bench,
dropped and recreated), each by the migrations, then bulk-loads ideas and votes with Core
inserts: ``--large`` ideas with ``--votes`` votes, ``--small`` ideas with the same votes per
idea, skewed toward a few ideas (Zipf) over a pool of bulk customers. Then, alternating small
and large request by request (``--requests`` each, at least 15), it times:

- the board, sort "top", first page, for a signed-in customer. ``--via query`` (the default
  while the board page does not exist in this branch) runs ``queries.board`` paginated by
  ``feedback.core.pagination.paginate`` inside a request context; ``--via page`` GETs
  ``/ideas/?sort=top`` with the Flask test client signed in as a customer (HTML rendered);
  ``--via auto`` picks the page when the app has the route.
- ``queries.similar`` with a phrase a customer might type.

Prints ``name: value`` lines on stdout, ratios first. See bench/README.md.
"""

import argparse
import math
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from anywhere: import the app

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import create_engine, insert, select, text  # noqa: E402

from feedback import create_app  # noqa: E402
from feedback.auth.models import Role, User  # noqa: E402
from feedback.auth.sessions import start_session  # noqa: E402
from feedback.core.pagination import paginate  # noqa: E402
from feedback.core.time import utcnow  # noqa: E402
from feedback.demo.bulk import customer_pool  # noqa: E402
from feedback.extensions import db  # noqa: E402
from feedback.ideas import queries  # noqa: E402
from feedback.ideas.models import Idea, IdeaStatus, IdeaVote  # noqa: E402
from feedback.ideas.search import searchable  # noqa: E402

CHUNK = 10_000
PHRASE = "daily backups of my mailbox"  # what a customer types before posting
# Words the generated titles are made of: a web host's vocabulary, so searches hit real rows.
WANTS = ("Faster", "Bigger", "Cheaper", "Automatic", "Daily", "Free", "Better", "Simpler", "Hourly", "Secure")
THINGS = (
    "backups", "mailboxes", "SSL certificates", "PHP versions", "staging sites", "git deploys",
    "DNS records", "cron jobs", "databases", "control panel", "webmail", "invoices", "SSH keys",
    "uptime alerts", "NVMe disks", "IPv6", "Redis cache", "Node.js apps", "malware scans", "logs",
)  # fmt: skip
FOR = ("for shops", "on shared plans", "for agencies", "on VPS", "for WordPress", "in Arabic", "per site")
STATUS_WEIGHTS = {
    IdeaStatus.NEW: 50,
    IdeaStatus.UNDER_REVIEW: 15,
    IdeaStatus.PLANNED: 10,
    IdeaStatus.IN_PROGRESS: 5,
    IdeaStatus.DONE: 12,
    IdeaStatus.DECLINED: 8,
}
ZIPF = 1.0


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL"),
        help="default: $DATABASE_URL, else SQLite files in a temporary directory",
    )
    parser.add_argument("--small", type=int, default=1_000, help="ideas in the small set (default 1000)")
    parser.add_argument("--large", type=int, default=10_000, help="ideas in the large set (default 10000)")
    parser.add_argument("--votes", type=int, default=200_000, help="votes in the large set (default 200000)")
    parser.add_argument("--requests", type=int, default=15, help="timed requests per figure and size (>= 15)")
    # The switch: "page" times the real board page once the ideas blueprint serves /ideas/.
    parser.add_argument("--via", choices=("auto", "page", "query"), default="auto")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if not 0 < args.small <= args.large:
        parser.error("need 0 < --small <= --large")
    if args.requests < 15:
        parser.error("--requests must be at least 15 (the p50 of fewer says little)")
    return args


def _url(url: str) -> str:
    for prefix in ("postgres://", "postgresql://"):  # the app ships psycopg 3, as config.py assumes
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_app(url: str, schema: str | None):
    """An app on ``url``; on PostgreSQL, on ``schema`` (dropped and recreated) of that database."""
    config = {"SQLALCHEMY_DATABASE_URI": url, "WORKER_MODE": "off", "RATELIMIT_ENABLED": False}
    if schema:
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA {schema}"))
        engine.dispose()
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"options": f"-csearch_path={schema}"}}
    return create_app(config)


def _weighted(rng: random.Random) -> IdeaStatus:
    return rng.choices(list(STATUS_WEIGHTS), weights=list(STATUS_WEIGHTS.values()))[0]


def vote_counts(ideas: int, votes: int, pool: int) -> list[int]:
    """Votes per idea, rank by rank (Zipf), summing to about ``votes``, none above ``pool``."""
    harmonic = sum(1 / r**ZIPF for r in range(1, ideas + 1))
    return [min(pool, max(1, round(votes / harmonic / r**ZIPF))) for r in range(1, ideas + 1)]


def load(ideas: int, votes: int, seed: int, now: datetime) -> dict:
    """Insert ``ideas`` ideas and about ``votes`` votes with Core, then ANALYZE; return counts."""
    rng = random.Random(seed)
    started = time.perf_counter()
    pool = customer_pool(max(5_000, votes // 8), rng, now)
    counts = vote_counts(ideas, votes, len(pool))
    rng.shuffle(counts)  # the most wanted ideas are anywhere in id order, as in life
    rows = []
    for n in range(1, ideas + 1):
        title = f"{rng.choice(WANTS)} {rng.choice(THINGS)} {rng.choice(FOR)}"
        description = f"We would like {rng.choice(THINGS)} and {rng.choice(THINGS)} {rng.choice(FOR)}."
        created = now - timedelta(days=730 * rng.random())
        status = _weighted(rng)
        rows.append(
            {
                "id": n, "root_id": n, "author_id": rng.choice(pool), "title": title,
                "description": description, "search_text": searchable(title, description),
                "status": status, "anonymous": rng.random() < 0.2, "official_answer": "",
                "decline_reason": "no" if status == IdeaStatus.DECLINED else "", "locked": False,
                "hidden": False, "vote_count": counts[n - 1], "created_at": created,
                "updated_at": created + (now - created) * rng.random(),
            }
        )  # fmt: skip
    for start in range(0, len(rows), CHUNK):
        db.session.execute(insert(Idea.__table__), rows[start : start + CHUNK])
    batch, cast = [], 0
    for n, count in enumerate(counts, start=1):
        for customer in rng.sample(pool, count):
            batch.append({"idea_id": n, "customer_id": customer, "created_at": now})
        if len(batch) >= CHUNK:
            db.session.execute(insert(IdeaVote.__table__), batch)
            cast, batch = cast + len(batch), []
    if batch:
        db.session.execute(insert(IdeaVote.__table__), batch)
        cast += len(batch)
    db.session.commit()
    db.session.execute(text("ANALYZE"))
    db.session.commit()
    return {"ideas": ideas, "votes": cast, "customers": len(pool), "load_s": time.perf_counter() - started}


class Target:
    """One database with its app, a signed-in customer, and the timed calls."""

    def __init__(self, app, via: str):
        self.app, self.via = app, via
        self.client = app.test_client()
        with app.app_context():
            customer = db.session.scalar(
                select(User).where(User.role == Role.CUSTOMER).order_by(User.id).limit(1)
            )
            self.customer_id, token = customer.id, start_session(customer)  # a server-side session
            db.session.commit()
        with self.client.session_transaction() as session:  # signed in as Flask-Login keeps it
            session["_user_id"], session["_fresh"] = token, True
        if via == "page" and self.client.get("/dashboard").status_code != 200:
            sys.exit("could not sign the benchmark customer in")

    def board(self) -> float:
        started = time.perf_counter()
        if self.via == "page":
            response = self.client.get("/ideas/?sort=top")
            assert response.status_code == 200, response.status_code
        else:
            with self.app.test_request_context("/ideas/?sort=top"):
                page = paginate(queries.board(sort="top"))
                assert page.items
                queries.groups_with(
                    IdeaVote, IdeaVote.customer_id, self.customer_id, [i.id for i in page.items]
                )
                db.session.remove()
        return time.perf_counter() - started

    def similar(self) -> float:
        with self.app.app_context():
            started = time.perf_counter()
            found = queries.similar(PHRASE)
            elapsed = time.perf_counter() - started
            assert found
            db.session.remove()
        return elapsed


def p50(values: list[float]) -> float:
    return statistics.median(values)


def run(args: argparse.Namespace, url: str | None, tmp: Path) -> dict[str, str]:
    now = utcnow().replace(microsecond=0)
    targets, loads = {}, {}
    for size, ideas in (("small", args.small), ("large", args.large)):
        if url and url.startswith("postgresql"):
            app = make_app(url, f"ideas_{size}")
        else:
            app = make_app(url or f"sqlite:///{tmp / f'ideas_{size}.sqlite'}", None)
        with app.app_context():
            upgrade()
            votes = math.ceil(args.votes * ideas / args.large)
            loads[size] = load(ideas, votes, args.seed, now)
            db.session.remove()
        has_page = any(rule.rule == "/ideas/" for rule in app.url_map.iter_rules())
        via = ("page" if has_page else "query") if args.via == "auto" else args.via
        targets[size] = Target(app, via)
    times = {(size, what): [] for size in targets for what in ("board", "similar")}
    for size in targets:  # one untimed round each: cold caches and first compiles
        targets[size].board(), targets[size].similar()
    for _ in range(args.requests):
        for size, target in targets.items():  # alternating: drift on a busy machine hits both alike
            times[(size, "board")].append(target.board())
            times[(size, "similar")].append(target.similar())
    board = {size: p50(times[(size, "board")]) for size in targets}
    similar = {size: p50(times[(size, "similar")]) for size in targets}
    dialect = "postgresql" if url and url.startswith("postgresql") else "sqlite"
    return {
        "board_10k_over_1k": f"{board['large'] / board['small']:.2f}",
        "similar_10k_over_1k": f"{similar['large'] / similar['small']:.2f}",
        "board_p50_1k_ms": f"{board['small'] * 1000:.2f}",
        "board_p50_10k_ms": f"{board['large'] * 1000:.2f}",
        "similar_p50_1k_ms": f"{similar['small'] * 1000:.2f}",
        "similar_p50_10k_ms": f"{similar['large'] * 1000:.2f}",
        "board_timed_via": targets["large"].via,
        "database": dialect,
        "requests_per_figure": str(args.requests),
        "ideas_small": str(loads["small"]["ideas"]),
        "ideas_large": str(loads["large"]["ideas"]),
        "votes_small": str(loads["small"]["votes"]),
        "votes_large": str(loads["large"]["votes"]),
        "customers_large": str(loads["large"]["customers"]),
        "load_seconds": f"{loads['small']['load_s'] + loads['large']['load_s']:.1f}",
    }


def main(argv=None) -> None:
    args = parse_args(argv)
    url = _url(args.database_url) if args.database_url else None
    with tempfile.TemporaryDirectory(prefix="kontento-ideas-bench-") as tmp:
        for name, value in run(args, url, Path(tmp)).items():
            print(f"{name}: {value}", flush=True)


if __name__ == "__main__":
    main()
