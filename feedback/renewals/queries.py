"""The renewal-at-risk rule, computed live in SQL that works on SQLite and PostgreSQL.

The queue page ranks the facts stored per customer (ranking.py, computed by the subqueries
here) and reads only its displayed rows live (``at_risk_rows``); ``at_risk``, the whole list
computed live, is the reference the stored ranking is tested against.

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

from sqlalchemy import Date, and_, case, func, literal, select, union
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


def customer_facts(only=None):
    """Per customer login: current ``plan``, monthly ``revenue``, next renewal (``renews_on``) and
    ``billing_account`` (logins sharing it are one company).

    One rule for every page that weighs a customer (this queue, the idea ranking): from the
    *active* subscriptions (revenue = the sum of their monthly prices, next renewal = the earliest
    ``renews_on``, plan = that subscription's); a login with no subscription rows at all falls
    back to its account's ``monthly_price``, ``renewal_date`` and ``plan``. A login whose
    subscriptions all ended gets NULLs (churned). Returns a ``select()`` to use as a subquery.

    ``only`` (a list or a ``select()`` of user ids) narrows the rows before the per-customer
    window runs, so a page about a few customers does not rank every subscription.
    """
    renewing = and_(Subscription.status == SubscriptionStatus.ACTIVE, Subscription.renews_on.is_not(None))
    # Every subscription of the customer, the renewing ones first (earliest renewal, then id): the
    # first row says both whether the customer has subscriptions and which one renews next.
    subs = select(
        Subscription.customer_id,
        case((renewing, 1), else_=0).label("renewing"),
        Subscription.plan,
        Subscription.renews_on,
        func.sum(case((renewing, Subscription.monthly_price)))
        .over(partition_by=Subscription.customer_id)
        .label("revenue"),
        func.row_number()
        .over(
            partition_by=Subscription.customer_id,
            order_by=(case((renewing, 0), else_=1), Subscription.renews_on.asc(), Subscription.id.asc()),
        )
        .label("rn"),
    )
    if only is not None:
        subs = subs.where(Subscription.customer_id.in_(only))
    first = subs.subquery("first_sub")
    has_subscriptions = first.c.customer_id.is_not(None)
    renews = first.c.renewing == 1
    stmt = (
        select(
            User.id.label("customer_id"),
            case((renews, first.c.plan), (has_subscriptions, None), else_=CustomerAccount.plan).label("plan"),
            case((has_subscriptions, first.c.revenue), else_=CustomerAccount.monthly_price).label("revenue"),
            case(
                (renews, first.c.renews_on), (has_subscriptions, None), else_=CustomerAccount.renewal_date
            ).label("renews_on"),
            CustomerAccount.billing_account,
        )
        .select_from(User)
        .outerjoin(CustomerAccount, CustomerAccount.user_id == User.id)
        .outerjoin(first, and_(first.c.customer_id == User.id, first.c.rn == 1))
        .where(User.role == Role.CUSTOMER)
    )
    return stmt if only is None else stmt.where(User.id.in_(only))


def _renewing_between(first: date, last: date):
    """Everyone who *may* renew between ``first`` and ``last``: an active subscription or (for
    customers without subscriptions) the account's date in the range. A superset, read through
    the renewal-date indexes; ``customer_facts`` then decides (its earliest renewal may be earlier)."""
    by_subscription = select(Subscription.customer_id).where(
        Subscription.status == SubscriptionStatus.ACTIVE, Subscription.renews_on.between(first, last)
    )
    by_account = select(CustomerAccount.user_id).where(CustomerAccount.renewal_date.between(first, last))
    # Materialized: found once, then read by the facts and the signals.
    found = (
        union(by_subscription, by_account).cte("candidates").prefix_with("MATERIALIZED", dialect="postgresql")
    )
    return select(found.c.customer_id)


def _nps_answers():
    """Where: the current customer's (``User``) NPS answers, at any time."""
    return (Feedback.customer_id == User.id, Feedback.nps.is_not(None), Feedback.kind == FeedbackKind.RATING)


def low_ratings():
    """Where: the current customer's low CSAT ratings (read through ``ix_feedback_customer_low_csat``)."""
    return (
        Feedback.customer_id == User.id,
        low_csat_sql(Feedback.csat),
        Feedback.kind == FeedbackKind.RATING,
    )


def own_breaches():
    """Where: the current customer's breached cases, but those staff opened from this queue.

    Told apart by their feedback's id among the few proactive ones (ix_feedback_proactive, read
    once and hashed), not by reading each case's feedback row."""
    proactive = select(Feedback.id).where(Feedback.kind == FeedbackKind.PROACTIVE)
    return (
        Followup.customer_id == User.id,
        Followup.breached.is_(True),
        Followup.feedback_id.not_in(proactive),
    )


def latest_nps(now: datetime):
    """SQL: the current customer's latest NPS answer at ``now`` (a scalar subquery, one index entry)."""
    return (
        select(Feedback.nps)
        .where(*_nps_answers(), Feedback.created_at <= now)
        .order_by(Feedback.created_at.desc(), Feedback.id.desc())
        .limit(1)
        .scalar_subquery()
    )


def open_cases_of(only):
    """Per customer in ``only`` with an open case: the first one's id, and 1 if one is not proactive
    (a signal). Narrowed to ``only`` so a page about a few customers does not group every open case."""
    return (
        select(
            Followup.customer_id,
            func.min(Followup.id).label("followup_id"),
            func.max(case((Feedback.kind != FeedbackKind.PROACTIVE, 1), else_=0)).label("signal"),
        )
        .join(Feedback, Feedback.id == Followup.feedback_id)
        .where(Followup.status.in_(ACTIVE_STATUSES), Followup.customer_id.in_(only))
        .group_by(Followup.customer_id)
        .subquery("open_cases")
    )


def _signals(now: datetime, only):
    """One row per candidate customer with their raw signals. Each is looked up per customer
    through an index (``ix_feedback_customer_nps``, ``ix_feedback_customer_low_csat``,
    ``ix_followups_customer_breached``) or, for open cases, from the few open ones: never by
    ranking or grouping the whole feedback and follow-up tables. The lookups are ``LIMIT 1`` /
    aggregate subqueries so PostgreSQL probes the index per customer instead of hashing the whole
    table. Materialized, so each lookup runs once although the score uses it several times."""
    today = now.date()
    facts = customer_facts(only).subquery("facts")
    lowest_csat = (
        select(func.min(Feedback.csat))
        .where(
            *low_ratings(),
            Feedback.created_at > now - timedelta(days=LOW_CSAT_DAYS),
            Feedback.created_at <= now,
        )
        .scalar_subquery()
    )
    breached = (
        select(literal(1))
        .where(
            *own_breaches(),
            Followup.created_at > now - timedelta(days=BREACH_DAYS),
            Followup.created_at <= now,
        )
        .limit(1)
        .scalar_subquery()
    )
    open_cases = open_cases_of(only)
    return (
        select(
            User.id.label("customer_id"),
            User.name,
            User.email,
            facts.c.plan,
            facts.c.revenue,
            facts.c.renews_on,
            latest_nps(now).label("latest_nps"),
            lowest_csat.label("lowest_csat"),
            case((breached.is_not(None), 1), else_=0).label("breached"),
            func.coalesce(open_cases.c.signal, 0).label("open"),
            open_cases.c.followup_id.label("open_followup_id"),
            literal(today, Date).label("today"),
        )
        .select_from(User)
        .join(facts, facts.c.customer_id == User.id)
        .outerjoin(open_cases, open_cases.c.customer_id == User.id)
        .where(User.role == Role.CUSTOMER, User.active.is_(True), User.id.in_(only))
        .cte("signals")
        .prefix_with("MATERIALIZED", dialect="postgresql")
    )


def risk_score(detractor, low_csat, breached, open_followup):
    """SQL: the risk score from the four signals (each 0 or 1), weighted by ``WEIGHTS``."""
    return (
        detractor * WEIGHTS["detractor"]
        + low_csat * WEIGHTS["low_csat"]
        + breached * WEIGHTS["breached"]
        + open_followup * WEIGHTS["open_followup"]
    )


def _statement(now: datetime, within_days: int | None, only):
    today = now.date()
    if only is None:
        only = _renewing_between(today, today + timedelta(days=within_days))
    s = _signals(now, only).c
    detractor = case((detractor_sql(s.latest_nps), 1), else_=0)
    low = case((s.lowest_csat.is_not(None), 1), else_=0)
    risk = risk_score(detractor, low, s.breached, s.open)
    priority = func.coalesce(s.revenue, 0) * risk

    row = _AtRiskBundle(
        "at_risk",
        s.customer_id,
        s.name,
        s.email,
        s.plan,
        s.revenue,
        s.renews_on,
        s.latest_nps,
        s.lowest_csat,
        detractor.label("detractor"),
        low.label("low_csat"),
        s.breached,
        s.open.label("open_followup"),
        s.open_followup_id,
        risk.label("risk"),
        s.today,
    )
    stmt = select(row)
    if within_days is not None:
        stmt = stmt.where(s.renews_on >= today, s.renews_on <= today + timedelta(days=within_days), risk > 0)
    return stmt.order_by(priority.desc(), s.renews_on.asc(), s.customer_id.asc())


def at_risk(now: datetime, within_days: int = DEFAULT_WINDOW):
    """Customers renewing within ``within_days`` days of ``now`` with a risk signal, highest priority
    first, all computed live: a ``select()`` whose items are :class:`AtRisk`. The page reads the
    stored ranking instead (paging.py); this is the rule that ranking must equal."""
    return _statement(now, within_days, None)


def at_risk_rows(now: datetime, customer_ids: list[int]) -> dict[int, AtRisk]:
    """The :class:`AtRisk` rows of these customers (the active ones) whatever their renewal date, by id."""
    rows = db.session.scalars(_statement(now, None, customer_ids)) if customer_ids else []
    return {row.customer_id: row for row in rows}


def risk_for(customer_id: int, now: datetime) -> AtRisk | None:
    """One customer's signals and score whatever their renewal date (None if not an active customer)."""
    return db.session.scalar(_statement(now, None, [customer_id]))


def window_from(value) -> int:
    """The "within N days" choice from a query argument; anything else gives the default."""
    try:
        days = int(value)
    except (TypeError, ValueError):
        return DEFAULT_WINDOW
    return days if days in WINDOWS else DEFAULT_WINDOW
