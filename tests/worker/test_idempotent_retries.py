"""SIGKILL gunicorn workers while clients post ratings with an ``Idempotency-Key`` each and retry
(same key, same body) on a dropped connection, a timeout, a 5xx or a 409: every key ends with
exactly one rating, and every answer for a key names that rating.

The documented production server (gunicorn with deploy/gunicorn.conf.py: gthread workers; here
preloaded, so a killed worker is replaced at once) serves the full app on loopback, on the test
database, with the suite's config (``FLASK_CONFIG=testing``): rate limits counted in each
process's memory and no Redis at all, so neither is needed for safe retries. A killer thread
SIGKILLs a worker every 1–3 s (the oldest that has loaded the app, while another one has too)
and gunicorn forks another. A kill that lands after a commit but before the answer left is the
case issue 15 found: the client's retry must get the stored answer, not write a second rating.
"""

import http.client
import json
import os
import random
import signal
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import pytest
from sqlalchemy import select

from feedback.api.idempotency import IdempotencyKey
from feedback.extensions import db
from feedback.surveys.models import Feedback

from ..factories import token_for
from ..gunicorn import start_gunicorn
from .conftest import ROOT, report, wait_until

pytestmark = pytest.mark.real_commits  # the server's processes must see the tokens

CUSTOMERS = 4
CLIENTS = 6  # client threads
MIN_LOAD = 12.0  # seconds of load at least …
MAX_LOAD = 24.0  # … and at most, while waiting for a kill and a retry to have happened
MIN_KILLS = 3  # … and kills wanted before MAX_LOAD (at least one is required)
KEY_DEADLINE = 30.0  # seconds one key may take, retries included
TIMEOUT = 10.0  # seconds one attempt waits for its answer
PAUSE = 0.05  # between retries: a reset means the worker is gone, not that the server is overloaded
RETRIED = (408, 409, 500, 502, 503, 504)
MARK = "kill-load"


