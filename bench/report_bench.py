"""Time the satisfaction report at two data volumes, against a plain GROUP BY over the same rows.

    python bench/report_bench.py [--database-url URL] [--small 10000] [--large 1000000]

Builds a fresh schema (app factory + the migrations), bulk-loads the small set of ratings
spread over two years, times ``satisfaction_report`` over the whole range (best of N runs)
and ``SELECT date(created_at), count(*), avg(csat) … GROUP BY 1`` over the same rows, then
loads up to the large size and times both again. Prints one ``name: value`` line per figure
on stdout (migration logs go to stderr). See bench/README.md.
"""

import argparse
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from anywhere: import the app

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import create_engine, func, inspect, select, text  # noqa: E402

from feedback import create_app  # noqa: E402
from feedback.core.time import utcnow  # noqa: E402
from feedback.demo.bulk import generate_bulk  # noqa: E402
from feedback.demo.generator import HISTORY_DAYS  # noqa: E402
from feedback.extensions import db  # noqa: E402
from feedback.surveys.models import Feedback, FeedbackKind  # noqa: E402


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="default: a SQLite file in a temporary directory")
    parser.add_argument("--small", type=int, default=10_000, help="ratings in the small set (default 10000)")
    parser.add_argument(
        "--large", type=int, default=1_000_000, help="ratings in the large set (default 1000000)"
    )
    parser.add_argument(
        "--runs", type=int, default=5, help="timed runs per figure; the best is kept (default 5)"
    )
    parser.add_argument("--granularity", default="week", help="passed to satisfaction_report (default week)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--reset",
        action="store_true",
        help="PostgreSQL: drop and recreate the public schema of a database that already has tables",
    )
    args = parser.parse_args(argv)
    if not 0 < args.small <= args.large:
        parser.error("need 0 < --small <= --large")
    return args


def fresh_schema(url: str, reset: bool) -> None:
    """Refuse to touch a database that already has tables unless ``--reset`` says so."""
    engine = create_engine(url)
    try:
        tables = inspect(engine).get_table_names()
        if tables and not reset:
            sys.exit(
                f"{url} already has tables ({len(tables)}); pass --reset to wipe it, or use an empty database"
            )
        if tables and engine.dialect.name == "postgresql":
            with engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        elif tables:
            sys.exit("--reset only wipes PostgreSQL databases; give a new SQLite file instead")
    finally:
        engine.dispose()


def best_of(runs: int, fn) -> float:
    """The fastest of ``runs`` timed calls, in seconds (the others absorb cold caches)."""
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
        db.session.rollback()  # each run starts from a clean session, as a request would
    return best


def groupby(start: date, end: date) -> list:
    """The raw daily aggregate the report must at least do: one GROUP BY over the range."""
    day = func.date(Feedback.created_at)
    stmt = (
        select(day, func.count(), func.avg(Feedback.csat))
        .where(
            Feedback.kind == FeedbackKind.RATING,
            Feedback.created_at >= datetime.combine(start, clock(0), UTC),
            Feedback.created_at < datetime.combine(end + timedelta(days=1), clock(0), UTC),
        )
        .group_by(day)
    )
    return db.session.execute(stmt).all()


def load(rows: int, seed: int, now: datetime) -> float:
    """Insert ``rows`` ratings and refresh the planner's statistics; return the seconds taken."""
    started = time.perf_counter()
    generate_bulk(rows, seed=seed, now=now)
    db.session.execute(text("ANALYZE"))
    db.session.commit()
    return time.perf_counter() - started


def measure(report, start: date, end: date, args) -> tuple[int, float, float]:
    rows = db.session.scalar(
        select(func.count()).select_from(Feedback).where(Feedback.kind == FeedbackKind.RATING)
    )
    report_s = best_of(args.runs, lambda: report(start, end, granularity=args.granularity))
    groupby_s = best_of(args.runs, lambda: groupby(start, end))
    return rows, report_s, groupby_s


def run(args: argparse.Namespace, url: str) -> dict[str, str]:
    fresh_schema(url, args.reset)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        from feedback.reports.metrics import satisfaction_report  # late: written in parallel with the bench

        now = utcnow()
        start, end = (now - timedelta(days=HISTORY_DAYS)).date(), now.date()
        load_s = load(args.small, args.seed, now)
        rows_small, report_small, groupby_small = measure(satisfaction_report, start, end, args)
        load_s += load(args.large - args.small, args.seed + 1, now)
        rows_large, report_large, groupby_large = measure(satisfaction_report, start, end, args)
        db.session.remove()
        db.engine.dispose()
    return {
        "rows_small": str(rows_small),
        "rows_large": str(rows_large),
        "report_small_s": f"{report_small:.4f}",
        "report_large_s": f"{report_large:.4f}",
        "report_ratio_large_over_small": f"{report_large / report_small:.1f}",
        "groupby_small_s": f"{groupby_small:.4f}",
        "groupby_large_s": f"{groupby_large:.4f}",
        "report_over_groupby_small": f"{report_small / groupby_small:.2f}",
        "report_over_groupby_large": f"{report_large / groupby_large:.2f}",
        "load_seconds": f"{load_s:.1f}",
    }


def main(argv=None) -> None:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="kontento-bench-") as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.sqlite'}"
        for prefix in ("postgres://", "postgresql://"):  # the app ships psycopg 3, as config.py assumes
            if url.startswith(prefix):
                url = "postgresql+psycopg://" + url[len(prefix) :]
        for name, value in run(args, url).items():
            print(f"{name}: {value}", flush=True)


if __name__ == "__main__":
    main()
