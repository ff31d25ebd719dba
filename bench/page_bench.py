"""Manager and staff pages at 1M ratings vs 10k: p50 and p95 of GETs alternating between two copies.

    python bench/page_bench.py [--database-url URL] [--small 10000] [--large 1000000] [--keep]

Two schemas of one PostgreSQL database (``pages_small`` and ``pages_large``; ``--schema-prefix``),
each built by the migrations and loaded by ``bench/page_data.py`` (ratings and rollups, a case
per negative rating, subscriptions with their events, outbox rows). Two apps in production
config (``FLASK_CONFIG=production``: HTTPS forced, secure cookies, CSRF; limits and wake-ups on
Redis, ``--redis-url``), one per schema, each driven in-process by the Flask test client over
``https://localhost``. A manager signs in through the sign-in form and its two-factor step (a
TOTP code, as the person's app shows it), a customer through the form for the customer
dashboard. Then, page by page, one GET on the small copy and one on the large, ``--requests``
times after one untimed round; every answer must be 200 with the page's content. Prints
``name: value`` lines, ratios first.

``--keep`` reuses copies loaded by an earlier run with the same size and seed (the schemas are
only migrated to the current head), so the pages can be timed again after a code change in
seconds. See bench/README.md.
"""

import argparse
import os
import re
import secrets
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from anywhere: import the app

import pyotp  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import create_engine, func, select, text  # noqa: E402

from bench.db_url import bench_database_url  # noqa: E402
from bench.page_data import load  # noqa: E402
from feedback import create_app  # noqa: E402
from feedback.auth.models import Role, User  # noqa: E402
from feedback.auth.services import create_user, hash_password  # noqa: E402
from feedback.auth.two_factor import crypto  # noqa: E402
from feedback.core.time import utcnow  # noqa: E402
from feedback.demo.bulk import BULK_DOMAIN  # noqa: E402
from feedback.extensions import db  # noqa: E402
from feedback.surveys.models import Feedback  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/kt_bench"
DEFAULT_REDIS = "redis://127.0.0.1:6379/14"
BASE = "https://localhost"  # production forces HTTPS: the test client speaks it
SIZES = ("small", "large")
MANAGER = "bench-manager@kontento.test"
PASSWORD = "page bench passphrase"
TOTP_SECRET = pyotp.random_base32()
# name → (who asks, path (today's date filled in), what the answer must contain)
PAGES = {
    "satisfaction": ("manager", "/reports/satisfaction", r'id="chart-trend"'),
    "support_90d": ("manager", "/reports/support", r'id="chart-times"'),
    "support_2y": ("manager", "/reports/support?start={two_years_ago}&end={today}", r'id="chart-times"'),
    "retention_12m": ("manager", "/reports/retention", r'id="chart-renewal-churn"'),
    "queue": ("manager", "/queue/", r'href="/queue/K-\d+"'),
    "renewals_at_risk": ("manager", "/renewals/", r'action="/renewals/\d+/followup"|href="/queue/K-\d+"'),
    "outbox": ("manager", "/outbox/", r'href="/outbox/\d+"'),
    "dashboard": ("customer", "/dashboard", r'href="/feedback/\d+"'),
}
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|value="([^"]+)" name="csrf_token"')


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url", default=DEFAULT_URL, help=f"PostgreSQL only (default {DEFAULT_URL})"
    )
    parser.add_argument("--small", type=int, default=10_000, help="ratings in the small copy (default 10000)")
    parser.add_argument("--large", type=int, default=1_000_000, help="ratings in the large copy (default 1M)")
    parser.add_argument("--requests", type=int, default=20, help="timed GETs per page and copy (default 20)")
    parser.add_argument(
        "--pages", default=",".join(PAGES), help="comma-separated subset of: " + ", ".join(PAGES)
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="reuse copies loaded earlier at the same sizes")
    parser.add_argument(
        "--redis-url", default=DEFAULT_REDIS, help=f"Redis for limits and wake-ups ({DEFAULT_REDIS})"
    )
    parser.add_argument(
        "--schema-prefix", default="pages", help="the copies live in schemas PREFIX_small and PREFIX_large"
    )
    args = parser.parse_args(argv)
    args.database_url = bench_database_url(parser, args.database_url)
    if not 0 < args.small <= args.large:
        parser.error("need 0 < --small <= --large")
    if args.requests < 3:
        parser.error("--requests must be at least 3 (15 or more for figures worth reporting)")
    if not re.fullmatch(r"[a-z][a-z0-9_]{0,40}", args.schema_prefix) or args.schema_prefix == "public":
        parser.error("--schema-prefix: lower-case letters, digits and _ (its schemas are dropped)")
    args.pages = [p.strip() for p in args.pages.split(",") if p.strip()]
    if unknown := set(args.pages) - set(PAGES):
        parser.error(f"unknown pages: {', '.join(sorted(unknown))}")
    return args


