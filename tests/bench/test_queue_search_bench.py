"""The queue search benchmark (bench/queue_search_bench.py) at a toy size, so that it cannot rot."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from ..auth.test_rate_limit_redis import REDIS_URL, _redis_answers
from ..factories import unavailable

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = "smoke_queue_search"  # the only schema the bench drops and recreates here
# The bench refuses the database `test` on its command line; here it runs on the suite's database
# on purpose, in a schema of its own.
RUN = """
import sys
from bench.queue_search_bench import parse_args, run
args = parse_args(sys.argv[2:])
args.database_url = sys.argv[1]
for name, value in run(args).items():
    print(f"{name}: {value}")
"""


@pytest.mark.postgres
def test_queue_search_bench_times_the_searched_and_plain_queue_at_a_toy_size(database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("the queue search benchmark runs on PostgreSQL only")
    if not _redis_answers():
        unavailable("Redis is not answering on 127.0.0.1:6379", "KONTENTO_REQUIRE_REDIS")
    env = {k: v for k, v in os.environ.items() if k not in ("FLASK_CONFIG", "SECRET_KEY", "REDIS_URL")}
    argv = ["--cases", "2000", "--requests", "3", "--schema", SCHEMA, "--redis-url", REDIS_URL]
    try:
        out = subprocess.run(
            [sys.executable, "-c", RUN, database_url, *argv],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )
    finally:
        engine = create_engine(database_url)
        with engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        engine.dispose()
    assert out.returncode == 0, out.stderr[-3000:]
    figures = dict(line.split(": ", 1) for line in out.stdout.splitlines())
    assert list(figures)[:2] == ["queue_search_p95_ms", "queue_search_over_queue"]
    assert float(figures["queue_search_p95_ms"]) > 0 and float(figures["queue_search_over_queue"]) > 0
    assert figures["rows_followups"] == figures["rows_feedback"] == "2000"
    assert 15 <= int(figures["rows_open"]) <= 25  # the latest 1 %
    # created, a public reply on each, a note on half, a customer's answer on three in ten
    assert int(figures["rows_followup_events"]) == 2000 * 2 + 1000 + 600
