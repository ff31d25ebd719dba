"""Routing: decide whether feedback opens a follow-up, and at what priority."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from ..core import cache
from ..extensions import db
from .models import Priority, RoutingRule, SlaPolicy
from .sla import Policy


@dataclass(frozen=True)
class Signal:
    """What routing looks at in a piece of feedback."""

    csat: int | None
    nps: int | None
    urgent: bool
    category_id: int | None


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
    # A rule with no condition at all would catch every rating; refuse to treat it as a match.
    return any(v is not None for v in (rule.urgent, rule.csat_max, rule.nps_max, rule.category_id))


def route(rules: list[RoutingRule], signal: Signal) -> Priority | None:
    """Return the priority of the first matching active rule, or None (no follow-up)."""
    for rule in rules:
        if rule.active and rule_matches(rule, signal):
            return rule.priority
    return None


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


def cached_policy(priority: Priority, now: datetime) -> Policy:
    """The SLA policy of ``priority`` as read at most ``REFERENCE_CACHE_SECONDS`` before ``now``
    (the same bound as the rules)."""
    return cache.cached(
        "sla-policy", priority, now, lambda: Policy.from_row(db.session.get(SlaPolicy, priority))
    )