def _children(pid: int) -> list[int]:
    """Pids of the processes whose parent is ``pid`` (gunicorn's workers), oldest first."""
    found = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(f"/proc/{entry.name}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
            except OSError:  # ended meanwhile
                continue
            if int(fields[1]) == pid:
                found.append((int(fields[19]), int(entry.name)))  # field 22: start time
    return [child for _, child in sorted(found)]


@pytest.fixture
def server(database_url, tmp_path):
    """gunicorn as README's production command starts it, on the test database, listening on a
    loopback socket handed over by file descriptor; killed with every worker when the test ends."""
    env = {
        **os.environ,
        "FLASK_CONFIG": "testing",
        "DATABASE_URL": database_url,
        "WORKER_MODE": "off",
        "WEB_CONCURRENCY": "2",
        "WEB_THREADS": "8",
        # The limits still count every request (in each worker's memory) but refuse none.
        "API_RATE_LIMIT": "1000000 per minute",
        "RATING_RATE_LIMIT": "1000000 per hour",
    }
    for name in ("REDIS_URL", "GUNICORN_CMD_ARGS"):
        env.pop(name, None)
    # The documented settings, plus a hook that marks each worker once it has loaded the app, and
    # the app loaded once in the master: a killed worker is replaced by a fork in milliseconds
    # rather than a boot of seconds (WORKER_MODE=off: no scheduler thread to lose in the fork, and
    # create_app opens no database connection to share), so kills can come every 1–3 s.
    ready_dir = tmp_path / "ready"
    ready_dir.mkdir()
    config = tmp_path / "gunicorn.conf.py"
    mark = f"open({str(ready_dir)!r} + '/' + str(worker.pid), 'w').close()"
    hook = f"\npreload_app = True\n\n\ndef post_worker_init(worker):\n    {mark}\n"
    config.write_text((ROOT / "deploy" / "gunicorn.conf.py").read_text() + hook)
    log_path = tmp_path / "gunicorn.log"
    with log_path.open("w") as log:
        process, port = start_gunicorn(config, env, log, own_session=True)

    def answers():
        assert process.poll() is None, log_path.read_text()[-3000:]
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        try:
            conn.request("GET", "/healthz")
            return conn.getresponse().status == 200
        except OSError:
            return False
        finally:
            conn.close()

    try:
        wait_until(answers, "gunicorn to answer", timeout=60, interval=0.2)
        yield port, process, log_path, ready_dir
    finally:
        os.killpg(process.pid, signal.SIGKILL)  # the master and every worker, whatever they do
        process.wait(10)


@dataclass
class Key:
    """One rating a client means to leave once, and what it saw while trying."""

    key: str
    token: str
    body: bytes
    statuses: list = field(default_factory=list)  # every attempt: HTTP status or exception name
    ids: list = field(default_factory=list)  # the rating id of every 2xx answer
    replayed: int = 0


def _post(port: int, item: Key) -> tuple[int, dict, str | None]:
    # A connection per attempt: a reset then means the worker holding this request died.
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
    try:
        headers = {
            "Authorization": f"Bearer {item.token}",
            "Content-Type": "application/json",
            "Idempotency-Key": item.key,
        }
        conn.request("POST", "/api/v1/feedback", item.body, headers)
        response = conn.getresponse()
        return (
            response.status,
            json.loads(response.read() or b"{}"),
            response.getheader("Idempotent-Replayed"),
        )
    finally:
        conn.close()


def _leave_once(port: int, item: Key) -> None:
    """POST until a 2xx, with the same key and body, retrying what a careful client retries."""
    deadline = time.monotonic() + KEY_DEADLINE
    while time.monotonic() < deadline:
        try:
            status, body, replayed = _post(port, item)
        except (OSError, http.client.HTTPException) as exc:  # reset, refused, timed out, cut short
            item.statuses.append(type(exc).__name__)
            time.sleep(PAUSE)
            continue
        item.statuses.append(status)
        if 200 <= status < 300:
            item.ids.append(body["id"])
            item.replayed += replayed == "true"
            return
        if status not in RETRIED:
            return  # a refusal a retry would not change: the assertions below name it
        time.sleep(PAUSE)


def test_worker_kills_under_load_leave_one_rating_per_idempotency_key(app, database_url, make, server):
    port, master, log_path, ready_dir = server
    rng = random.Random(15)
    customers = [make.customer() for _ in range(CUSTOMERS)]
    db.session.commit()
    tokens = [token_for(c) for c in customers]
    keys: list[Key] = []
    keys_lock = threading.Lock()
    stop = threading.Event()
    kills = []

    def next_key(n: int) -> Key:
        body = {"csat": rng.randint(1, 5), "category": "support", "comment": f"{MARK} {n}"}
        return Key(f"{MARK}-{n}", tokens[n % CUSTOMERS], json.dumps(body).encode())

    def client():
        while not stop.is_set():
            with keys_lock:
                item = next_key(len(keys))
                keys.append(item)
            _leave_once(port, item)

    def killer():
        while not stop.wait(rng.uniform(1, 3)):
            # Only a worker that has loaded the app, and only while another one has too: a worker
            # takes seconds to boot, and killing booting ones would stall the load, not cut it.
            ready = [pid for pid in _children(master.pid) if (ready_dir / str(pid)).exists()]
            if len(ready) >= 2:
                os.kill(ready[0], signal.SIGKILL)  # the oldest: the one serving longest
                kills.append(time.monotonic())

    def retries() -> int:
        with keys_lock:
            return sum(len(k.statuses) - 1 for k in keys if k.statuses)

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    threads.append(threading.Thread(target=killer))
    started = time.monotonic()
    for thread in threads:
        thread.start()
    try:
        # Keep the load on until it has proven something: workers killed and keys retried.
        while time.monotonic() - started < MAX_LOAD:
            if time.monotonic() - started >= MIN_LOAD and len(kills) >= MIN_KILLS and retries():
                break
            time.sleep(0.1)
    finally:
        stop.set()
        for thread in threads:
            thread.join(KEY_DEADLINE + TIMEOUT)
    load_seconds = time.monotonic() - started
    assert not any(t.is_alive() for t in threads), "a client is still trying after its deadline"

    during_load = {
        "retries": sum(len(k.statuses) - 1 for k in keys),
        "replayed_during_load": sum(k.replayed for k in keys),
        "never_answered": sum(1 for k in keys if not k.ids),
    }
    # Each key again, now that no one kills: the stored answer, with the same rating.
    for item in keys:
        _leave_once(port, item)

    db.session.rollback()
    stored = Counter()
    ids_in_db = {}
    for rating_id, comment in db.session.execute(
        select(Feedback.id, Feedback.comment).where(Feedback.comment.like(f"{MARK} %"))
    ):
        stored[comment] += 1
        ids_in_db[comment] = rating_id
    pending_keys = db.session.scalars(select(IdempotencyKey.key).where(IdempotencyKey.status.is_(None))).all()

    outcomes = Counter(s if isinstance(s, str) else f"{s // 100}xx" for k in keys for s in k.statuses)
    comments = {k.key: json.loads(k.body)["comment"] for k in keys}
    counts = {
        "keys": len(keys),
        "kills": len(kills),
        **during_load,
        "duplicates": sum(n - 1 for n in stored.values() if n > 1),
        "lost": sum(1 for c in comments.values() if not stored[c]),
        "load_s": f"{load_seconds:.1f}",
        **{f"answers_{name}": n for name, n in sorted(outcomes.items())},
    }
    report("idempotent-retries-under-worker-kills", database_url, **counts)

    refused = {k.key: k.statuses for k in keys if len(k.ids) < 2}
    assert not refused, f"keys that never got a 2xx (or no replay after the load): {refused}"
    assert counts["duplicates"] == 0 and counts["lost"] == 0, counts
    mismatched = {k.key: k.ids for k in keys if set(k.ids) != {ids_in_db[comments[k.key]]}}
    assert not mismatched, f"answers naming another rating than the stored one: {mismatched}"
    assert all(k.replayed >= 1 for k in keys), "the after-load retry of some key was not a replay"
    assert pending_keys == [], f"keys left in progress: {pending_keys}"
    assert counts["kills"] >= 1, "no worker was killed during the load"
    assert counts["retries"] >= 1, "no request was retried: the kills proved nothing"
    assert "Traceback" not in log_path.read_text(), log_path.read_text()[-3000:]
