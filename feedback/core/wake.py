"""Ask for a job to run soon after the current transaction commits.

A feature that leaves work for one of its jobs (a receipt to send, a notice to mail) calls
:func:`wake_after_commit` instead of waiting for the job's period. Only the request is stored
here, in the session; the worker (``feedback.worker.wake``) acts on it after the commit and
forgets it on a rollback, so features need not import the worker.
"""

from ..extensions import db

WAKE_KEY = "kontento.wake_jobs"


def wake_after_commit(job: str) -> None:
    """Run ``job`` soon after the current transaction commits (nothing if it rolls back)."""
    db.session.info.setdefault(WAKE_KEY, set()).add(job)
