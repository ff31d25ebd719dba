"""Reads for the settings pages."""

from sqlalchemy import select

from ..auth.models import Role, User
from ..extensions import db
from ..followups.models import PRIORITY_RANK, RoutingRule, SlaPolicy
from ..surveys.models import Category


def policies() -> list[SlaPolicy]:
    """The SLA policies, most urgent first."""
    return sorted(db.session.scalars(select(SlaPolicy)), key=lambda p: PRIORITY_RANK[p.priority])


def rules() -> list[RoutingRule]:
    """Routing rules in the order they are tried."""
    return list(db.session.scalars(select(RoutingRule).order_by(RoutingRule.position, RoutingRule.id)))


def categories() -> list[Category]:
    """Every category, active or not, in display order."""
    return list(db.session.scalars(select(Category).order_by(Category.position, Category.id)))


def staff_accounts():
    """Staff and managers, for pagination."""
    return (
        select(User).where(User.role.in_([Role.STAFF, Role.MANAGER])).order_by(User.active.desc(), User.name)
    )
