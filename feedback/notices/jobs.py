"""The maintenance reminder: a day before a window starts, e-mail the customers it affects."""

from dataclasses import dataclass
from datetime import datetime

from ..extensions import db
from .queries import reminders_due
from .services import remind


@dataclass
class ReminderResult:
    """What one reminder run did."""

    notices: int = 0
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
