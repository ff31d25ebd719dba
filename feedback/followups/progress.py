"""Automatic progress reports: a case open longer than its SLA policy's progress interval
without a public staff update gets a "still working on it" e-mail to the customer and a
reminder to whoever works it. Once per interval; a job that was down sends one, not many.
"""

from datetime import datetime, timedelta

from sqlalchemy import or_, select

from ..extensions import db
from .models import EventKind, Followup, FollowupEvent, FollowupStatus, SlaPolicy
from .notify import progress


def _runs_on(policy: SlaPolicy):
    """The cases on ``policy``: its own, and for a priority's default those whose plan policy is gone."""
    mine = Followup.sla_policy_id == policy.id
    if policy.plan is None:
        return (Followup.priority == policy.priority) & (mine | Followup.sla_policy_id.is_(None))
    return mine


def progress_reports(now: datetime, batch_size: int = 500) -> int:
    """Send the progress reports due at ``now``; return how many cases got one."""
    sent = 0
    for policy in db.session.scalars(select(SlaPolicy).order_by(SlaPolicy.id)).all():
        cutoff = now - timedelta(minutes=policy.progress_interval_minutes)
        while True:
            rows = db.session.scalars(
                select(Followup)
                .where(
                    Followup.status == FollowupStatus.OPEN,
                    _runs_on(policy),
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
