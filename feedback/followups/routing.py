"""Routing: decide whether feedback opens a follow-up, at what priority, and for whom (a team's
queue, a person)."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from ..auth.models import Plan
from ..core import cache
from ..extensions import db
from .models import Priority, RoutingRule


@dataclass(frozen=True)
class Signal:
    """What routing looks at in a piece of feedback. ``plan`` is the customer's plan tier, read
    only while some rule or policy depends on it (None otherwise, and for a customer without one)."""

    csat: int | None
    nps: int | None
    urgent: bool
    category_id: int | None
    plan: Plan | None = None


@dataclass(frozen=True)
class Outcome:
    """What the first matching rule decides: the case's priority, team and assignee."""

    priority: Priority
    team_id: int | None = None
    assignee_id: int | None = None


def rule_matches(rule: RoutingRule, signal: Signal) -> bool:
    """A rule matches when every condition it sets holds."""
    if rule.urgent is not None and signal.urgent != rule.urgent:
        return False
    if rule.csat_max is not None and (signal.csat is None or signal.csat > rule.csat_max):
        return False
    if rule.nps_max is not None and (signal.nps is None or signal.nps > rule.nps_max):
        return False
    if rule.category_id is not None and signal.category_id != rule.category_id:
        return False
    if rule.plan is not None and signal.plan != rule.plan:
        return False
    # A rule that asks nothing of the rating would open a case for every one, even a glowing one:
    # the plan alone is not enough either, so it is left out here.
    return any(v is not None for v in (rule.urgent, rule.csat_max, rule.nps_max, rule.category_id))


def route(rules: list[RoutingRule], signal: Signal) -> Outcome | None:
    """What the first matching active rule decides, or None (no follow-up)."""
    for rule in rules:
        if rule.active and rule_matches(rule, signal):
            return Outcome(rule.priority, rule.team_id, rule.assignee_id)
    return None


def rules_use_plans(rules: list[RoutingRule]) -> bool:
    """Whether any active rule tests the customer's plan."""
    return any(rule.active and rule.plan is not None for rule in rules)


def active_rules() -> list[RoutingRule]:
    """The stored rules in the order they are tried."""
    return list(db.session.scalars(select(RoutingRule).order_by(RoutingRule.position, RoutingRule.id)))


def cached_rules(now: datetime) -> list[RoutingRule]:
    """:func:`active_rules` as read at most ``REFERENCE_CACHE_SECONDS`` before ``now``
    (core/cache.py): an edited rule routes new feedback in every process within that bound.
    Detached copies: read their columns, never attach or change them."""
    return cache.cached(
        "routing-rules", None, now, lambda: [cache.detached_copy(rule) for rule in active_rules()]
    )
