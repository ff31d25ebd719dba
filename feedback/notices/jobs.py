"""Notice e-mail, sent from the background: announcements of newly published notices,
updates, and the reminder a day before a maintenance window.

Fanning out to every affected customer happens here rather than in the publishing
request, so a host with a hundred thousand customers can publish in a click.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, select

from ..core.jobs import Job, committing
from ..extensions import db
from .models import Notice, NoticeUpdate
from .queries import is_over, reminders_due
from .services import mail_published, mail_update, remind


def _checkpoint(still_due: Select, commit_batches: bool) -> Callable[[], bool] | None:
    """Commit a batch of a fan-out, then take its row's lock again; False if it went meanwhile.

    The commit lets the lock go: another worker may have taken the row (it skipped it while
    locked) and finished it. ``still_due`` selects the row while it is not marked mailed.
    None (no commits: one transaction) unless ``commit_batches``.
    """

    def commit_and_relock() -> bool:
        db.session.commit()
        return db.session.scalar(still_due.with_for_update(skip_locked=True)) is not None

    return commit_and_relock if commit_batches else None


@dataclass
class ReminderResult:
    """What one reminder run did."""

    notices: int = 0
    emails: int = 0


@dataclass
class NoticeMailResult:
    """What one run of the notice mail job did."""

    published: int = 0
    updates: int = 0
    reminders: int = 0
    emails: int = 0


def send_reminders(now: datetime, *, commit_batches: bool = True) -> ReminderResult:
    """Remind the affected customers of every maintenance window starting within 24 hours.

    Each window is reminded of once (``reminded_at``); a window that has already started
    gets no reminder. Commits each batch of recipients (see :func:`send_notice_mail`).
    """
    result = ReminderResult()
    # Skip rows another worker is handling right now (PostgreSQL; SQLite ignores it).
    for notice in db.session.scalars(reminders_due(now).with_for_update(skip_locked=True)).all():
        result.notices += 1
        still_due = select(Notice.id).where(Notice.id == notice.id, Notice.reminded_at.is_(None))
        checkpoint = _checkpoint(still_due, commit_batches)
        # An earlier fan-out's commit let this row's lock go: it may have been taken since.
        if checkpoint is not None and not checkpoint():
            continue
        result.emails += remind(notice, now, checkpoint)
    db.session.flush()
    return result


def send_notice_mail(now: datetime, *, commit_batches: bool = True) -> NoticeMailResult:
    """Mail what publishing and updates left to mail, then the reminders that are due.

    Idempotent: each notice and update is marked when mailed, and every message has a
    dedupe key, so a second run (or a run after a crash half-way) mails nobody twice. Each
    batch of recipients commits on its own (``MAIL_FANOUT_BATCH``), waking the dispatcher,
    so a large audience starts receiving mail while the rest is still being queued; with
    ``commit_batches`` False (the demo's history) it all stays in the caller's transaction.
    """
    result = NoticeMailResult()
    pending = select(Notice).where(Notice.published_at.is_not(None), Notice.notified_at.is_(None))
    for notice in db.session.scalars(pending.order_by(Notice.id).with_for_update(skip_locked=True)).all():
        result.published += 1
        if is_over(notice, now):  # over before the job came round: nothing to announce
            notice.notified_at = now
            continue
        still_due = select(Notice.id).where(Notice.id == notice.id, Notice.notified_at.is_(None))
        checkpoint = _checkpoint(still_due, commit_batches)
        # An earlier fan-out's commit let this row's lock go: it may have been taken since.
        if checkpoint is not None and not checkpoint():
            continue
        result.emails += mail_published(notice, now, checkpoint)
    updates = select(NoticeUpdate).where(NoticeUpdate.mailed_at.is_(None)).order_by(NoticeUpdate.id)
    for row in db.session.scalars(updates.with_for_update(skip_locked=True)).all():
        result.updates += 1
        still_due = select(NoticeUpdate.id).where(NoticeUpdate.id == row.id, NoticeUpdate.mailed_at.is_(None))
        checkpoint = _checkpoint(still_due, commit_batches)
        # An earlier fan-out's commit let this row's lock go: it may have been taken since.
        if checkpoint is not None and not checkpoint():
            continue
        result.emails += mail_update(row, now, checkpoint)
    reminders = send_reminders(now, commit_batches=commit_batches)
    result.reminders, result.emails = reminders.notices, result.emails + reminders.emails
    return result


NOTICE_MAIL = Job("notice_mail", timedelta(minutes=1), committing(send_notice_mail))
