"""Redis stops under a web process in Celery mode: nothing answers 5xx, limits keep refusing
(counted in the process meanwhile), and once Redis is back they count in Redis again.

A Redis server of the test's own, on a free port, is killed and restarted on that port; the
web app runs in a process of its own (as in production: the limiter's fallback is per process)
and takes commands on stdin: the API, the customer dashboard and sign-in.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import uuid

import pytest

from feedback.extensions import db
from tests.factories import PASSWORD, token_for, unavailable

from .conftest import ROOT, report, wait_until

# The web process reads the users this test commits.
pytestmark = pytest.mark.real_commits

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"

WEB = """
import json, sys, time
from config import TestingConfig
from feedback import create_app
from feedback.extensions import limiter

url, redis_url, prefix, token, customer, other, password = sys.argv[1:8]
config = type("RedisDownConfig", (TestingConfig,), {
    "SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": redis_url, "RATELIMIT_STORAGE_URI": redis_url,
    "RATELIMIT_KEY_PREFIX": prefix, "WORKER_MODE": "celery",
    "RATING_RATE_LIMIT": "3 per hour", "LOGIN_EMAIL_ADDRESS_RATE_LIMIT": "2 per hour",
})
app = create_app(config)
browser, robot = app.test_client(), app.test_client()
api = {"Authorization": "Bearer " + token}


def sign_in():
    global browser
    browser = app.test_client()  # a browser that was not signed in
    return browser.post("/login", data={"email": customer, "password": password})


REQUESTS = {
    "api": lambda: robot.post("/api/v1/feedback", json={"csat": 5}, headers=api),
    "dashboard": lambda: browser.get("/dashboard"),
    "rate": lambda: browser.post("/feedback", data={"r-csat": "4", "r-category": "support"}),
    "sign-in": sign_in,
    "wrong-password": lambda: robot.post("/login", data={"email": other, "password": "wrong"}),
}
print(json.dumps({"ready": True}), flush=True)
for line in sys.stdin:
    command = line.strip()
    if command == "probe-now":
        # Flask-Limiter probes a dead storage after 1, 2, 4 ... 32 s; skip the wait, not the probe.
        limiter._Limiter__last_check_backend = 0.0
        print(json.dumps({}), flush=True)
        continue
    started = time.monotonic()
    status = REQUESTS[command]().status_code
    print(json.dumps({"status": status, "seconds": time.monotonic() - started}), flush=True)
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


class RedisServer:
    """A throw-away ``redis-server`` (no persistence) that can be killed and started again."""

    def __init__(self, port: int):
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.process = None

    def start(self) -> None:
        command = [
            REDIS_SERVER,
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(lambda: _answers(self.port), f"redis-server on port {self.port}", timeout=10)

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)
        assert not _answers(self.port)

    def keys(self, pattern: str) -> list[bytes]:
        import redis

        client = redis.Redis.from_url(self.url)
        try:
            return list(client.scan_iter(pattern))
        finally:
            client.close()


@pytest.fixture
def redis_server():
    if not os.path.exists(REDIS_SERVER):
        unavailable(f"{REDIS_SERVER} is not installed", "KONTENTO_REQUIRE_REDIS")
    server = RedisServer(_free_port())
    server.start()
    yield server
    server.kill()


class Web:
    """The web process: ``web("api")`` makes one request and answers its status and duration."""

    def __init__(self, args: list[str], log_path):
        self.log_path = log_path
        with log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-c", WEB, *args],
                cwd=ROOT,
                env={k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")},
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
            )
        self._read()

    def _read(self) -> dict:
        line = self.process.stdout.readline()
        if not line:
            raise AssertionError(f"the web process exited:\n{self.log()[-3000:]}")
        return json.loads(line)

    def __call__(self, command: str, times: int = 1) -> list[int]:
        statuses = []
        for _ in range(times):
            self.process.stdin.write(command + "\n")
            self.process.stdin.flush()
            answer = self._read()
            # A dead Redis must fail fast (REDIS_TIMEOUT), not hold the request.
            assert answer["seconds"] < 2, (command, answer)
            statuses.append(answer["status"])
        return statuses

    def probe_now(self) -> None:
        self.process.stdin.write("probe-now\n")
        self.process.stdin.flush()
        self._read()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        self.process.stdin.close()  # the end of its commands: the process exits
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)
        self.process.stdout.close()


def test_redis_stopping_and_returning_costs_no_request_and_keeps_the_limits(
    app, database_url, make, redis_server, tmp_path
):
    customer, other = make.customer(), make.customer()
    db.session.commit()
    token = token_for(customer)
    prefix = f"kt-{uuid.uuid4().hex[:8]}"
    web = Web(
        [database_url, redis_server.url, prefix, token, customer.email, other.email, PASSWORD],
        tmp_path / "web.log",
    )
    try:
        # Redis up: the budgets count in Redis.
        assert web("sign-in") == [302]
        assert web("dashboard") == [200]
        assert web("api", 4) == [201, 201, 201, 429]  # 3 ratings per hour
        assert web("rate") == [429]  # one budget for the API and the dashboard
        assert web("wrong-password", 3) == [401, 401, 429]  # 2 failures per account and address
        assert redis_server.keys(f"*{prefix}*")

        redis_server.kill()
        down = {
            # Counted afresh in this process: the budget holds, shared by the dashboard and the API.
            "rate": web("rate", 2),
            "api": web("api", 2),
            "dashboard": web("dashboard", 2),
            "wrong-password": web("wrong-password", 3),
            "sign-in": web("sign-in"),
            "dashboard signed in again": web("dashboard"),
        }
        assert down == {
            "rate": [302, 302],
            "api": [201, 429],
            "dashboard": [200, 200],
            "wrong-password": [401, 401, 429],
            "sign-in": [302],
            "dashboard signed in again": [200],
        }
        log = web.log()
        assert "Traceback" not in log
        # One warning per failing step, not one per request.
        assert log.count("waking the worker for feedback_receipts") == 1, log[-3000:]

        redis_server.start()  # empty: it kept nothing
        web.probe_now()
        # Back on Redis, whose count starts from zero (the process's count was spent).
        assert web("api", 4) == [201, 201, 201, 429]
        assert redis_server.keys(f"*{prefix}*")
        assert web("dashboard") == [200]
        assert web("wrong-password") == [401]
        statuses = [status for codes in down.values() for status in codes]
        report(
            "redis-down",
            database_url,
            requests_while_down=len(statuses),
            statuses_5xx=sum(s >= 500 for s in statuses),
        )
    finally:
        web.stop()
