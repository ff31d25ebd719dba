"""The table of periodic jobs, and how one runs. Each feature declares its jobs beside its
code; Celery beat and the embedded scheduler both read this table and both call
:func:`run_job`, so the same code runs on either path.
"""

import logging
from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError

from ..api.jobs import PURGE_IDEMPOTENCY_KEYS
from ..auth.jobs import PRUNE_SESSIONS
from ..core.jobs import Job
from ..core.time import utcnow
from ..extensions import db
from ..followups.jobs import NEW_CASE_DIGESTS, PROGRESS_REPORTS, SLA_SWEEP
from ..ideas.jobs import IDEA_MAIL
from ..lifecycle.jobs import SUBSCRIPTION_IMPORTS
from ..mailer.dispatch import DISPATCH_OUTBOX
from ..notices.jobs import NOTICE_MAIL
from ..reports.digest import DAILY_DIGEST
from ..surveys.jobs import FEEDBACK_RECEIPTS, RELATIONSHIP_SURVEYS
from .models import JobRun

log = logging.getLogger(__name__)

# In this order the embedded scheduler runs them on each tick.
JOBS: dict[str, Job] = {
    job.name: job
    for job in (
        DISPATCH_OUTBOX,
        SLA_SWEEP,
        PROGRESS_REPORTS,
        RELATIONSHIP_SURVEYS,
        FEEDBACK_RECEIPTS,
        NEW_CASE_DIGESTS,
        NOTICE_MAIL,
        IDEA_MAIL,
        DAILY_DIGEST,
        PRUNE_SESSIONS,
        PURGE_IDEMPOTENCY_KEYS,
        SUBSCRIPTION_IMPORTS,  # last: a large file keeps the others waiting while it runs
    )
}


def claim_run(name: str, now: datetime, gap: timedelta) -> bool:
    """Claim this period's run of ``name``; False if another scheduler ran it less than ``gap`` ago."""
    db.session.rollback()
    if db.session.get(JobRun, name) is None:
        try:
            db.session.add(JobRun(name=name, last_started_at=now, last_result="", last_error=""))
            db.session.commit()
            return True
        except IntegrityError:  # another scheduler inserted it first
            db.session.rollback()
            return False
    won = db.session.execute(
        update(JobRun)
        .where(
            JobRun.name == name, or_(JobRun.last_started_at.is_(None), JobRun.last_started_at <= now - gap)
        )
        .values(last_started_at=now)
    ).rowcount
    db.session.commit()
    return bool(won)


def run_job(name: str, now: datetime | None = None, *, claim: bool = True) -> object | None:
    """Run one job now. With ``claim``, skip it if another scheduler already ran this period."""
    job = JOBS[name]
    now = now or utcnow()
    if claim and not claim_run(name, now, job.every * 0.9):
        return None
    try:
        result = job.run(now)
    except Exception as exc:
        db.session.rollback()
        log.exception("job %s failed", name)
        _finish(name, "", f"{type(exc).__name__}: {exc}")
        raise
    _finish(name, repr(result)[:2000], "")
    return result


def _finish(name: str, result: str, error: str) -> None:
    db.session.execute(
        update(JobRun)
        .where(JobRun.name == name)
        .values(last_finished_at=utcnow(), last_result=result, last_error=error)
    )
    db.session.commit()
