"""Celery wired as in Flask's own example: every task runs inside an app context.

Start a worker (with the beat scheduler) on a machine with ``REDIS_URL`` set::

    celery -A make_celery worker -B --loglevel INFO

Redis must keep every queued task: run it with ``maxmemory-policy noeviction``.
"""

import logging

from celery import Celery, Task
from celery.signals import worker_process_init, worker_ready
from flask import Flask

from . import tasks  # noqa: F401  (registers the tasks on every Celery app)
from .jobs import JOBS

log = logging.getLogger(__name__)


def celery_config(app: Flask) -> dict:
    """Celery settings derived from the app's configuration."""
    return {
        "broker_url": app.config.get("REDIS_URL") or "memory://",
        "task_ignore_result": True,
        # Acknowledge after the task ran, and give a task back if its worker dies mid-way:
        # a killed worker's job runs again. Jobs are idempotent, so running twice is harmless.
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "broker_transport_options": _transport_options(
            app.config["CELERY_VISIBILITY_TIMEOUT"], app.config["REDIS_TIMEOUT"]
        ),
        "broker_connection_retry_on_startup": True,
        "task_default_queue": "kontento",
        "beat_schedule": {
            name: {"task": "kontento.run_periodic", "schedule": job.every.total_seconds(), "args": (name,)}
            for name, job in JOBS.items()
        },
        **app.config.get("CELERY", {}),
    }


def _transport_options(visibility_timeout: int, connect_timeout: float) -> dict:
    """Redis options: how long a task may stay unacknowledged, and how often workers look;
    how long sending a task may wait for a Redis that is down.

    Kombu only looks for abandoned tasks every ``interval * throttle`` seconds (100 s by
    default) however short the visibility timeout is; look every third of the timeout
    instead (at most every 100 s), so a killed worker's task comes back about when the
    timeout says.

    A web request sends a wake-up after its commit; with Redis down kombu would retry the
    connection for seconds on end (6 s measured), holding the request. One quick retry, then
    the wake-up is dropped and the job's schedule catches up. Workers are not affected: their
    consumer connection retries with ``broker_connection_max_retries``, passed explicitly.
    Only the connect timeout is short: a read timeout would cut workers' blocking reads.
    """
    period = max(1, min(visibility_timeout // 3, 100))
    interval = min(10, period)
    return {
        "visibility_timeout": visibility_timeout,
        "unacked_restore_interval": interval,
        "unacked_restore_throttle": max(1, period // interval),
        "socket_connect_timeout": connect_timeout,
        "max_retries": 1,
        "interval_start": 0,
        "interval_step": 0.1,
        "interval_max": 0.1,
    }


def celery_init_app(app: Flask) -> Celery:
    """Create the Celery app for ``app`` and keep it in ``app.extensions["celery"]``."""

    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            with app.app_context():
                return self.run(*args, **kwargs)

    celery_app = Celery(app.name, task_cls=FlaskTask)
    celery_app.config_from_object(celery_config(app))
    celery_app.set_default()
    app.extensions["celery"] = celery_app

    @worker_process_init.connect(weak=False)
    def _fresh_connections(**_):
        # A forked pool process must not share the parent's database sockets.
        from ..extensions import db

        with app.app_context():
            db.engine.dispose(close=False)

    @worker_ready.connect(weak=False)
    def _check_redis(**_):
        if app.config.get("REDIS_URL"):
            warn_if_redis_evicts(app.config["REDIS_URL"])

    return celery_app


def warn_if_redis_evicts(url: str) -> str | None:
    """Log a warning unless Redis runs with ``maxmemory-policy noeviction``; return the policy."""
    import redis

    try:
        policy = redis.Redis.from_url(url).config_get("maxmemory-policy").get("maxmemory-policy")
    except redis.RedisError as exc:  # CONFIG may be disabled on managed Redis: say so, carry on
        log.warning("could not read Redis maxmemory-policy (%s); it must be noeviction", exc)
        return None
    if policy != "noeviction":
        log.warning(
            "Redis maxmemory-policy is %r: under memory pressure Redis may drop queued tasks. "
            "Set it to noeviction.",
            policy,
        )
    return policy
