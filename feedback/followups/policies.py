"""Which SLA policy a case runs on, read as :class:`~.sla.Policy` (spans, clock, levels).

A case's policy is its priority's policy for the customer's plan tier when one exists, else the
priority's default (``plan`` None). The row chosen when the case opens is kept on the case
(``sla_policy_id``), so a later change of plan does not move its deadlines; an edit of that
policy does, at the case's next event. Business-hours policies take the calendar of the case's
team; a case without a team runs on calendar time.
"""

from datetime import datetime

from sqlalchemy import select

from ..auth.models import Plan
from ..core import cache
from ..core.time import utcnow
from ..extensions import db
from ..teams.calendars import cached_calendar
from .escalation import Levels, cached_levels
from .models import Followup, Priority, SlaPolicy
from .sla import Policy


def policy_row(priority: Priority, plan: Plan | None) -> SlaPolicy:
    """The stored policy for ``priority`` and ``plan``: the plan's own, else the default."""
    rows = db.session.scalars(
        select(SlaPolicy).where(
            SlaPolicy.priority == priority, (SlaPolicy.plan == plan) | SlaPolicy.plan.is_(None)
        )
    ).all()
    return min(rows, key=lambda row: row.plan is None)  # the plan's own first


def cached_row(priority: Priority, plan: Plan | None, now: datetime) -> SlaPolicy:
    """:func:`policy_row` as read at most ``REFERENCE_CACHE_SECONDS`` before ``now`` (a detached
    copy: read its columns only)."""
    return cache.cached(
        "sla-policy", (priority, plan), now, lambda: cache.detached_copy(policy_row(priority, plan))
    )


def cached_policy_row_by_id(policy_id: int, now: datetime) -> SlaPolicy | None:
    """The policy row ``policy_id`` (detached copy), or None once deleted."""

    def load():
        row = db.session.get(SlaPolicy, policy_id)
        return None if row is None else cache.detached_copy(row)

    return cache.cached("sla-policy-id", policy_id, now, load)


def build(row: SlaPolicy, team_id: int | None, now: datetime, levels: Levels | None = None) -> Policy:
    """``row`` as a :class:`Policy` for a case of team ``team_id`` (``levels``: as read already)."""
    calendar = cached_calendar(team_id, now) if row.business_hours and team_id is not None else None
    return Policy.from_row(row, calendar, levels or cached_levels(now))


def policy_for(fu: Followup, now: datetime | None = None, levels: Levels | None = None) -> Policy:
    """The policy ``fu`` runs on (``levels``: the escalation levels, when read already)."""
    now = now or utcnow()
    row = cached_policy_row_by_id(fu.sla_policy_id, now) if fu.sla_policy_id is not None else None
    if row is None:
        row = cached_row(fu.priority, None, now)
    return build(row, fu.team_id, now, levels)


def policy_for_new(
    priority: Priority, plan: Plan | None, team_id: int | None, now: datetime
) -> tuple[Policy, int]:
    """The policy a new case of ``priority``, for a customer on ``plan``, in team ``team_id``
    runs on, and its row's id (kept on the case)."""
    row = cached_row(priority, plan, now)
    return build(row, team_id, now), row.id


def uses_plans(now: datetime) -> bool:
    """Whether any policy is set for a plan tier (routing then reads the customer's plan)."""
    return cache.cached(
        "sla-policy-plans",
        None,
        now,
        lambda: (
            db.session.scalar(select(SlaPolicy.id).where(SlaPolicy.plan.is_not(None)).limit(1)) is not None
        ),
    )
