"""Reads for the staff queue."""

from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta

from sqlalchemy import case, exists, func, select
from sqlalchemy.orm import aliased, joinedload

from ..auth.models import Role, User
from ..core.dates import FIRST_DAY, LAST_DAY, utc_range
from ..core.db import plan_for_cached_reads
from ..core.fulltext import clean_typed
from ..core.pagination import OnePassPagination, paginate, paginate_as
from ..core.time import utcnow
from ..extensions import db
from .escalation import BREACH
from .models import (
    ACTIVE_STATUSES,
    PRIORITY_RANK,
    EventKind,
    Followup,
    FollowupEvent,
    FollowupStatus,
    Priority,
    SlaEscalation,
)
from .reference import parse_case_reference
from .search import matching_case_ids

# The columns the queue sorts by (``?sort=``, ``-`` before one reverses it); anything else is the default.
SORTS = ("deadline", "priority", "opened", "customer")
DEFAULT_SORT = "deadline"
# The periods ``?breached_since=`` takes: how far back a breach counts.
PERIODS = {"24h": timedelta(hours=24), "7d": timedelta(days=7), "30d": timedelta(days=30)}


def had_event(followup_id, kind: EventKind):
    """SQL: whether the case ``followup_id`` (a column or value) has ever had an event of ``kind``
    on its timeline (resolved, reopened…)."""
    return exists().where(FollowupEvent.followup_id == followup_id, FollowupEvent.kind == kind)


# What a case's outcome is, as conditions on ``fu`` (``Followup`` or an alias): the queue's
# ``?outcome=`` and the counts of Support by person and by team (reports/people.py) select these
# very expressions, so a figure and the list of cases behind it cannot disagree.
OUTCOMES = {
    "responded": lambda fu: fu.first_response_at.is_not(None),  # has a first response time
    "resolved": lambda fu: fu.resolved_at.is_not(None),  # resolved now: has a resolution time
    "sla_known": lambda fu: fu.resolved_at.is_not(None) | fu.breached.is_(True),  # resolved, or breached
    "sla_met": lambda fu: fu.resolved_at.is_not(None) & fu.breached.is_(False),  # resolved, never breached
    "sla_missed": lambda fu: fu.breached.is_(True),
    "resolved_once": lambda fu: had_event(fu.id, EventKind.RESOLVED),
    "reopened": lambda fu: had_event(fu.id, EventKind.RESOLVED) & had_event(fu.id, EventKind.REOPENED),
}


@dataclass(frozen=True)
class QueueFilter:
    """What the queue shows. ``status`` "active" means open or waiting; ``q`` is the search box
    (search.py), ``sort`` one of ``SORTS``, reversed with a ``-`` before it.

    ``breached_since`` (a key of ``PERIODS``, "7d"): cases with a deadline that was breached in
    that period before ``now``, that is an SLA breach the sweep recorded (``sla_escalations``,
    level "breach") whose deadline fell in it. The breach's own moment, not the case's opening:
    a case opened ten days ago that missed its resolution deadline yesterday breached this week.
    The sweep records every breach within a minute; one noticed only by a late reply while the
    worker was down has no record and is not listed here (``breached=1`` still lists it).
    """

    status: str = "active"
    priority: str | None = None
    mine: bool = False
    unassigned: bool = False
    breached: bool = False
    q: str = ""
    sort: str = DEFAULT_SORT
    breached_since: str | None = None
    # Which teams' cases: "" the viewer's (their teams' and those without a team; every case for
    # someone in no team), "all", "none" (cases without a team) or a team's id. ``my_teams``: the
    # viewer's teams, which "" reads (not an argument: never in a saved view).
    team: str = ""
    my_teams: tuple[int, ...] = ()
    # The cases behind a figure of Support by person / by team: one assignee's (an id), opened
    # in a period of UTC days (inclusive, as the reports read one), with an outcome (OUTCOMES).
    assignee: int | None = None
    opened_from: date | None = None
    opened_to: date | None = None
    outcome: str | None = None

    @property
    def lists_every_open_case(self) -> bool:
        """Whether the view lists every open or waiting case of its teams (in any order): the one
        on which "new cases since you opened this page" counts what a refresh would add."""
        return (self.status, self.priority, self.mine, self.unassigned, self.breached, self.q) == (
            "active",
            None,
            False,
            False,
            False,
            "",
        ) and (self.breached_since, self.assignee, self.opened_from, self.opened_to, self.outcome) == (
            (None,) * 5
        )

    @property
    def narrowed_to_figure(self) -> bool:
        """Whether the view lists the cases behind a report figure (assignee, period or outcome)."""
        return (self.assignee, self.opened_from, self.opened_to, self.outcome) != (None,) * 4

    def to_args(self) -> dict[str, str]:
        """The query arguments that read back (:meth:`from_args`) as this filter, those left at
        their default omitted: what a saved view stores, in the order of the fields."""
        args = {}
        for field in fields(self):
            if field.name == "my_teams":
                continue  # the viewer's teams: read at each visit, never stored
            value = getattr(self, field.name)
            if value != field.default:
                args[field.name] = "1" if value is True else str(value)
        return args

    @classmethod
    def from_args(cls, args, my_teams: tuple[int, ...] = ()) -> "QueueFilter":
        """Read from query arguments, ignoring values that are not allowed; ``my_teams`` are the
        viewer's teams."""
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
            q=clean_typed(args.get("q")),
            sort=sort if (sort := args.get("sort", "")).removeprefix("-") in SORTS else DEFAULT_SORT,
            breached_since=since if (since := args.get("breached_since")) in PERIODS else None,
            team=team if (team := args.get("team", "")) in ("all", "none") or _an_id(team) else "",
            my_teams=tuple(my_teams),
            assignee=int(assignee) if _an_id(assignee := args.get("assignee", "")) else None,
            opened_from=_a_day(args.get("opened_from")),
            opened_to=_a_day(args.get("opened_to")),
            outcome=outcome if (outcome := args.get("outcome")) in OUTCOMES else None,
        )


