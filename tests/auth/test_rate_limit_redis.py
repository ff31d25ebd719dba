"""With REDIS_URL set, login limits live in Redis and so hold across worker processes."""

import os
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests.factories import unavailable

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
ROOT = Path(__file__).resolve().parents[2]

# One "web worker": a separate process with its own app, posting wrong passwords.
WORKER = """
import sys
from flask_migrate import upgrade
from feedback import create_app
from feedback.auth.models import Role
from feedback.auth.services import create_user
from feedback.extensions import db

url, prefix, attempts, setup = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4] == "1"
app = create_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_KEY_PREFIX": prefix, "WTF_CSRF_ENABLED": False})
with app.app_context():
    if setup:
        upgrade()
        create_user("target@example.test", "Target", "right-password", Role.CUSTOMER)
        db.session.commit()
client = app.test_client()
codes = [
    client.post("/login", data={"email": "target@example.test", "password": "wrong"}).status_code
    for _ in range(attempts)
]
print(" ".join(map(str, codes)))
"""


def _redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture
def redis_client():
    if not _redis_answers():
        unavailable("Redis is not answering on 127.0.0.1:6379", "KONTENTO_REQUIRE_REDIS")
    import redis

    return redis.Redis.from_url(REDIS_URL)


def _worker(db_url: str, prefix: str, attempts: int, setup: bool) -> list[int]:
    env = {**os.environ, "REDIS_URL": REDIS_URL, "FLASK_CONFIG": "development"}
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "-c", WORKER, db_url, prefix, str(attempts), "1" if setup else "0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr[-3000:]  # the worker's traceback, if it failed
    return [int(c) for c in result.stdout.split()]


def test_failed_logins_are_counted_across_processes_in_redis(tmp_path, redis_client):
    prefix = f"kt-test-{uuid.uuid4().hex}"
    db_url = f"sqlite:///{tmp_path / 'workers.sqlite'}"
    try:
        first = _worker(db_url, prefix, 3, setup=True)
        second = _worker(db_url, prefix, 3, setup=False)
        assert first == [401, 401, 401]
        # 5 failures per account and address: the second process sees the first one's.
        assert second == [401, 401, 429]
        assert list(redis_client.scan_iter(f"*{prefix}*"))
    finally:
        for key in redis_client.scan_iter(f"*{prefix}*"):
            redis_client.delete(key)
