"""The periodic jobs and how often they run. Celery beat and the embedded scheduler both
read this table and both call :func:`run_job`, so the same code runs on either path.

Every job takes ``now`` and is idempotent: running it twice, or late, changes nothing more
than running it once on time (a job that did not run for a day catches up when it resumes).
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import import_module

from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError

from ..core.time import utcnow
from ..extensions import db
from .models import JobRun

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    """A periodic job: its function (taking ``now``) and its period."""

    name: str
    every: timedelta
    run: Callable[[datetime], object]


def _dispatch(now):
    from ..mailer.dispatch import dispatch

    return dispatch(now)


def _committing(target: str) -> Callable[[datetime], object]:
    """A job that runs ``module:function`` and commits its writes (the job functions only add
    and flush, like every service). Imported when first run: those modules import the models
    and services, which are not loaded yet when the app factory reads this table.
    """

    def run(now: datetime) -> object:
        module, name = target.split(":")
        result = getattr(import_module(module, __package__), name)(now)
        db.session.commit()
        return result

    return run


JOBS: dict[str, Job] = {
    job.name: job
    for job in (
        Job("dispatch_outbox", timedelta(minutes=1), _dispatch),
        Job("sla_sweep", timedelta(minutes=1), _committing("..followups.jobs:sweep")),
        Job("progress_reports", timedelta(minutes=5), _committing("..followups.progress:progress_reports")),
        Job(
            "relationship_surveys",
            timedelta(hours=1),
            _committing("..surveys.invitations:send_relationship_surveys"),
        ),
        Job("feedback_receipts", timedelta(minutes=1), _committing("..surveys.receipts:send_receipts")),
        Job("notice_mail", timedelta(minutes=1), _committing("..notices.jobs:send_notice_mail")),
        Job("daily_digest", timedelta(hours=1), _committing("..reports.digest:daily_digest")),
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
