"""Notice e-mail, sent from the background: announcements of newly published notices,
updates, and the reminder a day before a maintenance window.

Fanning out to every affected customer happens here rather than in the publishing
request, so a host with a hundred thousand customers can publish in a click.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from ..core.jobs import Job, committing
from ..extensions import db
from .models import Notice, NoticeUpdate
from .queries import is_over, reminders_due
from .services import mail_published, mail_update, remind


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


def send_reminders(now: datetime) -> ReminderResult:
    """Remind the affected customers of every maintenance window starting within 24 hours.

    Each window is reminded of once (``reminded_at``); a window that has already started
    gets no reminder. Adds and flushes only: the job runner commits.
    """
    result = ReminderResult()
    # Skip rows another worker is handling right now (PostgreSQL; SQLite ignores it).
    for notice in db.session.scalars(reminders_due(now).with_for_update(skip_locked=True)).all():
        result.notices += 1
        result.emails += remind(notice, now)
    db.session.flush()
    return result


def send_notice_mail(now: datetime) -> NoticeMailResult:
    """Mail what publishing and updates left to mail, then the reminders that are due.

    Idempotent: each notice and update is marked when mailed, and every message has a
    dedupe key, so a second run (or a run after a crash half-way) mails nobody twice.
    """
    result = NoticeMailResult()
    pending = select(Notice).where(Notice.published_at.is_not(None), Notice.notified_at.is_(None))
    for notice in db.session.scalars(pending.order_by(Notice.id).with_for_update(skip_locked=True)).all():
        result.published += 1
        if is_over(notice, now):  # over before the job came round: nothing to announce
            notice.notified_at = now
            continue
        result.emails += mail_published(notice, now)
    updates = select(NoticeUpdate).where(NoticeUpdate.mailed_at.is_(None)).order_by(NoticeUpdate.id)
    for row in db.session.scalars(updates.with_for_update(skip_locked=True)).all():
        result.updates += 1
        result.emails += mail_update(row, now)
    reminders = send_reminders(now)
    result.reminders, result.emails = reminders.notices, result.emails + reminders.emails
    return result


NOTICE_MAIL = Job("notice_mail", timedelta(minutes=1), committing(send_notice_mail))
