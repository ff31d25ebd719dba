"""Subscription CSV import: peak memory at 10k vs 200k rows, and rows per second.

    python bench/import_bench.py [--database-url URL] [--small 10000] [--large 200000]

Builds a fresh schema by the migrations (PostgreSQL: drops the ``public`` schema of its database,
default kt_bench; SQLite: a file in a temporary directory), adds bulk customers, writes two CSV
files shaped like the README's example (four events per service: started, renewed, upgraded,
cancelled; one customer per 50 services), and imports each as the web page does: the file
stored in the database, then the ``subscription_imports`` job in a fresh process that prints its
own peak RSS. The subscriptions are emptied between runs; the large file is then imported a
second time (every line already imported), and last a file of ``--blank`` lines of ``,,,,,,``
(the issue's 7 MB file that used to take 500 MB).

Prints ``name: value`` lines on stdout, ratios first. See bench/README.md.
"""

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from anywhere: import the app

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import create_engine, delete, text  # noqa: E402

from bench.db_url import bench_database_url  # noqa: E402
from feedback import create_app  # noqa: E402
from feedback.core.time import utcnow  # noqa: E402
from feedback.demo.bulk import BULK_DOMAIN, customer_pool  # noqa: E402
from feedback.extensions import db  # noqa: E402
from feedback.lifecycle.models import Subscription, SubscriptionEvent  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/kt_bench"
ROOT = Path(__file__).resolve().parent.parent
# The README's figure for the importer this replaced (10 000 rows on PostgreSQL, 12 s).
BASELINE_ROWS_PER_SECOND = 800

# A fresh process: store the file as an upload, run the job, print seconds, memory and counts.
# Loading the app (pandas, plotly …) peaks higher than the app then holds, so the process's peak
# can hide the import's: the probe also resets the kernel's high-water mark (clear_refs) once the
# app is loaded and reads it again after the import (VmHWM), against VmRSS before it.
PROBE = """
import resource, sys, time
from feedback import create_app
from feedback.core.time import utcnow
from feedback.extensions import db
from feedback.lifecycle.imports import queue_import, run_queued
from feedback.lifecycle.models import SubscriptionImport

def status(name):
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith(name + ":"))

app = create_app({"SQLALCHEMY_DATABASE_URI": sys.argv[1], "WORKER_MODE": "off"})
with app.app_context():
    with open(sys.argv[2], "rb") as upload:
        record = queue_import(upload, "bench.csv", None, utcnow())
    db.session.commit()
    rss_before = status("VmRSS")
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # resets VmHWM to the current RSS
    started = time.perf_counter()
    run_queued(utcnow())
    seconds = time.perf_counter() - started
    record = db.session.get(SubscriptionImport, record.id)
    print(seconds, rss_before, status("VmHWM"), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
          record.status.value, record.rows, record.new_events, record.already_imported)
"""


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url", default=DEFAULT_URL, help=f"default {DEFAULT_URL}; sqlite:// for a file"
    )
    parser.add_argument("--small", type=int, default=10_000, help="rows of the small file (default 10000)")
    parser.add_argument("--large", type=int, default=200_000, help="rows of the large file (default 200000)")
    parser.add_argument(
        "--blank", type=int, default=1_000_000, help="lines of ',,,,,,' in the third file (default 1000000)"
    )
    parser.add_argument(
        "--baseline",
        type=float,
        default=BASELINE_ROWS_PER_SECOND,
        help=f"rows per second to compare with (default {BASELINE_ROWS_PER_SECOND}, the old importer's)",
    )
    args = parser.parse_args(argv)
    args.database_url = bench_database_url(parser, args.database_url, postgresql_only=False)
    if not 0 < args.small <= args.large:
        parser.error("need 0 < --small <= --large")
    return args


