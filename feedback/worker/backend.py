"""Build the worker ``WORKER_MODE`` names for an app: Celery, the embedded scheduler, or none."""

from flask import Flask

from . import wake  # noqa: F401  (registers the after-commit wake-up listeners)
from .celery_app import celery_init_app
from .embedded import EmbeddedScheduler


def init_app(app: Flask) -> None:
    """Set up the worker named by ``WORKER_MODE``: celery, embedded or off."""
    celery_init_app(app)  # also in embedded mode, so `celery` commands and tasks import cleanly
    if app.config["WORKER_MODE"] == "embedded":
        scheduler = EmbeddedScheduler(app)
        app.extensions["kontento.scheduler"] = scheduler
        # Started by the first request, not here: CLI commands (db upgrade …) build the app too.
        app.before_request(scheduler.start)
    app.extensions["kontento.kicks"] = 0