def _an_id(text: str) -> bool:
    return text.isdecimal() and len(text) <= 9  # an integer column's range, whatever is typed


def _a_day(text: str | None) -> date | None:
    """``2026-03-01`` as a date between ``FIRST_DAY`` and ``LAST_DAY``; anything else None."""
    try:
        day = date.fromisoformat(text or "")
    except ValueError:
        return None
    return day if FIRST_DAY <= day <= LAST_DAY and len(text) == 10 else None


def queue(flt: QueueFilter, user_id: int, now: datetime | None = None):
    """Follow-ups matching ``flt`` in its order (default: nearest deadline first; resolved ones,
    latest first), with what a row of the queue shows loaded along. ``now`` ends the period of
    ``flt.breached_since``."""
    return _listed(_with_row(select(Followup)), flt, user_id, now)


def queue_page(flt: QueueFilter, user_id: int, now: datetime | None = None):
    """The page of :func:`queue` at ``?page=``. A search runs once per page: the page's case ids
    come with the total riding along (``OnePassPagination``), then the cases themselves by id."""
    if not flt.q:
        return paginate(queue(flt, user_id, now))
    # Compiling the search's plan costs more than running it; its lookups by index read memory.
    plan_for_cached_reads(db.session)
    page = paginate_as(OnePassPagination, _listed(select(Followup.id), flt, user_id, now))
    if page.items:
        cases = {
            fu.id: fu
            for fu in db.session.scalars(_with_row(select(Followup)).where(Followup.id.in_(page.items)))
        }
        page.items = [cases[i] for i in page.items if i in cases]
    return page


def _with_row(stmt):
    """``stmt`` (a select of ``Followup``) loading what a queue row shows in the same statement."""
    # Surveys' Feedback class, reached through the relationship: followups do not import surveys.
    feedback = Followup.feedback.property.mapper.class_
    return stmt.options(
        joinedload(Followup.feedback).joinedload(feedback.category),
        joinedload(Followup.customer).joinedload(User.account),
        joinedload(Followup.assignee),
        joinedload(Followup.team),
    )


def _listed(stmt, flt: QueueFilter, user_id: int, now: datetime | None = None):
    """``stmt`` (a select from ``followups``) narrowed to the cases ``flt`` lists, in its order."""
    stmt = stmt.where(*_conditions(Followup, flt, user_id, now))
    first = []
    if flt.q:
        within = lambda fu: _conditions(fu, flt, user_id, now)  # noqa: E731
        stmt = stmt.where(Followup.id.in_(matching_case_ids(flt.q, within)))
        if (reference := parse_case_reference(flt.q)) is not None:
            first = [case((Followup.id == reference, 0), else_=1)]  # the case it names, first
    stmt, order = _sorted(stmt, flt)
    return stmt.order_by(*first, *order)