def make_app(url: str, schema: str, redis_url: str, worker_mode: str = "celery"):
    """The app in production config on ``schema`` of ``url``, limits and wake-ups on Redis."""
    os.environ["FLASK_CONFIG"] = "production"
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(32))  # ProductionConfig requires one
    return create_app(
        {
            "SECRET_KEY": os.environ["SECRET_KEY"],
            "SQLALCHEMY_DATABASE_URI": url,
            "SQLALCHEMY_ENGINE_OPTIONS": {
                "pool_pre_ping": True,
                "connect_args": {"options": f"-csearch_path={schema}"},
            },
            "REDIS_URL": redis_url,
            "RATELIMIT_STORAGE_URI": redis_url,
            "WORKER_MODE": worker_mode,
            # A mail server is configured in production; nothing is sent during the GETs.
            "MAIL_SERVER": "127.0.0.1",
        }
    )


def loaded(engine, schema: str, ratings: int, seed: int) -> bool:
    """Whether ``schema`` holds a complete load of ``ratings`` ratings from ``seed``."""
    with engine.connect() as conn:
        table = conn.scalar(text("SELECT to_regclass(:t)"), {"t": f"{schema}.page_bench_meta"})
        if table is None:
            return False
        row = conn.execute(text(f"SELECT ratings, seed FROM {schema}.page_bench_meta")).first()
    return row is not None and tuple(row) == (ratings, seed)


def prepare(args, size: str, ratings: int) -> dict:
    """Migrate the copy of ``size`` and load it unless ``--keep`` finds it loaded; return its counts."""
    schema = f"{args.schema_prefix}_{size}"
    engine = create_engine(args.database_url)
    keep = args.keep and loaded(engine, schema, ratings, args.seed)
    if not keep:
        with engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA {schema}"))
    engine.dispose()
    app = make_app(args.database_url, schema, args.redis_url, worker_mode="off")
    started = time.perf_counter()
    with app.app_context():
        upgrade()  # a kept copy gets the migrations added since it was loaded
        if not keep:
            load(ratings, args.seed, utcnow())
            db.session.execute(text("CREATE TABLE page_bench_meta (ratings integer, seed integer)"))
            db.session.execute(
                text("INSERT INTO page_bench_meta VALUES (:r, :s)"), {"r": ratings, "s": args.seed}
            )
            db.session.commit()
        counts = {
            table: db.session.scalar(text(f"SELECT count(*) FROM {table}"))  # noqa: S608 (fixed names)
            for table in ("feedback", "followups", "subscriptions", "subscription_events", "outbox")
        }
        db.session.remove()
        db.engine.dispose()
    counts["load_s"] = 0.0 if keep else time.perf_counter() - started
    counts["kept"] = keep
    return counts


def bench_users() -> tuple[str, str]:
    """A manager with two-factor sign-in and a bulk customer, both with ``PASSWORD``; their e-mails."""
    manager = db.session.scalar(select(User).where(User.email == MANAGER))
    if manager is None:
        manager = create_user(MANAGER, "Bench Manager", PASSWORD, Role.MANAGER, preset_password=True)
    manager.password_hash = hash_password(PASSWORD)
    manager.two_factor_secret = crypto.encrypt(TOTP_SECRET)  # this run's key and secret
    manager.two_factor_enabled_at, manager.two_factor_last_step = utcnow(), None
    # The bulk customer with the most ratings (ties: the first), so their dashboard lists some.
    busiest = (
        select(Feedback.customer_id)
        .group_by(Feedback.customer_id)
        .order_by(func.count().desc(), Feedback.customer_id)
        .limit(1)
        .scalar_subquery()
    )
    customer = db.session.scalar(select(User).where(User.id == busiest, User.email.like(f"%@{BULK_DOMAIN}")))
    customer.password_hash = hash_password(PASSWORD)
    db.session.commit()
    return manager.email, customer.email


def _csrf(html: str) -> str:
    found = CSRF.search(html)
    if not found:
        sys.exit("no CSRF token on the sign-in page")
    return found.group(1) or found.group(2)