def write_csv(path: Path, rows: int, customers: int) -> None:
    """``rows`` lines, four per service, services spread over the bulk customers (streamed to disk)."""
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("email,service_id,product,event,date,amount,billing_cycle\n")
        for n in range(rows // 4):
            email, day = f"bulk{1 + n % customers}@{BULK_DOMAIN}", 1 + n % 9
            out.write(
                f"{email},S{n},Shared Hosting,started,2024-01-0{day},9.90,Monthly\n"
                f"{email},S{n},Shared Hosting,renewed,2024-02-0{day},9.90,Monthly\n"
                f"{email},S{n},VPS Cloud,upgraded,2024-03-0{day},39.00,Monthly\n"
                f"{email},S{n},VPS Cloud,cancelled,2024-04-0{day},,Monthly\n"
            )


def write_blank(path: Path, lines: int) -> None:
    """A header, one good-looking line that names no customer, then ``lines`` of separators only."""
    with path.open("w", encoding="utf-8") as out:
        out.write("email,service_id,product,event,date,amount,billing_cycle\n")
        out.write(f"nobody@{BULK_DOMAIN},X1,VPS,started,2024-01-01,9.90,Monthly\n")
        out.write(",,,,,,\n" * lines)


def run_import(url: str, path: Path, expect: str = "done") -> dict:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, url, str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=3600,
    )
    seconds, before, hwm, peak, status, rows, new, already = out.stdout.split()
    if status != expect:
        sys.exit(f"the import of {path.name} ended {status}, not {expect}")
    return {
        "seconds": float(seconds),
        "rss_app_kib": int(before),
        "import_peak_rss_kib": int(hwm),
        "peak_rss_kib": int(peak),
        "rows": int(rows),
        "new": int(new),
        "already": int(already),
    }


def empty_subscriptions() -> None:
    db.session.execute(delete(SubscriptionEvent))
    db.session.execute(delete(Subscription))
    db.session.commit()


def main(argv=None) -> None:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url
        if url.startswith("sqlite"):
            url = f"sqlite:///{Path(tmp) / 'bench.sqlite'}"
        elif url.startswith("postgresql"):
            with create_engine(url).begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "WORKER_MODE": "off"})
        results = {}
        with app.app_context():
            upgrade()
            customers = max(50, args.large // 4 // 50)
            customer_pool(customers, random.Random(1), utcnow())
            small, large = Path(tmp) / "small.csv", Path(tmp) / "large.csv"
            write_csv(small, args.small, min(customers, max(50, args.small // 4 // 50)))
            write_csv(large, args.large, customers)
            db.engine.dispose()
            for label, path in (("small", small), ("large", large)):
                empty_subscriptions()
                results[label] = run_import(url, path)
            results["again"] = run_import(url, large)  # every line recorded already
            blank = Path(tmp) / "blank.csv"
            write_blank(blank, args.blank)
            results["blank"] = run_import(
                url, blank, expect="rejected"
            )  # one line rejected, the rest skipped
            results["blank"]["mb"] = os.path.getsize(blank) / 1048576
        print_results(args, results, os.path.getsize(large))


def print_results(args, results: dict, large_bytes: int) -> None:
    small, large, again, blank = results["small"], results["large"], results["again"], results["blank"]
    per_second = large["rows"] / large["seconds"]
    figures = {
        "peak_rss_ratio_large_over_small": round(large["peak_rss_kib"] / small["peak_rss_kib"], 2),
        "rows_per_second_over_baseline": round(per_second / args.baseline, 1),
        "rows_small": small["rows"],
        "rows_large": large["rows"],
        "file_large_mb": round(large_bytes / 1048576, 1),
        "seconds_small": round(small["seconds"], 2),
        "seconds_large": round(large["seconds"], 2),
        "rows_per_second_small": round(small["rows"] / small["seconds"]),
        "rows_per_second_large": round(per_second),
        "baseline_rows_per_second": args.baseline,
        "seconds_reimport_large": round(again["seconds"], 2),
        "already_imported_reimport": again["already"],
        "peak_rss_small_mb": round(small["peak_rss_kib"] / 1024),
        "peak_rss_large_mb": round(large["peak_rss_kib"] / 1024),
        "rss_before_import_mb": round(large["rss_app_kib"] / 1024),
        "import_peak_rss_small_mb": round(small["import_peak_rss_kib"] / 1024),
        "import_peak_rss_large_mb": round(large["import_peak_rss_kib"] / 1024),
        "import_peak_ratio_large_over_small": round(
            large["import_peak_rss_kib"] / small["import_peak_rss_kib"], 2
        ),
        "import_growth_small_mb": round((small["import_peak_rss_kib"] - small["rss_app_kib"]) / 1024),
        "import_growth_large_mb": round((large["import_peak_rss_kib"] - large["rss_app_kib"]) / 1024),
        "blank_lines_file_mb": round(blank["mb"], 1),
        "blank_lines_seconds": round(blank["seconds"], 2),
        "blank_lines_import_growth_mb": round((blank["import_peak_rss_kib"] - blank["rss_app_kib"]) / 1024),
    }
    if small["new"] != small["rows"] or large["new"] != large["rows"]:
        sys.exit(f"not every row became an event: {small} {large}")
    for name, value in figures.items():
        print(f"{name}: {value}")


if __name__ == "__main__":
    started = time.perf_counter()
    main()
    print(f"bench_seconds: {time.perf_counter() - started:.0f}", file=sys.stderr)
