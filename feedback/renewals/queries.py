"""Reads for the renewal-at-risk queue: one SQL statement that works on SQLite and PostgreSQL.

Who is listed: active customers whose next renewal falls within the chosen number of days
(today included) and who show at least one risk signal.

- **Renewal and revenue**: from the customer's *active* subscriptions (next renewal = the
  earliest ``renews_on``; monthly revenue = the sum of their monthly prices, since an
  unhappy customer takes all their services with them). Customers imported before
  subscriptions existed (no subscription rows at all) fall back to their account's
  ``renewal_date`` and ``monthly_price``. A customer whose subscriptions all ended has
  churned already and is never listed.
- **Risk score** = the sum of the weights of the signals present (``WEIGHTS``):
  detractor (latest NPS answer 0–6) 3, low CSAT (a rating of 1–2 in the last 90 days) 2,
  breached follow-up (opened in the last 180 days) 2, open follow-up 1. Maximum 8.
- **Priority** = monthly revenue × risk score; the queue is ordered by it (highest first),
  then by the nearest renewal.

Follow-ups that staff opened proactively from this queue are not signals (they would keep a
customer listed because we called them); they are returned as ``open_followup_id`` so the
page links to the case instead of offering to open a second one.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import Date, and_, case, exists, func, literal, or_, select
from sqlalchemy.orm import Bundle

from ..auth.models import CustomerAccount, Plan, Role, User
from ..core.scales import detractor_sql, low_csat_sql
from ..extensions import db
from ..followups.models import ACTIVE_STATUSES, Followup
from ..lifecycle.models import Subscription, SubscriptionStatus
from ..surveys.models import Feedback, FeedbackKind

WINDOWS = (7, 14, 30, 60, 90)  # the "renews within N days" choices on the page
DEFAULT_WINDOW = 30

LOW_CSAT_DAYS = 90
BREACH_DAYS = 180

# Risk weights; the page shows them next to the score.
WEIGHTS = {"detractor": 3, "low_csat": 2, "breached": 2, "open_followup": 1}
HIGH_RISK = 4  # from this score a proactive follow-up opens with high priority


@dataclass(frozen=True)
class AtRisk:
    """One customer in the queue, with the signals that put them there."""

    customer_id: int
    name: str
    email: str
    plan: Plan | None
    revenue: Decimal
    renews_on: date | None
    days_left: int | None
    latest_nps: int | None
    lowest_csat: int | None
    detractor: bool
    low_csat: bool
    breached: bool
    open_followup: bool
    open_followup_id: int | None  # any open case, proactive ones included
    risk: int
    priority: Decimal

    @property
    def reasons(self) -> tuple[str, ...]:
        """The signal codes present, heaviest first (keys of ``WEIGHTS``)."""
        return tuple(code for code in WEIGHTS if getattr(self, code))


class _AtRiskBundle(Bundle):
    """Turns each result row into an ``AtRisk`` (pagination reads one entity per row).

    "Today" comes back as a selected bound value, not as an attribute of the bundle: compiled
    statements are cached, so a bundle attribute would keep the date of the first call.
    """

    def create_row_processor(self, query, procs, labels):
        def proc(row):
            v = dict(zip(labels, (p(row) for p in procs), strict=True))
            today, renews_on = v.pop("today"), v["renews_on"]
            for flag in WEIGHTS:
                v[flag] = bool(v[flag])
            v["revenue"] = Decimal(v["revenue"] or 0).quantize(Decimal("0.01"))
            v["priority"] = v["revenue"] * v["risk"]
            return AtRisk(**v, days_left=(renews_on - today).days if renews_on else None)

        return proc


def customer_facts():
    """Per customer login: current ``plan``, monthly ``revenue``, next renewal (``renews_on``) and
    ``billing_account`` (logins sharing it are one company).

    One rule for every page that weighs a customer (this queue, the idea ranking): from the
    *active* subscriptions (revenue = the sum of their monthly prices, next renewal = the earliest
    ``renews_on``, plan = that subscription's); a login with no subscription rows at all falls
    back to its account's ``monthly_price``, ``renewal_date`` and ``plan``. A login whose
    subscriptions all ended gets NULLs (churned). Returns a ``select()`` to use as a subquery.
    """
    next_sub = (
        select(
            Subscription.customer_id,
            Subscription.plan,
            Subscription.renews_on,
            func.sum(Subscription.monthly_price).over(partition_by=Subscription.customer_id).label("revenue"),
            func.row_number()
            .over(
                partition_by=Subscription.customer_id,
                order_by=(Subscription.renews_on.asc(), Subscription.id.asc()),
            )
            .label("rn"),
        )
        .where(Subscription.status == SubscriptionStatus.ACTIVE, Subscription.renews_on.is_not(None))
        .subquery("next_sub")
    )
    has_subscriptions = exists().where(Subscription.customer_id == User.id)
    return (
        select(
            User.id.label("customer_id"),
            case((has_subscriptions, next_sub.c.plan), else_=CustomerAccount.plan).label("plan"),
            case((has_subscriptions, next_sub.c.revenue), else_=CustomerAccount.monthly_price).label(
                "revenue"
            ),
            case((has_subscriptions, next_sub.c.renews_on), else_=CustomerAccount.renewal_date).label(
                "renews_on"
            ),
            CustomerAccount.billing_account,
        )
        .select_from(User)
        .outerjoin(CustomerAccount, CustomerAccount.user_id == User.id)
        .outerjoin(next_sub, and_(next_sub.c.customer_id == User.id, next_sub.c.rn == 1))
        .where(User.role == Role.CUSTOMER)
    )


def _statement(now: datetime, within_days: int | None, customer_id: int | None):
    today = now.date()
    not_proactive = Feedback.kind != FeedbackKind.PROACTIVE

    nps_ranked = (
        select(
            Feedback.customer_id,
            Feedback.nps,
            func.row_number()
            .over(
                partition_by=Feedback.customer_id, order_by=(Feedback.created_at.desc(), Feedback.id.desc())
            )
            .label("rn"),
        )
        .where(Feedback.kind == FeedbackKind.RATING, Feedback.nps.is_not(None), Feedback.created_at <= now)
        .cte("nps_ranked")
    )
    low_csat = (
        select(Feedback.customer_id, func.min(Feedback.csat).label("lowest"))
        .where(
            Feedback.kind == FeedbackKind.RATING,
            low_csat_sql(Feedback.csat),
            Feedback.created_at > now - timedelta(days=LOW_CSAT_DAYS),
            Feedback.created_at <= now,
        )
        .group_by(Feedback.customer_id)
        .cte("low_csat")
    )
    is_open = Followup.status.in_(ACTIVE_STATUSES)
    recent_breach = and_(
        Followup.breached.is_(True),
        Followup.created_at > now - timedelta(days=BREACH_DAYS),
        Followup.created_at <= now,
    )
    case_signals = (
        select(
            Followup.customer_id,
            func.max(case((is_open, 1), else_=0)).label("open"),
            func.max(case((recent_breach, 1), else_=0)).label("breached"),
        )
        .join(Feedback, Feedback.id == Followup.feedback_id)
        .where(not_proactive, or_(is_open, recent_breach))
        .group_by(Followup.customer_id)
        .cte("case_signals")
    )
    open_case = (
        select(Followup.customer_id, func.min(Followup.id).label("followup_id"))
        .where(is_open)
        .group_by(Followup.customer_id)
        .cte("open_case")
    )

    facts = customer_facts().subquery("facts")
    renews_on, revenue, plan = facts.c.renews_on, facts.c.revenue, facts.c.plan
    detractor = case((detractor_sql(nps_ranked.c.nps), 1), else_=0)
    low = case((low_csat.c.lowest.is_not(None), 1), else_=0)
    breached = func.coalesce(case_signals.c.breached, 0)
    open_ = func.coalesce(case_signals.c.open, 0)
    risk = (
        detractor * WEIGHTS["detractor"]
        + low * WEIGHTS["low_csat"]
        + breached * WEIGHTS["breached"]
        + open_ * WEIGHTS["open_followup"]
    )
    priority = func.coalesce(revenue, 0) * risk

    row = _AtRiskBundle(
        "at_risk",
        User.id.label("customer_id"),
        User.name.label("name"),
        User.email.label("email"),
        plan.label("plan"),
        revenue.label("revenue"),
        renews_on.label("renews_on"),
        nps_ranked.c.nps.label("latest_nps"),
        low_csat.c.lowest.label("lowest_csat"),
        detractor.label("detractor"),
        low.label("low_csat"),
        breached.label("breached"),
        open_.label("open_followup"),
        open_case.c.followup_id.label("open_followup_id"),
        risk.label("risk"),
        literal(today, Date).label("today"),
    )
    stmt = (
        select(row)
        .select_from(User)
        .outerjoin(facts, facts.c.customer_id == User.id)
        .outerjoin(nps_ranked, and_(nps_ranked.c.customer_id == User.id, nps_ranked.c.rn == 1))
        .outerjoin(low_csat, low_csat.c.customer_id == User.id)
        .outerjoin(case_signals, case_signals.c.customer_id == User.id)
        .outerjoin(open_case, open_case.c.customer_id == User.id)
        .where(User.role == Role.CUSTOMER, User.active.is_(True))
    )
    if customer_id is not None:
        stmt = stmt.where(User.id == customer_id)
    if within_days is not None:
        stmt = stmt.where(renews_on >= today, renews_on <= today + timedelta(days=within_days), risk > 0)
    return stmt.order_by(priority.desc(), renews_on.asc(), User.id.asc())


def at_risk(now: datetime, within_days: int = DEFAULT_WINDOW):
    """Customers renewing within ``within_days`` days of ``now`` with a risk signal, highest priority first.

    Returns a ``select()`` for ``core.pagination.paginate``; each item is an :class:`AtRisk`.
    """
    return _statement(now, within_days, None)


def risk_for(customer_id: int, now: datetime) -> AtRisk | None:
    """One customer's signals and score whatever their renewal date (None if not an active customer)."""
    return db.session.scalar(_statement(now, None, customer_id))


def window_from(value) -> int:
    """The "within N days" choice from a query argument; anything else gives the default."""
    try:
        days = int(value)
    except (TypeError, ValueError):
        return DEFAULT_WINDOW
    return days if days in WINDOWS else DEFAULT_WINDOW
