"""Writes for feedback: validate, store, and route negative feedback into a follow-up."""

from dataclasses import replace
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..auth.models import CustomerAccount, Plan, User
from ..core import cache
from ..core.scales import CSAT_MAX, CSAT_MIN, NPS_MAX, NPS_MIN
from ..core.time import utcnow
from ..extensions import db
from ..followups.models import Category
from ..followups.policies import policy_for_new, uses_plans
from ..followups.routing import Outcome, Signal, cached_rules, route, rules_use_plans
from ..followups.services import new_followup
from .models import Channel, Feedback, FeedbackKind
from .rating_write import insert_rating
from .receipts import acknowledge_later

MAX_COMMENT = 5000


class FeedbackError(ValueError):
    """Feedback that cannot be stored; ``fields`` maps field names to messages."""

    def __init__(self, fields: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in fields.items()))
        self.fields = fields


def active_categories() -> list[Category]:
    """Categories a customer may choose, in display order."""
    return list(db.session.scalars(select(Category).where(Category.active).order_by(Category.position)))


def category_by_slug(slug: str | None, now: datetime | None = None) -> Category | None:
    """Look up an active category by slug (in the current session).

    Read at most ``REFERENCE_CACHE_SECONDS`` before ``now`` (core/cache.py): a category renamed,
    deactivated or added takes effect in every process within that bound.
    """
    if not slug:
        return None
    copy = cache.cached("category", slug, now or utcnow(), lambda: _category_copy(slug))
    return cache.attach(copy) if copy is not None else None


def _category_copy(slug: str) -> Category | None:
    row = db.session.scalar(select(Category).where(Category.slug == slug, Category.active))
    return cache.detached_copy(row) if row is not None else None


def _check_int(value, low: int, high: int, name: str, errors: dict, required: bool) -> int | None:
    if value is None or value == "":
        if required:
            errors[name] = _l("Choose a rating from %(low)d to %(high)d.", low=low, high=high)
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        errors[name] = _l("Must be a whole number from %(low)d to %(high)d.", low=low, high=high)
        return None
    if not low <= value <= high:
        errors[name] = _l("Must be between %(low)d and %(high)d.", low=low, high=high)
        return None
    return value


def submit_rating(
    customer: User,
    *,
    csat,
    nps=None,
    category: Category | None = None,
    comment: str = "",
    urgent: bool = False,
    channel: Channel = Channel.DASHBOARD,
    now: datetime | None = None,
) -> Feedback:
    """Store a rating; if the routing rules call it negative, open its follow-up in the same transaction."""
    errors: dict[str, str] = {}
    csat = _check_int(csat, CSAT_MIN, CSAT_MAX, "csat", errors, required=True)
    nps = _check_int(nps, NPS_MIN, NPS_MAX, "nps", errors, required=False)
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        errors["comment"] = _l("Keep the comment under %(limit)d characters.", limit=MAX_COMMENT)
    if errors:
        raise FeedbackError(errors)
    return store_rating(
        customer,
        csat=csat,
        nps=nps,
        category=category,
        comment=comment,
        urgent=urgent,
        channel=channel,
        now=now or utcnow(),
    )


def store_rating(
    customer: User,
    *,
    csat: int | None,
    nps: int | None,
    category: Category | None,
    comment: str,
    urgent: bool,
    channel: Channel,
    now: datetime,
) -> Feedback:
    """Store an already validated rating and route it (perhaps opening a follow-up); the receipt follows."""
    rules = cached_rules(now)
    # The plan costs a query: read only while some rule or policy depends on it.
    plan = _plan_of(customer) if rules_use_plans(rules) or uses_plans(now) else None
    signal = Signal(
        csat=csat, nps=nps, urgent=bool(urgent), category_id=category.id if category else None, plan=plan
    )
    routed = _workable(route(rules, signal))
    feedback = Feedback(
        customer=customer,
        customer_id=customer.id,
        kind=FeedbackKind.RATING,
        channel=channel,
        csat=csat,
        nps=nps,
        category=category,
        category_id=category.id if category else None,
        comment=comment,
        urgent=bool(urgent),
        created_at=now,
        followup=None,  # known to have none yet: reading it must not query
    )
    followup = None
    if routed is not None:
        policy, policy_id = policy_for_new(routed.priority, plan, routed.team_id, now)
        followup = new_followup(feedback, routed, now, policy, policy_id)
    insert_rating(feedback, followup)
    acknowledge_later()  # the receipt mail goes from the worker, see receipts.py
    return feedback


def _plan_of(customer: User) -> Plan | None:
    return db.session.scalar(select(CustomerAccount.plan).where(CustomerAccount.user_id == customer.id))


def _workable(routed: Outcome | None) -> Outcome | None:
    """``routed`` without its assignee when that person can no longer take cases (deactivated, or
    no longer staff since the rule was written): the case goes to the team instead."""
    if routed is None or routed.assignee_id is None:
        return routed
    person = db.session.get(User, routed.assignee_id)
    if person is not None and person.active and person.is_staff:
        return routed
    return replace(routed, assignee_id=None)


def set_mail_preferences(customer: User, *, optional_mail: bool) -> None:
    """Turn optional mail on or off. Mail about the customer's own cases always goes."""
    customer.optional_mail = bool(optional_mail)
    db.session.flush()
