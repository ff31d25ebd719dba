"""Reads for the staff queue."""

from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.orm import joinedload

from ..auth.models import Role, User
from ..extensions import db
from .models import ACTIVE_STATUSES, Followup, FollowupStatus, Priority


@dataclass(frozen=True)
class QueueFilter:
    """What the queue shows. ``status`` "active" means open or waiting."""

    status: str = "active"
    priority: str | None = None
    mine: bool = False
    unassigned: bool = False
    breached: bool = False

    @classmethod
    def from_args(cls, args) -> "QueueFilter":
        """Read from query arguments, ignoring values that are not allowed."""
        status = args.get("status", "active")
        if status not in {"active", "all", *FollowupStatus}:
            status = "active"
        priority = args.get("priority")
        if priority not in set(Priority):
            priority = None
        return cls(
            status=status,
            priority=priority,
            mine=args.get("mine") == "1",
            unassigned=args.get("unassigned") == "1",
            breached=args.get("breached") == "1",
        )


def queue(flt: QueueFilter, user_id: int):
    """Follow-ups matching ``flt``, nearest deadline first (resolved ones: latest first)."""
    # Surveys' Feedback class, reached through the relationship: followups do not import surveys.
    feedback = Followup.feedback.property.mapper.class_
    stmt = select(Followup).options(
        joinedload(Followup.feedback).joinedload(feedback.category),
        joinedload(Followup.customer).joinedload(User.account),
        joinedload(Followup.assignee),
    )
    if flt.status == "active":
        stmt = stmt.where(Followup.status.in_(ACTIVE_STATUSES))
    elif flt.status != "all":
        stmt = stmt.where(Followup.status == FollowupStatus(flt.status))
    if flt.priority:
        stmt = stmt.where(Followup.priority == Priority(flt.priority))
    if flt.mine:
        stmt = stmt.where(Followup.assignee_id == user_id)
    if flt.unassigned:
        stmt = stmt.where(Followup.assignee_id.is_(None))
    if flt.breached:
        stmt = stmt.where(Followup.breached.is_(True))
    if flt.status == FollowupStatus.RESOLVED:
        return stmt.order_by(Followup.resolved_at.desc(), Followup.id.desc())
    return stmt.order_by(Followup.due_at.asc().nulls_last(), Followup.created_at.asc(), Followup.id.asc())


@dataclass(frozen=True)
class CustomerCases:
    """A customer's other cases: the open ones first, then the latest resolved; and how many."""

    shown: list[Followup]
    total: int


def customer_cases(customer_id: int, exclude_id: int, limit: int = 5) -> CustomerCases:
    """The customer's cases other than ``exclude_id``, open and waiting ones before resolved ones,
    newest first within each, at most ``limit`` of them."""
    others = (Followup.customer_id == customer_id, Followup.id != exclude_id)
    open_first = case((Followup.status.in_(ACTIVE_STATUSES), 0), else_=1)
    shown = db.session.scalars(
        select(Followup)
        .where(*others)
        .order_by(open_first, Followup.created_at.desc(), Followup.id.desc())
        .limit(limit)
    )
    total = db.session.scalar(select(func.count()).select_from(Followup).where(*others))
    return CustomerCases(list(shown), total or 0)


def get_followup(followup_id: int) -> Followup | None:
    """One follow-up by id (staff see all)."""
    return db.session.get(Followup, followup_id)


def staff_members() -> list[User]:
    """Everyone who can be assigned follow-ups."""
    return list(
        db.session.scalars(
            select(User).where(User.role.in_([Role.STAFF, Role.MANAGER]), User.active).order_by(User.name)
        )
    )
