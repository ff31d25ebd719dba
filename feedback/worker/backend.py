"""Wake the dispatcher after a commit that queued mail, on whichever worker is configured."""

import logging

from flask import Flask, current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from ..mailer.services import SESSION_FLAG

log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    """Set up the worker named by ``WORKER_MODE``: celery, embedded or off."""
    from .celery_app import celery_init_app

    celery_init_app(app)  # also in embedded mode, so `celery` commands and tasks import cleanly
    mode = app.config["WORKER_MODE"]
    if mode == "embedded":
        from .embedded import EmbeddedScheduler

        scheduler = EmbeddedScheduler(app)
        app.extensions["kontento.scheduler"] = scheduler
        # Started by the first request, not here: CLI commands (db upgrade …) build the app too.
        app.before_request(scheduler.start)
    app.extensions["kontento.kicks"] = 0


@event.listens_for(Session, "after_commit")
def _mail_committed(session: Session) -> None:
    if session.info.pop(SESSION_FLAG, False) and has_app_context():
        kick()


@event.listens_for(Session, "after_rollback")
def _mail_rolled_back(session: Session) -> None:
    session.info.pop(SESSION_FLAG, None)


def kick() -> None:
    """Ask for the outbox to be dispatched now. Never fails the caller: beat is the safety net."""
    app = current_app._get_current_object()
    app.extensions["kontento.kicks"] = app.extensions.get("kontento.kicks", 0) + 1
    mode = app.config["WORKER_MODE"]
    try:
        if mode == "celery":
            # This app's own Celery, not the process-wide current one (the last app built).
            app.extensions["celery"].send_task("kontento.dispatch_outbox", retry=False)
        elif mode == "embedded":
            app.extensions["kontento.scheduler"].kick()
    except Exception:  # the broker is down: the periodic dispatch sends it within a minute
        log.warning("could not wake the dispatcher", exc_info=True)
