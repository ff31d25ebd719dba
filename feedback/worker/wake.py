"""The after-commit wake-up: once a transaction that queued mail, or asked for a job with
:func:`feedback.core.wake.wake_after_commit`, has committed, tell the worker configured by
``WORKER_MODE`` to act now rather than at the job's next period.

Importing this module registers the session listeners (once per process, for every app).
"""

import logging
import threading
import time
from collections.abc import Callable

from flask import Flask, current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from ..core.outage import OutageLog
from ..core.wake import WAKE_KEY
from ..mailer.services import SESSION_FLAG

log = logging.getLogger(__name__)
# Redis down under load would fail every commit's wake-up: warn once a minute, not per request.
outage = OutageLog(log)

# Set while a run_now task for the job waits in the queue; the task clears it when it starts.
PENDING_KEY = "kontento:run-now-pending:{job}"
# A lost task holds new wake-ups back this long at most; the job's own schedule covers the gap.
PENDING_SECONDS = 60
_coalesce_lock = threading.Lock()


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint released: nothing is visible to the worker before the outer commit
    mail = session.info.pop(SESSION_FLAG, False)
    jobs = session.info.pop(WAKE_KEY, set())
    if not has_app_context():
        return
    if mail:
        kick()
    for job in sorted(jobs):
        run_soon(job)


@event.listens_for(Session, "after_rollback")
def _rolled_back(session: Session) -> None:
    session.info.pop(SESSION_FLAG, None)
    session.info.pop(WAKE_KEY, None)


def run_soon(job: str) -> None:
    """Ask the worker to run ``job`` now, outside its schedule. Never fails the caller.

    On Celery a burst of commits sends one task, not one each: a commit that finds a task for
    the job still waiting sends none, since that task runs after the commit and sees its rows.
    """
    app = current_app._get_current_object()
    if app.config["WORKER_MODE"] == "celery":
        if _coalesced(app, job, time.monotonic()):
            return
        if not _mark_pending(app, job):
            return
    _wake("kontento.run_now", [job], lambda scheduler: scheduler.run_soon(job), job)


def _coalesced(app: Flask, job: str, now: float) -> bool:
    """True if this process asked for ``job`` less than ``WAKE_COALESCE_SECONDS`` ago: then one
    more wake-up is owed at the end of that span (a timer), whatever the number of commits in it.

    Under load every commit asked Redis (SET NX) whether a task was waiting: at most one ask a
    second per process and job now. The trailing wake-up keeps the promise of a commit near the
    end of a burst: its rows are picked up within the span, not at the job's next period.
    """
    span = float(app.config.get("WAKE_COALESCE_SECONDS", 1.0))
    if span <= 0:
        return False
    state = app.extensions.setdefault("kontento.wake_coalesce", {"last": {}, "owed": set()})
    with _coalesce_lock:
        last = state["last"].get(job)
        if last is None or now - last >= span:
            state["last"][job] = now
            return False
        if job not in state["owed"]:
            state["owed"].add(job)
            timer = threading.Timer(last + span - now, _owed_wake, args=(app, job))
            timer.daemon = True
            timer.start()
    return True


def _owed_wake(app: Flask, job: str) -> None:
    with app.app_context():
        state = app.extensions["kontento.wake_coalesce"]
        with _coalesce_lock:
            state["owed"].discard(job)
        run_soon(job)


def kick() -> None:
    """Ask for the outbox to be dispatched now. Never fails the caller: beat is the safety net."""
    app = current_app._get_current_object()
    app.extensions["kontento.kicks"] = app.extensions.get("kontento.kicks", 0) + 1
    _wake("kontento.dispatch_outbox", [], lambda scheduler: scheduler.kick(), "the dispatcher")


def clear_pending(job: str) -> None:
    """Called by a run_now task as it starts: commits from now on need a task of their own."""
    app = current_app._get_current_object()
    try:
        _redis(app).delete(PENDING_KEY.format(job=job))
    except Exception as exc:  # noqa: BLE001 — the key expires by itself; the schedule covers the gap
        outage.failed(f"clearing the waiting mark of {job} in Redis", exc)


def _redis(app: Flask):
    client = app.extensions.get("kontento.redis")
    if client is None:
        import redis

        # Fail fast when Redis is down: the wake-up is dropped, the request must not wait.
        timeout = app.config.get("REDIS_TIMEOUT")
        client = app.extensions["kontento.redis"] = redis.Redis.from_url(
            app.config["REDIS_URL"], socket_connect_timeout=timeout, socket_timeout=timeout
        )
    return client


def _mark_pending(app: Flask, job: str) -> bool:
    """True if no task for ``job`` was waiting (one is about to be sent), or Redis cannot say."""
    try:
        return bool(_redis(app).set(PENDING_KEY.format(job=job), "1", nx=True, ex=PENDING_SECONDS))
    except Exception as exc:  # noqa: BLE001 — unsure: send the task, a spare run costs little
        outage.failed(f"checking Redis for a waiting {job} task", exc)
        return True


def _wake(task: str, args: list, embedded: Callable, what: str) -> None:
    """Send ``task`` to Celery, or call ``embedded(scheduler)``, as ``WORKER_MODE`` says.

    The task is sent by name, so this module needs neither the tasks nor the scheduler.
    """
    app = current_app._get_current_object()
    mode = app.config["WORKER_MODE"]
    try:
        if mode == "celery":
            # This app's own Celery, not the process-wide current one (the last app built).
            app.extensions["celery"].send_task(task, args=args, retry=False)
        elif mode == "embedded":
            embedded(app.extensions["kontento.scheduler"])
    except Exception as exc:  # noqa: BLE001 — broker down: the job's schedule runs it within its period
        outage.failed(f"waking the worker for {what}", exc)
