"""The ideas' periodic job: e-mail followers about status changes (see :mod:`.notify`).

``set_status`` wakes it after its commit; the period is the catch-up for a wake-up lost
while the worker was down.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from ..core.jobs import Job, committing
from ..extensions import db
from .labels import stored_labels
from .models import IdeaEvent, IdeaEventKind
from .notify import mail_followers
from .services import JOB

BATCH = 100  # events per round; the rows of a round are claimed together


@dataclass
class IdeaMailResult:
    """What one run of the ideas job did."""

    changes: int = 0
    emails: int = 0


def mail_status_changes(now: datetime, batch_size: int = BATCH) -> IdeaMailResult:
    """Mail the followers of every status change not mailed yet, oldest first.

    Idempotent: each event is marked (``mailed_at``) and each message has a dedupe key, so a
    second run mails nobody again. Adds and flushes only; the job runner commits once.
    """
    result = IdeaMailResult()
    labels = stored_labels()
    pending = (
        select(IdeaEvent)
        .where(IdeaEvent.kind == IdeaEventKind.STATUS, IdeaEvent.mailed_at.is_(None))
        .order_by(IdeaEvent.created_at, IdeaEvent.id)
        .limit(batch_size)
    )
    while True:
        # Skip rows another worker is mailing right now (PostgreSQL; SQLite ignores it).
        events = db.session.scalars(pending.with_for_update(skip_locked=True, of=IdeaEvent)).all()
        if not events:
            return result
        for event in events:
            result.changes += 1
            result.emails += mail_followers(event, labels, now)
        db.session.flush()


IDEA_MAIL = Job(JOB, timedelta(minutes=1), committing(mail_status_changes))
