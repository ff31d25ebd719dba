"""SLA deadlines as pure functions of a follow-up's timestamps, its policy and ``now``.

Definitions (docs/metrics.md, after Zendesk/Zammad):

- first response: creation → first public staff reply;
- next reply: oldest unanswered customer message → next public staff reply;
- resolution: creation → resolved, not counting time waiting on the customer;
- attention: no open follow-up goes more than 24 h without a public staff update.

Warnings fall at 80 % of each deadline's span.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from .models import Followup, FollowupStatus, SlaPolicy, SlaTarget

ATTENTION_CEILING = timedelta(hours=24)
WARN_FRACTION = 0.8


@dataclass(frozen=True)
class Policy:
    """The spans one priority allows."""

    first_response: timedelta
    next_reply: timedelta
    resolution: timedelta
    progress_interval: timedelta

    @classmethod
    def from_row(cls, row: SlaPolicy) -> "Policy":
        """Build from the stored minutes."""
        return cls(
            first_response=timedelta(minutes=row.first_response_minutes),
            next_reply=timedelta(minutes=row.next_reply_minutes),
            resolution=timedelta(minutes=row.resolution_minutes),
            progress_interval=timedelta(minutes=row.progress_interval_minutes),
        )


@dataclass(frozen=True)
class Deadline:
    """One running deadline: when its span started and when it falls due."""

    target: SlaTarget
    start: datetime
    due: datetime

    @property
    def warn_at(self) -> datetime:
        """The 80 % mark, when the assignee is warned."""
        return self.start + (self.due - self.start) * WARN_FRACTION


def resolution_due(fu: Followup, policy: Policy) -> datetime:
    """Resolution deadline, pushed back by all completed time spent waiting on the customer."""
    return fu.created_at + policy.resolution + timedelta(seconds=fu.paused_seconds)


def active_deadlines(fu: Followup, policy: Policy) -> list[Deadline]:
    """The deadlines still running on ``fu`` (none once resolved)."""
    if fu.status == FollowupStatus.RESOLVED:
        return []
    running: list[Deadline] = []
    if fu.first_response_at is None:
        running.append(
            Deadline(SlaTarget.FIRST_RESPONSE, fu.created_at, fu.created_at + policy.first_response)
        )
    elif fu.awaiting_reply_since is not None:
        since = fu.awaiting_reply_since
        running.append(Deadline(SlaTarget.NEXT_REPLY, since, since + policy.next_reply))
    if fu.paused_at is None:
        due = resolution_due(fu, policy)
        running.append(Deadline(SlaTarget.RESOLUTION, due - policy.resolution, due))
    running.append(Deadline(SlaTarget.ATTENTION, fu.attention_since, fu.attention_since + ATTENTION_CEILING))
    return running


def apply_deadlines(fu: Followup, policy: Policy) -> None:
    """Store every deadline on the row, plus the derived columns the queue and sweep index on."""
    fu.first_response_due = fu.created_at + policy.first_response
    fu.next_reply_due = (
        fu.awaiting_reply_since + policy.next_reply
        if fu.first_response_at is not None and fu.awaiting_reply_since is not None
        else None
    )
    fu.resolution_due = resolution_due(fu, policy)
    running = active_deadlines(fu, policy)
    fu.attention_due = fu.attention_since + ATTENTION_CEILING if fu.is_open else None
    fu.due_at = min((d.due for d in running), default=None)
    fu.at_risk_at = min((d.warn_at for d in running), default=None)
    fu.next_check_at = next_check(running, fu.swept_until)


def next_check(running: list[Deadline], swept_until: datetime | None) -> datetime | None:
    """The first warning or breach moment the sweep has not yet handled."""
    moments = [m for d in running for m in (d.warn_at, d.due)]
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
    """``overdue``, ``at_risk`` (past an 80 % mark) or ``ok`` for highlighting in the queue."""
    if fu.due_at is not None and fu.due_at <= now:
        return "overdue"
    if fu.at_risk_at is not None and fu.at_risk_at <= now:
        return "at_risk"
    return "ok"
