"""The follow-ups' periodic jobs: the SLA sweep (warnings at 80 % and breaches, once each,
catching up after downtime), the progress reports, and the staff's new-case digests. The
worker runs what is declared here.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select

from ..core.jobs import Job, committing
from ..extensions import db
from . import alerts, notify, progress
from .models import (
    ACTIVE_STATUSES,
    EventKind,
    Followup,
    FollowupEvent,
    SlaEscalation,
    SlaTarget,
)
from .services import policy_for
from .sla import Deadline, active_deadlines, apply_deadlines

WARNING = "warning"
BREACH = "breach"


@dataclass
class SweepResult:
    """What one sweep did."""

    checked: int = 0
    warnings: int = 0
    breaches: int = 0
    escalated_ids: set[int] = field(default_factory=set)


def _already(fu: Followup, deadline: Deadline, level: str) -> bool:
    return (
        db.session.scalar(
            select(SlaEscalation.id).where(
                SlaEscalation.followup_id == fu.id,
                SlaEscalation.target == deadline.target,
                SlaEscalation.level == level,
                SlaEscalation.due_at == deadline.due,
            )
        )
        is not None
    )


def _record(fu: Followup, deadline: Deadline, level: str, now: datetime) -> bool:
    if _already(fu, deadline, level):
        return False
    db.session.add(
        SlaEscalation(
            followup_id=fu.id, target=deadline.target, level=level, due_at=deadline.due, created_at=now
        )
    )
    kind = EventKind.SLA_BREACH if level == BREACH else EventKind.SLA_WARNING
    db.session.add(FollowupEvent(followup=fu, kind=kind, detail=deadline.target.value, created_at=now))
    return True


def sweep(now: datetime, batch_size: int = 500) -> SweepResult:
    """Escalate every follow-up whose next warning or breach moment is at or before ``now``.

    Running it twice with the same ``now`` changes nothing the second time. Rows are
    claimed with ``FOR UPDATE SKIP LOCKED`` where the database has it, so concurrent
    sweeps do not handle the same follow-up.
    """
    result = SweepResult()
    while True:
        rows = db.session.scalars(
            select(Followup)
            .where(Followup.next_check_at <= now, Followup.status.in_(ACTIVE_STATUSES))
            .order_by(Followup.next_check_at, Followup.id)
            .limit(batch_size)
            .with_for_update(skip_locked=True)
        ).all()
        if not rows:
            return result
        for fu in rows:
            result.checked += 1
            for deadline in active_deadlines(fu, policy_for(fu.priority)):
                if now >= deadline.due:
                    if _record(fu, deadline, BREACH, now):
                        result.breaches += 1
                        result.escalated_ids.add(fu.id)
                        notify.sla_breach(fu, deadline, now)
                    fu.breached = True
                    if deadline.target == SlaTarget.FIRST_RESPONSE:
                        fu.first_response_breached = True
                    elif deadline.target == SlaTarget.RESOLUTION:
                        fu.resolution_breached = True
                elif now >= deadline.warn_at and _record(fu, deadline, WARNING, now):
                    result.warnings += 1
                    result.escalated_ids.add(fu.id)
                    notify.sla_warning(fu, deadline, now)
            fu.swept_until = now
            apply_deadlines(fu, policy_for(fu.priority))
        db.session.flush()


SLA_SWEEP = Job("sla_sweep", timedelta(minutes=1), committing(sweep))
PROGRESS_REPORTS = Job("progress_reports", timedelta(minutes=5), committing(progress.progress_reports))
# Every minute: a digest goes out within a minute of its person's window ending.
NEW_CASE_DIGESTS = Job("new_case_digests", timedelta(minutes=1), committing(alerts.send_digests))
