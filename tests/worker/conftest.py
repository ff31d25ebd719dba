"""Fault tests against real services: Celery worker processes on the local Redis, a real SMTP
server on loopback, and the test database (a SQLite file or PostgreSQL, shared across processes).

Every wait is bounded and every process started here is killed when its test ends.
Each fault test writes one ``FAULT …`` line with its counts to test-artifacts/fault-report.txt.
"""

import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from feedback.extensions import db
from feedback.mailer.models import OutboxMessage, OutboxStatus
from tests.factories import unavailable

from ..mail_server import SmtpSink

ROOT = Path(__file__).resolve().parents[2]
REPORT = ROOT / "test-artifacts" / "fault-report.txt"
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
REDIS_DBS = range(7, 15)  # one per concurrent test run; 15 belongs to the rate-limit tests
LOCK_KEY = "kontento-fault-tests"
VISIBILITY_TIMEOUT = 4  # seconds before Redis gives a dead worker's task to another
LEASE = 1  # seconds before a dead dispatcher's claimed outbox rows go back to the queue
WAIT = 20.0  # the longest any single wait may take
RUN_ID = uuid.uuid4().hex[:8]


def wait_until(
    check: Callable[[], object], what: str, timeout: float = WAIT, logs=(), interval: float = 0.05
) -> object:
    """Poll ``check`` until it returns something truthy; fail with ``what`` (and worker logs)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            tails = "\n".join(f"--- {w.name}\n{w.log()[-3000:]}" for w in logs)
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}\n{tails}")
        time.sleep(interval)


def database_label(url: str) -> str:
    return "postgresql" if url.startswith("postgresql") else "sqlite"


def report(name: str, database_url: str, **counts) -> str:
    """Print and append one ``FAULT <name>: key=value …`` line for the closing note."""
    line = f"FAULT {name}: " + " ".join(f"{k}={v}" for k, v in counts.items())
    REPORT.parent.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    with REPORT.open("a") as out:
        out.write(f"{stamp} db={database_label(database_url)} {line}\n")
    print(line)
    return line


def redis_answers() -> bool:
    try:
        with socket.create_connection((REDIS_HOST, REDIS_PORT), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def redis_url():
    """A Redis database of its own for this test run (locked, so parallel runs do not mix)."""
    if not redis_answers():
        unavailable(f"Redis is not answering on {REDIS_HOST}:{REDIS_PORT}", "KONTENTO_REQUIRE_REDIS")
    import redis

    for number in REDIS_DBS:
        client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=number)
        if client.set(LOCK_KEY, RUN_ID, nx=True, ex=900):
            break
        client.close()
    else:
        pytest.fail(f"every Redis database {REDIS_DBS.start}-{REDIS_DBS.stop - 1} is in use by another run")
    yield f"redis://{REDIS_HOST}:{REDIS_PORT}/{number}"
    client.flushdb()
    client.close()


@pytest.fixture
def redis_client(redis_url):
    """A client on the run's Redis database, emptied (but for the run's lock) before the test."""
    import redis

    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter():
        if key != LOCK_KEY.encode():
            client.delete(key)
    yield client
    client.close()


@pytest.fixture
def broker(redis_client, redis_url):
    """A Celery client on the run's Redis: ``broker.send_task("kontento.dispatch_outbox")``."""
    from celery import Celery

    client = Celery("kontento-fault-tests", set_as_current=False)
    client.conf.update(
        broker_url=redis_url,
        task_default_queue="kontento",
        task_ignore_result=True,
        broker_connection_retry_on_startup=True,
    )
    yield client
    client.close()


