"""Reads for notices: who a notice reaches, the customer banner, the status page, the manager list."""

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import selectinload

from ..auth.models import CustomerAccount, Plan, Role, User
from ..extensions import db
from .models import Notice, NoticeKind

BANNER_AHEAD = timedelta(days=7)  # the banner announces what starts within a week
RECENT = timedelta(days=7)  # the status page keeps what ended within a week
REMINDER_WINDOW = timedelta(hours=24)  # maintenance reminders go out a day ahead


def plan_list(notice: Notice) -> list[str]:
    """The plan values a notice targets (empty: every plan)."""
    return [p for p in (notice.plans or "").split(",") if p]


def server_list(notice: Notice) -> list[str]:
    """The (lower-case) hostnames a notice targets (empty: every server)."""
    return [s for s in (notice.servers or "").split(",") if s]


def affects(notice: Notice, plan: Plan | str | None, server: str | None) -> bool:
    """Whether a customer on ``plan`` and ``server`` is affected: both lists must match, if set."""
    plans, servers = plan_list(notice), server_list(notice)
    if plans and (plan is None or str(plan) not in plans):
        return False
    return not servers or (server or "").lower() in servers


def affected_customers(notice: Notice) -> Select:
    """Active customers the notice reaches, as a ``select(User)`` ordered by id."""
    stmt = (
        select(User)
        .join(CustomerAccount, CustomerAccount.user_id == User.id)
        .where(User.role == Role.CUSTOMER, User.active)
        .order_by(User.id)
    )
    if plans := plan_list(notice):
        stmt = stmt.where(CustomerAccount.plan.in_([Plan(p) for p in plans]))
    if servers := server_list(notice):
        stmt = stmt.where(func.lower(CustomerAccount.server).in_(servers))
    return stmt


def affected_customer_ids(notice: Notice) -> Select:
    """The ids of :func:`affected_customers`, for use in ``IN (...)``."""
    return affected_customers(notice).with_only_columns(User.id).order_by(None)


def audience_size(notice: Notice) -> int:
    """How many active customers the notice reaches."""
    return db.session.scalar(select(func.count()).select_from(affected_customer_ids(notice).subquery()))


def is_over(notice: Notice, now: datetime) -> bool:
    """Closed by a manager, or past its planned end."""
    return notice.resolved_at is not None or (notice.ends_at is not None and notice.ends_at <= now)


def state(notice: Notice, now: datetime) -> str:
    """``draft``, ``upcoming``, ``current``, ``resolved`` (closed by hand) or ``ended``."""
    if notice.published_at is None:
        return "draft"
    if notice.resolved_at is not None:
        return "resolved"
    if notice.ends_at is not None and notice.ends_at <= now:
        return "ended"
    return "upcoming" if notice.starts_at > now else "current"


def _not_over(now: datetime):
    return and_(Notice.resolved_at.is_(None), or_(Notice.ends_at.is_(None), Notice.ends_at > now))


def banner_notices(user: User, now: datetime) -> list[Notice]:
    """Published notices affecting this customer that are on now or start within a week.

    One query: the customer's account is joined in, and the (few) live notices are matched
    against its plan and server here, with the same rule as :func:`affected_customers`. Their
    updates come in a second query, only when there are notices: :func:`banner_key` needs them.
    """
    rows = db.session.execute(
        select(Notice, CustomerAccount.plan, CustomerAccount.server)
        .options(selectinload(Notice.updates))
        .join(CustomerAccount, CustomerAccount.user_id == user.id)
        .where(Notice.published_at.is_not(None), Notice.starts_at <= now + BANNER_AHEAD, _not_over(now))
        .order_by(Notice.starts_at, Notice.id)
    ).all()
    return [notice for notice, plan, server in rows if affects(notice, plan, server)]


def banner_key(notice: Notice) -> str:
    """What a customer's "hide this notice" is remembered under, in their browser: the notice
    and its last change (its latest update, and a digest of what the banner shows), so a new
    update or a moved window shows the banner again."""
    shown = "|".join(
        str(v) for v in (notice.title, notice.starts_at, notice.ends_at, notice.expected_downtime_minutes)
    )
    last_update = notice.updates[-1].id if notice.updates else 0
    return f"notice-{notice.id}-{last_update}-{hashlib.sha256(shown.encode()).hexdigest()[:12]}"


@dataclass
class StatusPage:
    """The public status page: what is on now, what is coming, what ended lately."""

    current: list[Notice] = field(default_factory=list)
    upcoming: list[Notice] = field(default_factory=list)
    recent: list[Notice] = field(default_factory=list)


def status_page(now: datetime) -> StatusPage:
    """Published notices that are current, upcoming, or ended/resolved in the last week."""
    since = now - RECENT
    notices = db.session.scalars(
        select(Notice)
        .options(selectinload(Notice.updates))
        .where(
            Notice.published_at.is_not(None),
            or_(
                _not_over(now),
                Notice.resolved_at >= since,
                and_(Notice.resolved_at.is_(None), Notice.ends_at > since),
            ),
        )
        .order_by(Notice.starts_at, Notice.id)
    )
    page = StatusPage()
    for notice in notices:
        kind = state(notice, now)
        if kind == "current":
            page.current.append(notice)
        elif kind == "upcoming":
            page.upcoming.append(notice)
        else:
            page.recent.append(notice)
    # Most recently ended first: that is what a visitor checking on an outage looks for.
    page.recent.sort(key=lambda n: n.resolved_at or n.ends_at, reverse=True)
    return page


def manager_list() -> Select:
    """Every notice for the manager list: drafts first, then the latest start first."""
    return select(Notice).order_by(
        Notice.published_at.is_not(None), Notice.starts_at.desc(), Notice.id.desc()
    )


def get_notice(notice_id: int) -> Notice | None:
    """One notice by id."""
    return db.session.get(Notice, notice_id)


def reminders_due(now: datetime) -> Select:
    """Published maintenance windows starting within a day that have not been reminded of."""
    return (
        select(Notice)
        .where(
            Notice.kind == NoticeKind.MAINTENANCE,
            Notice.published_at.is_not(None),
            Notice.resolved_at.is_(None),
            Notice.reminded_at.is_(None),
            Notice.starts_at > now,
            Notice.starts_at <= now + REMINDER_WINDOW,
        )
        .order_by(Notice.starts_at, Notice.id)
    )
