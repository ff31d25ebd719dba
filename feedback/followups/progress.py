"""Automatic progress reports: a case open longer than its priority's progress interval
without a public staff update gets a "still working on it" e-mail to the customer and a
reminder to whoever works it. Once per interval; a job that was down sends one, not many.
"""

from datetime import datetime

from sqlalchemy import or_, select

from ..extensions import db
from .models import EventKind, Followup, FollowupEvent, FollowupStatus, Priority
from .notify import progress
from .services import policy_for


def progress_reports(now: datetime, batch_size: int = 500) -> int:
    """Send the progress reports due at ``now``; return how many cases got one."""
    sent = 0
    for priority in Priority:
        cutoff = now - policy_for(priority).progress_interval
        while True:
            rows = db.session.scalars(
                select(Followup)
                .where(
                    Followup.status == FollowupStatus.OPEN,
                    Followup.priority == priority,
                    Followup.attention_since <= cutoff,
                    or_(Followup.progress_reported_at.is_(None), Followup.progress_reported_at <= cutoff),
                )
                .order_by(Followup.id)
                .limit(batch_size)
                .with_for_update(skip_locked=True)
            ).all()
            if not rows:
                break
            for fu in rows:
                fu.progress_reported_at = now
                db.session.add(FollowupEvent(followup=fu, kind=EventKind.PROGRESS_REPORT, created_at=now))
                progress(fu, now)
                sent += 1
            db.session.flush()
    return sent