class Worker:
    """One ``celery worker`` (one task at a time), in its own process group, logging to a file."""

    def __init__(self, name: str, env: dict, log_path: Path, app: str, queues: str, pool: str):
        self.name = name
        self.log_path = log_path
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            app,
            "worker",
            f"--pool={pool}",
            "--concurrency=1",
            "-n",
            f"{name}-{RUN_ID}@%h",
            "-Q",
            queues,
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel",
            "INFO",
        ]
        with log_path.open("wb") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_ready(self) -> "Worker":
        def ready():
            if self.process.poll() is not None:
                raise AssertionError(f"worker {self.name} exited:\n{self.log()[-3000:]}")
            return " ready." in self.log()

        wait_until(ready, f"worker {self.name} to start", timeout=30, logs=[self])
        return self

    def task_lines(self, task: str, state: str) -> list[str]:
        """Ids of ``task`` in this worker's log that reached ``state`` (received, succeeded …)."""
        return re.findall(rf"Task {re.escape(task)}\[([0-9a-f-]+)\] {state}", self.log())

    def children(self) -> list[int]:
        """Pids of the worker's pool processes (prefork)."""
        found = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                except OSError:  # the process ended meanwhile
                    continue
                if int(stat.rsplit(")", 1)[1].split()[1]) == self.process.pid:
                    found.append(int(entry.name))
        return found

    def kill(self) -> None:
        """SIGKILL the whole process group: no cleanup, no acknowledgement, nothing."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)


@pytest.fixture
def workers(request, database_url, redis_url, tmp_path):
    """Start workers: ``workers.start("w1", smtp_port)``; all are killed when the test ends."""
    assert request.node.get_closest_marker("real_commits"), "worker processes need @pytest.mark.real_commits"

    class Workers:
        def __init__(self):
            self.started: list[Worker] = []

        def start(self, name: str, smtp_port: int, pool: str = "solo") -> Worker:
            return self.start_many([name], smtp_port, pool=pool)[0]

        def start_many(
            self,
            names: list[str],
            smtp_port: int,
            app: str = "make_celery",
            queues: list[str] | None = None,
            pool: str = "solo",
        ) -> list[Worker]:
            """Start several workers side by side (each takes seconds to import the app)."""
            env = {
                **os.environ,
                "FLASK_CONFIG": "development",
                "DATABASE_URL": database_url,
                "REDIS_URL": redis_url,
                "WORKER_MODE": "celery",
                "MAIL_SERVER": "127.0.0.1",
                "MAIL_PORT": str(smtp_port),
                "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
                "MAIL_CLAIM_LEASE_SECONDS": str(LEASE),
                "BASE_URL": "http://kontento.test",
                "PYTHONUNBUFFERED": "1",
            }
            queues = queues or ["kontento"] * len(names)
            started = [
                Worker(n, env, tmp_path / f"{n}.log", app, q, pool)
                for n, q in zip(names, queues, strict=True)
            ]
            self.started.extend(started)
            return [worker.wait_ready() for worker in started]

    pool = Workers()
    yield pool
    for worker in pool.started:
        # Idle by now; a clean shutdown takes Celery ~2 s, and Redis is emptied per test anyway.
        worker.kill()
    for worker in pool.started:
        # A task that failed inside a worker fails the test, even if the counts came out right.
        assert "raised unexpected" not in worker.log(), worker.log()[-3000:]


def queue_rows(count: int, kind: str = "fault/test") -> list[int]:
    """Commit ``count`` outbox rows, due now, and return their ids."""
    rows = [
        OutboxMessage(
            kind=kind,
            to_email=f"customer{n}@example.test",
            to_name=f"Customer {n}",
            subject=f"Fault test message {n}",
            body_text=f"Message {n}.",
            body_html=f"<p>Message {n}.</p>",
            headers="{}",
        )
        for n in range(count)
    ]
    db.session.add_all(rows)
    db.session.commit()
    return [row.id for row in rows]


def outbox() -> dict[int, OutboxMessage]:
    """Every outbox row as it is committed right now (read in a fresh transaction)."""
    db.session.rollback()
    rows = {row.id: row for row in db.session.scalars(select(OutboxMessage))}
    for row in rows.values():
        db.session.expunge(row)
    db.session.rollback()
    return rows


def delivery_counts(sink: SmtpSink, expected: set[int]) -> dict[str, int]:
    """``sent``, ``duplicates`` and ``lost`` for the outbox ids in ``expected``.

    A message is lost if it never reached the server or its row is not ``sent``; a
    duplicate is any second arrival of the same outbox row.
    """
    with sink.lock:
        arrived = Counter(int(m["X-Kontento-Outbox"]) for m in sink.messages)
    rows = outbox()
    not_sent = {i for i in expected if rows[i].status != OutboxStatus.SENT}
    return {
        "sent": sum(arrived[i] for i in expected),
        "duplicates": sum(n - 1 for i, n in arrived.items() if i in expected and n > 1),
        "lost": len({i for i in expected if not arrived[i]} | not_sent),
    }


def all_settled(ids: set[int]) -> bool:
    """No row in ``ids`` is still waiting or being sent."""
    rows = outbox()
    return all(rows[i].status in (OutboxStatus.SENT, OutboxStatus.FAILED) for i in ids)
