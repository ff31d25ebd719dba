"""The page benchmark (bench/page_bench.py) at toy sizes, so that it cannot rot unnoticed."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from ..auth.test_rate_limit_redis import REDIS_URL, _redis_answers
from ..factories import unavailable

ROOT = Path(__file__).resolve().parents[2]
PREFIX = "smoke_pages"  # the bench drops and recreates only PREFIX_small and PREFIX_large
# The bench refuses the database `test` on its command line (it would be run against the suite's
# database by mistake); here it runs on the suite's database on purpose, in schemas of its own.
RUN = """
import sys
from bench.page_bench import parse_args, run
args = parse_args(sys.argv[2:])
args.database_url = sys.argv[1]
for name, value in run(args).items():
    print(f"{name}: {value}")
"""
PAGES = (
    "satisfaction",
    "support_90d",
    "support_2y",
    "retention_12m",
    "queue",
    "renewals_at_risk",
    "outbox",
    "dashboard",
)


@pytest.mark.postgres
def test_page_bench_signs_in_and_times_every_page_at_toy_sizes(database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("the page benchmark runs on PostgreSQL only")
    if not _redis_answers():
        unavailable("Redis is not answering on 127.0.0.1:6379", "KONTENTO_REQUIRE_REDIS")
    env = {k: v for k, v in os.environ.items() if k not in ("FLASK_CONFIG", "SECRET_KEY", "REDIS_URL")}
    argv = ["--small", "200", "--large", "2000", "--requests", "3", "--schema-prefix", PREFIX]
    try:
        out = subprocess.run(
            [sys.executable, "-c", RUN, database_url, *argv, "--redis-url", REDIS_URL],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        engine = create_engine(database_url)
        with engine.begin() as conn:
            for size in ("small", "large"):
                conn.execute(text(f"DROP SCHEMA IF EXISTS {PREFIX}_{size} CASCADE"))
        engine.dispose()
    assert out.returncode == 0, out.stderr[-3000:]
    figures = dict(line.split(": ", 1) for line in out.stdout.splitlines())
    names = list(figures)
    assert names[: len(PAGES)] == [f"{page}_1m_over_10k" for page in PAGES]  # ratios first
    for page in PAGES:
        assert float(figures[f"{page}_1m_over_10k"]) > 0
        assert float(figures[f"{page}_p50_10k_ms"]) > 0 and float(figures[f"{page}_p50_1m_ms"]) > 0
    assert (figures["feedback_10k"], figures["feedback_1m"]) == ("200", "2000")
    # About a quarter of the ratings have a case, and each case its outbox message.
    assert 0.15 * 2000 < int(figures["followups_1m"]) < 0.4 * 2000
    assert figures["outbox_1m"] == figures["followups_1m"]
    assert int(figures["subscription_events_1m"]) > int(figures["subscriptions_1m"]) > 0