def _conditions(fu, flt: QueueFilter, user_id: int, now: datetime | None = None) -> list:
    """What ``flt`` asks of a case, as conditions on ``fu`` (``Followup`` or an alias of it)."""
    conditions = []
    if flt.status == "active":
        conditions.append(fu.status.in_(ACTIVE_STATUSES))
    elif flt.status != "all":
        conditions.append(fu.status == FollowupStatus(flt.status))
    if flt.priority:
        conditions.append(fu.priority == Priority(flt.priority))
    if flt.mine:
        conditions.append(fu.assignee_id == user_id)
    if flt.unassigned:
        conditions.append(fu.assignee_id.is_(None))
    if flt.breached:
        conditions.append(fu.breached.is_(True))
    if flt.breached_since:
        conditions.append(_breached_within(fu, PERIODS[flt.breached_since], now or utcnow()))
    if (team := team_condition(fu, flt)) is not None:
        conditions.append(team)
    if flt.assignee is not None:
        conditions.append(fu.assignee_id == flt.assignee)
    if flt.opened_from is not None:
        conditions.append(fu.created_at >= utc_range(flt.opened_from, flt.opened_from)[0])
    if flt.opened_to is not None:
        conditions.append(fu.created_at < utc_range(flt.opened_to, flt.opened_to)[1])
    if flt.outcome:
        conditions.append(OUTCOMES[flt.outcome](fu))
    return conditions


def team_condition(fu, flt: QueueFilter):
    """Which teams' cases ``flt`` lists, as a condition on ``fu`` (None: every team's)."""
    if flt.team == "none" or (flt.team == "" and flt.my_teams):
        mine = fu.team_id.in_(flt.my_teams) if flt.team == "" else None
        return fu.team_id.is_(None) if mine is None else (fu.team_id.is_(None) | mine)
    if flt.team.isdecimal():
        return fu.team_id == int(flt.team)
    return None


def _breached_within(fu, period: timedelta, now: datetime):
    """Whether ``fu`` had a deadline breached in the ``period`` before ``now`` (QueueFilter)."""
    # breached IS TRUE first: its index narrows the cases the breach records are looked up for.
    return fu.breached.is_(True) & exists().where(
        SlaEscalation.followup_id == fu.id,
        SlaEscalation.level == BREACH,
        SlaEscalation.due_at > now - period,
        SlaEscalation.due_at <= now,
    )


def _sorted(stmt, flt: QueueFilter):
    """``stmt`` (joined to what the sort reads) and its order: ``flt.sort``, ties broken by id."""
    key = flt.sort.removeprefix("-")
    if key == "customer":
        customer = aliased(User)
        stmt = stmt.join(customer, customer.id == Followup.customer_id)
        spec = [(customer.name_key, False), (Followup.id, False)]  # the name case-folded, bytewise
    elif key == "priority":
        spec = [
            (case(PRIORITY_RANK, value=Followup.priority), False),
            (Followup.due_at, False),
            (Followup.id, False),
        ]
    elif key == "opened":
        spec = [(Followup.created_at, False), (Followup.id, False)]
    elif flt.status == FollowupStatus.RESOLVED:
        spec = [(Followup.resolved_at, True), (Followup.id, True)]  # no deadline left: latest first
    else:  # ix_followups_active_due serves this order as it stands
        spec = [(Followup.due_at, False), (Followup.created_at, False), (Followup.id, False)]
    reverse = flt.sort.startswith("-")
    order = []
    for column, descending in spec:
        term = column.desc() if descending != reverse else column.asc()
        order.append(
            term.nulls_last() if column is Followup.due_at or column is Followup.resolved_at else term
        )
    return stmt, order


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


@dataclass(frozen=True)
class QueueNews:
    """What reached the queue since a moment: how many cases, and the critical ones."""

    new: int
    critical: list[Followup]


def queue_news(since: datetime, flt: QueueFilter | None = None, limit: int = 5) -> QueueNews:
    """Open or waiting cases (of the teams ``flt`` lists) opened after ``since``, and the newest
    critical ones among them (``limit`` at most): what a queue page opened at ``since`` has not
    shown yet."""
    fresh = [Followup.created_at > since, Followup.status.in_(ACTIVE_STATUSES)]
    if flt is not None and (team := team_condition(Followup, flt)) is not None:
        fresh.append(team)
    new = db.session.scalar(select(func.count()).select_from(Followup).where(*fresh)) or 0
    critical = []
    if new:
        critical = list(
            db.session.scalars(
                select(Followup)
                .options(joinedload(Followup.customer))
                .where(*fresh, Followup.priority == Priority.CRITICAL)
                .order_by(Followup.created_at.desc(), Followup.id.desc())
                .limit(limit)
            )
        )
    return QueueNews(new, critical)
