"""SQL for the retention report: aggregates over subscriptions and their events.

Month boundaries come in as a small literal table (one row per month of the range), so each
figure is one grouped query whatever the number of customers; nothing loops over rows in Python.

"Active at an instant" is the rule used throughout: a subscription is active at the start of
day ``d`` when it started before ``d`` and had not ended before ``d`` (``started_on < d`` and
``ended_on`` is empty or ``>= d``); events dated ``d`` happen after that instant.
"""

from datetime import UTC, date, datetime, time

from sqlalchemy import (
    Date,
    DateTime,
    Integer,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import aliased

from ...auth.models import Plan
from ...core.dates import add_months_sql
from ...core.db import UTCDateTime, count_if
from ...core.scales import nps_band_sql
from ...extensions import db
from ...followups.models import Followup
from ...lifecycle.models import EventKind, Subscription, SubscriptionEvent, SubscriptionStatus
from ...surveys.models import Feedback

DECISIONS = (EventKind.RENEWED, EventKind.CANCELLED, EventKind.LAPSED)
ENDINGS = (EventKind.CANCELLED, EventKind.LAPSED)
PLAN_CHANGES = (EventKind.STARTED, EventKind.UPGRADED, EventKind.DOWNGRADED)


def midnight(day: date) -> datetime:
    """The UTC instant a day starts."""
    return datetime.combine(day, time.min, tzinfo=UTC)


def start_of(day_column):
    """The UTC instant a date column's day starts, comparable with timestamps on both databases."""
    if db.engine.dialect.name == "postgresql":
        return func.timezone("UTC", cast(day_column, DateTime))
    return day_column  # 'YYYY-MM-DD' sorts before every 'YYYY-MM-DD hh:mm' of that day


def months_table(bounds: list[tuple[date, date]]):
    """A literal table ``(i, m, n, m_at)``: month index, first day, first day of the next, start instant."""
    rows = [
        select(
            literal(i, Integer).label("i"),
            literal(m, Date).label("m"),
            literal(n, Date).label("n"),
            literal(midnight(m), UTCDateTime()).label("m_at"),
        )
        for i, (m, n) in enumerate(bounds)
    ]
    return (rows[0] if len(rows) == 1 else union_all(*rows)).cte("months")


def active_at(sub, day):
    """The subscription ``sub`` is active at the start of ``day`` (a column or a date)."""
    return and_(sub.started_on < day, or_(sub.ended_on.is_(None), sub.ended_on >= day))


def _customer_active_at(customer_id, day):
    s = aliased(Subscription)
    return exists().where(s.customer_id == customer_id, active_at(s, day))


def renewals(bounds):
    """Per month index: subscriptions that came up for renewal (renewed, cancelled, lapsed) and renewed."""
    months = months_table(bounds)
    e = SubscriptionEvent
    stmt = (
        select(months.c.i, func.count(e.id), count_if(e.kind == EventKind.RENEWED))
        .join(e, and_(e.occurred_on >= months.c.m, e.occurred_on < months.c.n))
        .where(e.kind.in_(DECISIONS))
        .group_by(months.c.i)
    )
    return db.session.execute(stmt).all()


def _active_customers(months, ending_only: bool = False):
    """(month index, month start, customer, ``still``) for every customer active at the start of
    each month; ``still`` is 1 when one of their subscriptions is active at its end, else 0.

    One grouped pass over the subscriptions that touch each month (each customer's flags come from
    their rows in the group), not a lookup per customer and month. ``ending_only``: only customers
    with a subscription ending in the month, which includes every one who churned in it (a
    customer active at its start with nothing active at its end had one end in it).
    """
    s = Subscription
    touches = and_(s.started_on < months.c.n, or_(s.ended_on.is_(None), s.ended_on >= months.c.m))
    if ending_only:
        ending = aliased(Subscription)
        touches = and_(
            touches,
            exists().where(
                ending.customer_id == s.customer_id,
                ending.ended_on >= months.c.m,
                ending.ended_on < months.c.n,
            ),
        )
    was = func.max(case((active_at(s, months.c.m), 1), else_=0))
    still = func.max(case((active_at(s, months.c.n), 1), else_=0))
    return (
        select(months.c.i, months.c.m_at, s.customer_id, still.label("still"))
        .join(s, touches)
        .group_by(months.c.i, months.c.m_at, s.customer_id)
        .having(was == 1)
        .subquery("active")
    )


def churn(bounds):
    """Per month index: customers active at its start, and those of them with nothing active at its end."""
    active = _active_customers(months_table(bounds))
    stmt = select(active.c.i, func.count(), count_if(active.c.still == 0)).group_by(active.c.i)
    return db.session.execute(stmt).all()


def _price_spans():
    """Each subscription event's price and the days it is the subscription's price at: after
    ``since`` (its day) up to and including ``until`` (the next event's day; NULL: no next).

    Events of one day are ordered by id, so only the last of them gets a span: the price at the start
    of a day is the one after the last event before it. One ordered pass over the events.
    """
    e = SubscriptionEvent
    later = func.lead(e.occurred_on).over(partition_by=e.subscription_id, order_by=(e.occurred_on, e.id))
    return select(
        e.subscription_id, e.monthly_price, e.occurred_on.label("since"), later.label("until")
    ).subquery("prices")


def _price_before(event):
    """The price just before ``event``: after the previous event of the same subscription."""
    p = aliased(SubscriptionEvent)
    earlier = or_(
        p.occurred_on < event.occurred_on, and_(p.occurred_on == event.occurred_on, p.id < event.id)
    )
    return (
        select(p.monthly_price)
        .where(p.subscription_id == event.subscription_id, earlier)
        .order_by(p.occurred_on.desc(), p.id.desc())
        .limit(1)
        .scalar_subquery()
    )


def mrr_at_start(bounds):
    """Per month index: subscriptions active at its start and the sum of their prices then."""
    months = months_table(bounds)
    s = Subscription
    prices = _price_spans()
    price_then = and_(
        prices.c.subscription_id == s.id,
        prices.c.since < months.c.m,
        or_(prices.c.until.is_(None), prices.c.until >= months.c.m),
    )
    stmt = (
        select(months.c.i, func.count(s.id), func.coalesce(func.sum(prices.c.monthly_price), 0))
        .join(s, active_at(s, months.c.m))
        .outerjoin(prices, price_then)
        .group_by(months.c.i)
    )
    return db.session.execute(stmt).all()


def mrr_moves(bounds):
    """Per month index and event kind: events and the MRR they moved (after − before; before for endings).

    Endings and downgrades only count for subscriptions active at the month's start, so that
    "retained" is a part of the starting MRR.
    """
    months = months_table(bounds)
    e = SubscriptionEvent
    s = Subscription
    before = func.coalesce(_price_before(e), 0)
    amount = case(
        (e.kind.in_(ENDINGS), before),
        (e.kind == EventKind.STARTED, e.monthly_price),
        else_=e.monthly_price - before,
    )
    counted = or_(
        e.kind.in_((EventKind.STARTED, EventKind.UPGRADED)),
        active_at(s, months.c.m),
    )
    stmt = (
        select(months.c.i, e.kind, func.count(e.id), func.coalesce(func.sum(amount), 0))
        .join(e, and_(e.occurred_on >= months.c.m, e.occurred_on < months.c.n))
        .join(s, s.id == e.subscription_id)
        .where(e.kind.in_((*ENDINGS, EventKind.STARTED, EventKind.UPGRADED, EventKind.DOWNGRADED)), counted)
        .group_by(months.c.i, e.kind)
    )
    return db.session.execute(stmt).all()


def cohorts(bounds, checks: list[list[date | None]]):
    """Per signup month: customers whose first subscription started in it, and how many were active
    at each check instant (``checks[i][k]``; None = not yet reached, counted as 0 and ignored later).
    """
    first = (
        select(Subscription.customer_id, func.min(Subscription.started_on).label("signup"))
        .group_by(Subscription.customer_id)
        .subquery("first")
    )
    months = months_table(bounds)
    columns = []
    width = max((len(c) for c in checks), default=0)
    for k in range(width):
        # The check day for cohort i at offset k, picked by index from the literal table.
        whens = [(months.c.i == i, literal(c[k], Date)) for i, c in enumerate(checks) if c[k] is not None]
        if not whens:
            columns.append(literal(0, Integer))
            continue
        day = case(*whens, else_=None)
        columns.append(count_if(and_(day.isnot(None), _customer_active_at(first.c.customer_id, day))))
    stmt = (
        select(months.c.i, func.count(), *columns)
        .join(first, and_(first.c.signup >= months.c.m, first.c.signup < months.c.n))
        .group_by(months.c.i)
    )
    return db.session.execute(stmt).all()


def _entries(plan: Plan, first_only: bool, since: date, until: date):
    """Per customer: the first day they were on ``plan`` (a start or a plan change), within the range.

    ``first_only``: only customers whose very first subscription event was on ``plan``.
    """
    e = SubscriptionEvent
    entry = (
        select(e.customer_id, func.min(e.occurred_on).label("entered"))
        .where(e.kind.in_(PLAN_CHANGES), e.plan == plan)
        .group_by(e.customer_id)
        .subquery("entry")
    )
    stmt = select(entry.c.customer_id, entry.c.entered).where(
        entry.c.entered >= since, entry.c.entered <= until
    )
    if first_only:
        earlier = aliased(SubscriptionEvent)
        stmt = stmt.where(
            ~exists().where(earlier.customer_id == entry.c.customer_id, earlier.occurred_on < entry.c.entered)
        )
    return stmt.subquery("entrants")


def upgrades(from_plan: Plan, targets: tuple[Plan, ...], since: date, until: date, as_of: date):
    """For customers who entered ``from_plan`` in the range: for 6 and 12 months, those whose window
    had fully passed by ``as_of`` and those of them on one of ``targets`` by the window's end.
    """
    ent = _entries(from_plan, from_plan == Plan.SHARED, since, until)
    e = aliased(SubscriptionEvent)
    columns = []
    for months in (6, 12):
        end = add_months_sql(ent.c.entered, months)
        eligible = end <= as_of
        moved = exists().where(
            e.customer_id == ent.c.customer_id,
            e.kind.in_(PLAN_CHANGES),
            e.plan.in_(targets),
            e.occurred_on >= ent.c.entered,
            e.occurred_on <= end,
        )
        columns += [count_if(eligible), count_if(and_(eligible, moved))]
    return db.session.execute(select(func.count(), *columns).select_from(ent)).one()


def _latest_band(customer_id, before):
    """The NPS band of the customer's latest NPS answer given before the instant ``before``.

    The band is computed inside the subquery, on its one row: a band computed outside would name
    the subquery in every branch of the CASE, and PostgreSQL pulls such subqueries up into the
    CASE and runs them once per branch. No answer gives the band of NULL ("none").
    """
    latest = (
        select(nps_band_sql(Feedback.nps))
        .where(Feedback.customer_id == customer_id, Feedback.nps.isnot(None), Feedback.created_at < before)
        .order_by(Feedback.created_at.desc(), Feedback.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    return func.coalesce(latest, nps_band_sql(null()))


def _had_breach(customer_id, before):
    return exists().where(
        Followup.customer_id == customer_id, Followup.breached.is_(True), Followup.created_at < before
    )


def renewals_by_satisfaction(since: date, until: date):
    """Renewal decisions in ``[since, until)`` by (NPS band, breached before) as of the event's day."""
    e = SubscriptionEvent
    day = start_of(e.occurred_on)
    inner = (
        select(
            e.kind,
            _latest_band(e.customer_id, day).label("band"),
            _had_breach(e.customer_id, day).label("breached"),
        )
        .where(e.kind.in_(DECISIONS), e.occurred_on >= since, e.occurred_on < until)
        .subquery()
    )
    stmt = select(
        inner.c.band, inner.c.breached, func.count(), count_if(inner.c.kind == EventKind.RENEWED)
    ).group_by(inner.c.band, inner.c.breached)
    return db.session.execute(stmt).all()


def churn_by_satisfaction(bounds, ending_only: bool = False):
    """Customer-months (active at a month's start) by (NPS band, breached before that start), and churned.

    ``ending_only``: the churned counts are the same, the customer-month counts only those with an
    ending in the month (see ``_active_customers``): a month's work bounded by its endings.
    """
    active = _active_customers(months_table(bounds), ending_only)
    inner = (
        select(
            _latest_band(active.c.customer_id, active.c.m_at).label("band"),
            _had_breach(active.c.customer_id, active.c.m_at).label("breached"),
            (active.c.still == 0).label("churned"),
        )
        .select_from(active)
        .subquery()
    )
    stmt = select(inner.c.band, inner.c.breached, func.count(), count_if(inner.c.churned)).group_by(
        inner.c.band, inner.c.breached
    )
    return db.session.execute(stmt).all()


def revenue_at_stake(as_of: date, horizon: date):
    """Active subscriptions by the customer's latest NPS band before ``as_of``: customers and MRR,
    and those renewing by ``horizon``.
    """
    s = Subscription
    band = _latest_band(s.customer_id, midnight(as_of)).label("band")
    inner = (
        select(s.customer_id, s.monthly_price, s.renews_on, band)
        .where(s.status == SubscriptionStatus.ACTIVE, s.started_on <= as_of)
        .subquery()
    )
    soon = and_(inner.c.renews_on.isnot(None), inner.c.renews_on <= horizon)
    stmt = select(
        inner.c.band,
        func.count(func.distinct(inner.c.customer_id)),
        func.coalesce(func.sum(inner.c.monthly_price), 0),
        func.count(func.distinct(case((soon, inner.c.customer_id)))),
        func.coalesce(func.sum(case((soon, inner.c.monthly_price), else_=0)), 0),
    ).group_by(inner.c.band)
    return db.session.execute(stmt).all()
