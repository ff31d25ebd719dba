"""Celery tasks: thin wrappers over :mod:`.jobs`, the code the embedded scheduler runs too.

The task names are what :mod:`.wake` and beat send; they must not change.
"""

from celery import shared_task

from ..extensions import db
from .jobs import run_job
from .wake import clear_pending


@shared_task(name="kontento.run_periodic", acks_late=True, reject_on_worker_lost=True)
def run_periodic(name: str) -> str:
    """Run a periodic job once per period, however many beats are alive."""
    try:
        return repr(run_job(name))
    finally:
        db.session.remove()


@shared_task(name="kontento.dispatch_outbox", acks_late=True, reject_on_worker_lost=True)
def dispatch_outbox() -> str:
    """Send what is due in the outbox now (queued after every commit that added mail)."""
    try:
        return repr(run_job("dispatch_outbox", claim=False))
    finally:
        db.session.remove()


@shared_task(name="kontento.run_now", acks_late=True, reject_on_worker_lost=True)
def run_now(name: str) -> str:
    """Run a job now, outside its schedule (woken by a commit that left it work)."""
    clear_pending(name)  # before the job reads its rows: a commit after this point wakes it again
    try:
        return repr(run_job(name, claim=False))
    finally:
        db.session.remove()
