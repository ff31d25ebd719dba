"""Demo subscriptions: each demo customer's hosting service as dated events matching their account.

Signup → started; renewals every cycle up to the account's renewal date; a renewal date in the
past → lapsed on it. Some VPS customers started on shared and upgraded after 3–11 months, a few
dedicated ones started on a VPS, and a rare shared customer downgraded from a VPS. Events go
through the lifecycle services, so the accounts come out of the same rules as an import.
"""

import random
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..auth.models import Plan, Role, User
from ..auth.services import DEFAULT_PRICES
from ..core.dates import add_months
from ..extensions import db
from ..lifecycle.models import EventKind, Subscription
from ..lifecycle.services import NewEvent, apply_events, sync_account

# final plan → (plan they started on, share of customers who did)
STARTED_ELSEWHERE = {
    Plan.VPS: (Plan.SHARED, 0.4),
    Plan.DEDICATED: (Plan.VPS, 0.25),
    Plan.SHARED: (Plan.VPS, 0.04),
}


def _months_between(start: date, end: date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month


def _events(customer: User, rng: random.Random, today: date) -> tuple[list[NewEvent], int]:
    account = customer.account
    signup, renewal, plan = account.signup_date, account.renewal_date, account.plan
    cycle = 12 if _months_between(signup, renewal) % 12 == 0 else 1
    key = f"demo:{customer.id}:"
    start_plan = plan
    change_on = None
    other, share = STARTED_ELSEWHERE[plan]
    if rng.random() < share:
        candidate = add_months(signup, rng.randint(3, 11))
        if candidate < min(renewal, today):
            start_plan, change_on = other, candidate
    events = [NewEvent(EventKind.STARTED, signup, start_plan, DEFAULT_PRICES[start_plan], key + "start")]
    if change_on:
        kind = EventKind.DOWNGRADED if plan == Plan.SHARED else EventKind.UPGRADED
        events.append(NewEvent(kind, change_on, plan, account.monthly_price, key + "change"))
    periods = 1
    while (due := add_months(signup, periods * cycle)) < renewal:
        events.append(NewEvent(EventKind.RENEWED, due, None, None, f"{key}renew{periods}"))
        periods += 1
    if renewal <= today:
        events.append(NewEvent(EventKind.LAPSED, renewal, None, None, key + "lapse"))
    return events, cycle


def create_demo_subscriptions(now: datetime, seed: int = 1) -> int:
    """One subscription per customer account that has none yet; returns how many were created."""
    rng = random.Random(seed)  # its own stream: the rest of the demo stays as it was
    has_subscription = select(Subscription.customer_id)
    customers = db.session.scalars(
        select(User)
        .where(User.role == Role.CUSTOMER, User.id.not_in(has_subscription))
        .options(selectinload(User.account))
        .order_by(User.id)
    ).all()
    created = 0
    for customer in customers:
        if customer.account is None:
            continue
        events, cycle = _events(customer, rng, now.date())
        sub, _ = apply_events(customer, None, f"demo-{customer.id}", events, cycle_months=cycle)
        sync_account(customer, [sub])
        created += 1
    db.session.flush()
    return created
