"""SLA deadlines as pure functions of a follow-up's timestamps, its policy and ``now``.

Definitions (docs/metrics.md, after Zendesk/Zammad):

- first response: creation → first public staff reply;
- next reply: oldest unanswered customer message → next public staff reply;
- resolution: creation → resolved, not counting time waiting on the customer;
- attention: no open follow-up goes more than 24 h without a public staff update.

Each deadline runs on its policy's clock: calendar time (24/7), or the business hours of the
case's team (teams/business_time.py does that arithmetic). The 24 h ceiling is calendar time
whatever the policy. Time waiting on the customer is counted on the same clock, so a case paused
over a weekend owes nothing for it on either. Escalation levels (escalation.py) fall at shares
of each deadline's span on that clock: 80 % (warning), 100 % (breach), 200 % (escalated).
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ..teams.business_time import MAX_DAYS, Calendar
from .escalation import Levels
from .models import Followup, FollowupStatus, SlaPolicy, SlaTarget

ATTENTION_CEILING = timedelta(hours=24)
AROUND_THE_CLOCK = Calendar.around_the_clock()
HORIZON = timedelta(days=MAX_DAYS)


def later(clock: Calendar, start: datetime, span: timedelta) -> datetime | None:
    """``span`` of ``clock`` time after ``start``, or None when that lies beyond the calendar's
    horizon (a few working hours a week and a long span): settings a manager may type must not
    stop ratings or the sweep."""
    try:
        return clock.add(start, span)
    except ValueError:
        return None


def due_on(clock: Calendar, start: datetime, span: timedelta) -> datetime:
    """A deadline ``span`` of ``clock`` time after ``start``, at the latest the horizon."""
    return later(clock, start, span) or start + HORIZON


@dataclass(frozen=True)
class Policy:
    """The spans a case's priority (and plan) allows, the clock they run on, and when the
    escalation levels fall."""

    first_response: timedelta
    next_reply: timedelta
    resolution: timedelta
    progress_interval: timedelta
    clock: Calendar = AROUND_THE_CLOCK
    levels: Levels = field(default_factory=Levels)

    @classmethod
    def from_row(
        cls, row: SlaPolicy, calendar: Calendar | None = None, levels: Levels | None = None
    ) -> "Policy":
        """Build from the stored minutes; on business time when the row says so and the case's
        team has a ``calendar`` (else 24/7)."""
        return cls(
            first_response=timedelta(minutes=row.first_response_minutes),
            next_reply=timedelta(minutes=row.next_reply_minutes),
            resolution=timedelta(minutes=row.resolution_minutes),
            progress_interval=timedelta(minutes=row.progress_interval_minutes),
            clock=calendar if row.business_hours and calendar is not None else AROUND_THE_CLOCK,
            levels=levels or Levels(),
        )

    @property
    def business_time(self) -> bool:
        """Whether the deadlines count working hours only."""
        return not self.clock.always_open


@dataclass(frozen=True)
class Deadline:
    """One running deadline: when its span started, when it falls due, and when its warning and
    its last escalation level fall (worked out on its clock by :func:`deadline`)."""

    target: SlaTarget
    start: datetime
    due: datetime
    warn_at: datetime | None = None
    escalate_at: datetime | None = None  # None: that level is off

    def __post_init__(self):
        if self.warn_at is None:  # rebuilt from a mail's parameters: calendar time
            object.__setattr__(self, "warn_at", self.start + (self.due - self.start) * Levels().warn_fraction)


def deadline(
    target: SlaTarget,
    start: datetime,
    span: timedelta,
    clock: Calendar,
    levels: Levels,
    offset: timedelta = timedelta(0),
) -> Deadline:
    """The deadline ``span`` of ``clock`` time after ``start`` (plus ``offset`` of it: time paused,
    which moves every level), with its levels."""
    factor = levels.escalate_factor
    return Deadline(
        target,
        start,
        due_on(clock, start, offset + span),
        due_on(clock, start, offset + span * levels.warn_fraction),
        None if factor is None else later(clock, start, offset + span * factor),  # beyond: never
    )


def _attention(fu: Followup, levels: Levels) -> Deadline:
    return deadline(SlaTarget.ATTENTION, fu.attention_since, ATTENTION_CEILING, AROUND_THE_CLOCK, levels)


def paused_offset(fu: Followup) -> timedelta:
    """Completed time waiting on the customer, on the case's clock (services keep it so)."""
    return timedelta(seconds=fu.paused_seconds)


def active_deadlines(fu: Followup, policy: Policy) -> list[Deadline]:
    """The deadlines still running on ``fu`` (none once resolved)."""
    if fu.status == FollowupStatus.RESOLVED:
        return []
    clock, levels = policy.clock, policy.levels
    running: list[Deadline] = []
    if fu.first_response_at is None:
        running.append(
            deadline(SlaTarget.FIRST_RESPONSE, fu.created_at, policy.first_response, clock, levels)
        )
    elif fu.awaiting_reply_since is not None:
        running.append(
            deadline(SlaTarget.NEXT_REPLY, fu.awaiting_reply_since, policy.next_reply, clock, levels)
        )
    if fu.paused_at is None:
        running.append(
            deadline(SlaTarget.RESOLUTION, fu.created_at, policy.resolution, clock, levels, paused_offset(fu))
        )
    running.append(_attention(fu, levels))
    return running


def apply_deadlines(fu: Followup, policy: Policy, running: list[Deadline] | None = None) -> None:
    """Store every deadline on the row, plus the derived columns the queue and sweep index on.

    ``running``: :func:`active_deadlines` of ``fu`` and ``policy`` when the caller has them already
    (the sweep: on business time each costs three walks of the calendar)."""
    clock = policy.clock
    fu.first_response_due = due_on(clock, fu.created_at, policy.first_response)
    fu.next_reply_due = (
        due_on(clock, fu.awaiting_reply_since, policy.next_reply)
        if fu.first_response_at is not None and fu.awaiting_reply_since is not None
        else None
    )
    fu.resolution_due = due_on(clock, fu.created_at, paused_offset(fu) + policy.resolution)
    if running is None:
        running = active_deadlines(fu, policy)
    fu.attention_due = fu.attention_since + ATTENTION_CEILING if fu.is_open else None
    fu.due_at = min((d.due for d in running), default=None)
    fu.at_risk_at = min((d.warn_at for d in running), default=None)
    fu.next_check_at = next_check(running, fu.swept_until)


def next_check(running: list[Deadline], swept_until: datetime | None) -> datetime | None:
    """The first escalation moment (warning, breach, escalated) the sweep has not yet handled."""
    moments = [m for d in running for m in (d.warn_at, d.due, d.escalate_at) if m is not None]
    if swept_until is not None:
        moments = [m for m in moments if m > swept_until]
    return min(moments, default=None)


def customer_promise(fu: Followup) -> datetime | None:
    """When the customer may expect our next public word ("we'll answer by …")."""
    if not fu.is_open:
        return None
    if fu.first_response_at is None:
        candidates = [fu.first_response_due]
    elif fu.next_reply_due is not None:
        candidates = [fu.next_reply_due]
    else:
        candidates = []
    if fu.attention_due is not None:
        candidates.append(fu.attention_due)
    return min(candidates, default=None)


def risk_level(fu: Followup, now: datetime) -> str:
    """``overdue``, ``at_risk`` (past a warning mark, 80 % by default) or ``ok``, for highlighting
    in the queue."""
    if fu.due_at is not None and fu.due_at <= now:
        return "overdue"
    if fu.at_risk_at is not None and fu.at_risk_at <= now:
        return "at_risk"
    return "ok"
