"""The follow-ups' periodic jobs: the SLA sweep (the escalation levels: warning, breach, last
level, each once, catching up after downtime), the progress reports, and the staff's new-case
digests. The worker runs what is declared here.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import insert, select
from sqlalchemy.orm import selectinload

from ..core.db import conflict_insert
from ..core.jobs import Job, committing
from ..extensions import db
from ..mailer.deferred import queue_deferred
from . import alerts, notify, progress
from .escalation import BREACH, ESCALATED, WARNING, cached_levels
from .models import (
    ACTIVE_STATUSES,
    EventKind,
    Followup,
    FollowupEvent,
    SlaEscalation,
    SlaTarget,
)
from .policies import policy_for
from .sla import Deadline, active_deadlines, apply_deadlines

EVENT_OF_LEVEL = {
    WARNING: EventKind.SLA_WARNING,
    BREACH: EventKind.SLA_BREACH,
    ESCALATED: EventKind.SLA_ESCALATED,
}


@dataclass
class SweepResult:
    """What one sweep did."""

    checked: int = 0
    warnings: int = 0
    breaches: int = 0
    escalations: int = 0  # the last level: still running at 2× the span
    escalated_ids: set[int] = field(default_factory=set)


def _recorded(rows: list[Followup]) -> set[tuple]:
    """(follow-up id, target, level, due) of the escalations already recorded for ``rows``."""
    return {
        (fid, target, level, due)
        for fid, target, level, due in db.session.execute(
            select(
                SlaEscalation.followup_id, SlaEscalation.target, SlaEscalation.level, SlaEscalation.due_at
            ).where(SlaEscalation.followup_id.in_([fu.id for fu in rows]))
        )
    }


def _levels_reached(deadline: Deadline, now: datetime) -> list[str]:
    """The levels of ``deadline`` whose moment has come, lowest first. A sweep that was down
    records the breach and the last level both (the lead and the managers each hear of it), but
    no warning once the deadline has passed: "due soon" would be news of the past."""
    if now < deadline.warn_at:
        return []
    if now < deadline.due:
        return [WARNING]
    if deadline.escalate_at is not None and now >= deadline.escalate_at:
        return [BREACH, ESCALATED]
    return [BREACH]


def _mark_breached(fu: Followup, deadline: Deadline) -> None:
    fu.breached = True
    if deadline.target == SlaTarget.FIRST_RESPONSE:
        fu.first_response_breached = True
    elif deadline.target == SlaTarget.RESOLUTION:
        fu.resolution_breached = True


def _escalate_batch(
    rows: list[Followup], now: datetime, result: SweepResult, audience, policies: dict
) -> None:
    """Escalate one batch: the escalations, events and outbox rows in a few INSERTs each."""
    recorded = _recorded(rows)
    escalations, events, mail = [], [], []
    for fu in rows:
        result.checked += 1
        key = (fu.sla_policy_id, fu.priority, fu.team_id)
        if key not in policies:  # read once a sweep: the ORM would forget the row at once
            if "levels" not in policies:
                policies["levels"] = cached_levels(now)
            policies[key] = policy_for(fu, now, policies["levels"])
        policy = policies[key]
        running = active_deadlines(fu, policy)  # escalating changes none of them: stored below
        for deadline in running:
            reached = _levels_reached(deadline, now)
            if BREACH in reached:
                _mark_breached(fu, deadline)
            for level in reached:
                if _record(fu, deadline, level, now, recorded, escalations, events, result):
                    mail += notify.escalation_mail(
                        fu, deadline, level, audience.recipients(fu, level, policy.levels)
                    )
        fu.swept_until = now
        apply_deadlines(fu, policy, running)
    if escalations:
        # The unique constraint settles a race with another sweep: a row already there is skipped.
        # executemany (one compiled INSERT, pipelined by psycopg), as for the outbox rows.
        db.session.execute(
            conflict_insert(db.session.get_bind(), SlaEscalation.__table__).on_conflict_do_nothing(),
            escalations,
        )
        db.session.execute(insert(FollowupEvent.__table__), events)
        for fu in rows:
            if fu.id in result.escalated_ids:
                db.session.expire(fu, ["events"])  # a timeline read before the sweep shows the new events
        queue_deferred(mail, now)
    db.session.flush()


def _record(
    fu: Followup,
    deadline: Deadline,
    level: str,
    now: datetime,
    recorded: set,
    escalations: list,
    events: list,
    result: SweepResult,
) -> bool:
    """Add the escalation row and timeline event of ``level`` unless already recorded; whether it was new."""
    key = (fu.id, deadline.target, level, deadline.due)
    if key in recorded:
        return False
    recorded.add(key)
    escalations.append(
        {
            "followup_id": fu.id,
            "target": deadline.target,
            "level": level,
            "due_at": deadline.due,
            "created_at": now,
        }
    )
    events.append(
        {
            "followup_id": fu.id,
            "kind": EVENT_OF_LEVEL[level],
            "detail": deadline.target.value,
            "created_at": now,
        }
    )
    if level == WARNING:
        result.warnings += 1
    elif level == BREACH:
        result.breaches += 1
    else:
        result.escalations += 1
    result.escalated_ids.add(fu.id)
    return True


def sweep(now: datetime, batch_size: int = 500) -> SweepResult:
    """Escalate every follow-up whose next escalation moment (warning, breach, last level) is at
    or before ``now``.

    Running it twice with the same ``now`` changes nothing the second time. Rows are
    claimed with ``FOR UPDATE SKIP LOCKED`` where the database has it, so concurrent
    sweeps do not handle the same follow-up. The escalation mail is queued to be rendered by
    the dispatcher (:mod:`..mailer.deferred`): a sweep costs a few statements per batch.
    """
    result = SweepResult()
    audience = notify.Audience()  # who is in which team, read once a sweep, if at all
    policies: dict = {}  # (policy id, priority, team) → Policy, and "levels": read once a sweep
    while True:
        rows = db.session.scalars(
            select(Followup)
            .where(Followup.next_check_at <= now, Followup.status.in_(ACTIVE_STATUSES))
            .order_by(Followup.next_check_at, Followup.id)
            .limit(batch_size)
            .with_for_update(skip_locked=True)
            .options(selectinload(Followup.assignee))  # who a warning goes to: one query a batch
        ).all()
        if not rows:
            return result
        _escalate_batch(rows, now, result, audience, policies)


SLA_SWEEP = Job("sla_sweep", timedelta(minutes=1), committing(sweep))
PROGRESS_REPORTS = Job("progress_reports", timedelta(minutes=5), committing(progress.progress_reports))
# Every minute: a digest goes out within a minute of its person's window ending.
NEW_CASE_DIGESTS = Job("new_case_digests", timedelta(minutes=1), committing(alerts.send_digests))
