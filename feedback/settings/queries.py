"""Reads for the settings pages."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, func, select

from ..auth.models import CustomerAccount, Plan, Role, User
from ..auth.queries import users_starting_with
from ..extensions import db
from ..followups.models import PRIORITY_RANK, Category, RoutingRule, SlaPolicy
from ..surveys.models import SurveyInvitation, SurveyKind


def policies() -> list[SlaPolicy]:
    """Each priority's default SLA policy (for every plan), most urgent first."""
    rows = db.session.scalars(select(SlaPolicy).where(SlaPolicy.plan.is_(None)))
    return sorted(rows, key=lambda p: PRIORITY_RANK[p.priority])


PLAN_RANK = {plan: rank for rank, plan in enumerate(Plan)}


def plan_policies() -> list[SlaPolicy]:
    """The policies of one plan tier, by priority (most urgent first) then plan (cheapest first)."""
    rows = db.session.scalars(select(SlaPolicy).where(SlaPolicy.plan.is_not(None)))
    return sorted(rows, key=lambda p: (PRIORITY_RANK[p.priority], PLAN_RANK[p.plan]))


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


MAX_SEARCH = 254  # the longest e-mail address


def customers(search: str = "") -> Select:
    """Customers for pagination, by e-mail (rows: ``User``, ``CustomerAccount`` or None for a
    sign-up with no billing data yet); only those whose e-mail or name starts with ``search``,
    whatever its case (``auth.queries.users_starting_with``: the ids found by two index ranges,
    read before the customers are, so with 100 000+ customers a search reads the rows it finds).
    """
    stmt = (
        select(User, CustomerAccount)
        .outerjoin(CustomerAccount, CustomerAccount.user_id == User.id)
        .where(User.role == Role.CUSTOMER)
        .order_by(User.email)
    )
    term = search.strip()[:MAX_SEARCH]
    if term:
        found = users_starting_with(term).subquery()
        stmt = stmt.where(User.id.in_(select(found.c.id)))
    return stmt


# Surveys


@dataclass(frozen=True)
class SurveyActivity:
    """What the survey settings page reports about recent sending."""

    last_nps_sent_at: datetime | None
    nps_sent_30d: int
    case_sent_30d: int


def survey_activity(now: datetime) -> SurveyActivity:
    """When the last relationship survey went out, and how many surveys went in the last 30 days."""
    since = now - timedelta(days=30)
    last = db.session.scalar(
        select(func.max(SurveyInvitation.sent_at)).where(SurveyInvitation.kind == SurveyKind.NPS)
    )
    counts = dict(
        db.session.execute(
            select(SurveyInvitation.kind, func.count(SurveyInvitation.id))
            .where(SurveyInvitation.sent_at >= since, SurveyInvitation.sent_at <= now)
            .group_by(SurveyInvitation.kind)
        ).all()
    )
    return SurveyActivity(
        last_nps_sent_at=last,
        nps_sent_30d=int(counts.get(SurveyKind.NPS, 0)),
        case_sent_30d=int(counts.get(SurveyKind.CASE_CSAT, 0)),
    )