def sign_in(client, email: str) -> None:
    """Through the sign-in form, and the two-factor page when it comes, as a browser does."""
    page = client.get("/login", base_url=BASE)
    response = client.post(
        "/login",
        base_url=BASE,
        data={"email": email, "password": PASSWORD, "csrf_token": _csrf(page.text)},
        headers={"Referer": f"{BASE}/login"},  # CSRF over HTTPS checks it, as browsers send it
    )
    if response.status_code == 302 and response.headers["Location"].endswith("/login/two-factor"):
        page = client.get("/login/two-factor", base_url=BASE)
        code = pyotp.TOTP(TOTP_SECRET).now()
        response = client.post(
            "/login/two-factor",
            base_url=BASE,
            data={"code": code, "csrf_token": _csrf(page.text)},
            headers={"Referer": f"{BASE}/login/two-factor"},
        )
    if response.status_code != 302 or "/login" in response.headers.get("Location", "/login"):
        sys.exit(f"signing {email} in failed: {response.status_code} {response.headers.get('Location')}")


class Copy:
    """One copy of the data: its app and a signed-in client per role."""

    def __init__(self, args, size: str):
        self.app = make_app(args.database_url, f"{args.schema_prefix}_{size}", args.redis_url)
        self.size = size
        with self.app.app_context():
            manager, customer = bench_users()
            db.session.remove()
        self.clients = {"manager": self.app.test_client(), "customer": self.app.test_client()}
        sign_in(self.clients["manager"], manager)
        sign_in(self.clients["customer"], customer)

    def get(self, page: str, path: str) -> float:
        """GET ``path`` as the page's role; seconds. Exits unless it is 200 with the page's content."""
        who, _, must = PAGES[page]
        started = time.perf_counter()
        response = self.clients[who].get(path, base_url=BASE)
        elapsed = time.perf_counter() - started
        if response.status_code != 200 or not re.search(must, response.text):
            sys.exit(f"{page} on the {self.size} copy: {response.status_code}, content /{must}/ missing")
        return elapsed

    def close(self) -> None:
        with self.app.app_context():
            db.engine.dispose()


def p95(values: list[float]) -> float:
    """The 95th percentile (inclusive method: an observed value at 20 samples)."""
    return statistics.quantiles(values, n=20, method="inclusive")[-1]


def run(args) -> dict[str, str]:
    counts = {size: prepare(args, size, n) for size, n in (("small", args.small), ("large", args.large))}
    copies = {size: Copy(args, size) for size in SIZES}
    today = utcnow().date()
    dates = {"today": today.isoformat(), "two_years_ago": (today - timedelta(days=730)).isoformat()}
    times = {(page, size): [] for page in args.pages for size in copies}
    try:
        for page in args.pages:
            path = PAGES[page][1].format(**dates)
            print(f"timing {page} ({path})", file=sys.stderr, flush=True)  # progress: 1M runs are long
            for copy in copies.values():  # one untimed round: first compiles, cold caches
                copy.get(page, path)
            for _ in range(args.requests):
                for size, copy in copies.items():  # alternating: a busy machine slows both alike
                    times[(page, size)].append(copy.get(page, path))
    finally:
        for copy in copies.values():
            copy.close()
    out = {}
    p50 = {key: statistics.median(values) for key, values in times.items()}
    for page in args.pages:
        out[f"{page}_1m_over_10k"] = f"{p50[(page, 'large')] / p50[(page, 'small')]:.2f}"
    for page in args.pages:
        out[f"{page}_p50_10k_ms"] = f"{p50[(page, 'small')] * 1000:.1f}"
        out[f"{page}_p50_1m_ms"] = f"{p50[(page, 'large')] * 1000:.1f}"
    for page in args.pages:
        out[f"{page}_p95_10k_ms"] = f"{p95(times[(page, 'small')]) * 1000:.1f}"
        out[f"{page}_p95_1m_ms"] = f"{p95(times[(page, 'large')]) * 1000:.1f}"
    out["requests_per_page_and_copy"] = str(args.requests)
    out["served_via"] = "flask test client, in-process, production config, https://localhost"
    for size, label in (("small", "10k"), ("large", "1m")):
        c = counts[size]
        for table in ("feedback", "followups", "subscriptions", "subscription_events", "outbox"):
            out[f"{table}_{label}"] = str(c[table])
        out[f"load_{label}_s"] = f"{c['load_s']:.1f}"
        out[f"kept_{label}"] = str(c["kept"]).lower()
    return out


def main(argv=None) -> None:
    args = parse_args(argv)
    for name, value in run(args).items():
        print(f"{name}: {value}", flush=True)


if __name__ == "__main__":
    main()
