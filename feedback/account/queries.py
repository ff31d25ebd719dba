"""Reads for the profile: a customer's own hosting services, from the billing data."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from ..auth.models import CustomerAccount, Plan, User
from ..extensions import db
from ..lifecycle.models import Subscription, SubscriptionStatus


@dataclass(frozen=True)
class Service:
    """One hosting service as its customer sees it."""

    plan: Plan
    monthly_price: Decimal
    renews_on: date | None
    server: str | None


def services_of(user: User) -> list[Service]:
    """The active services of ``user`` (a customer; the query is scoped to their id), the next
    renewal first.

    Each active subscription the billing import or API recorded; without any, the hosting
    account itself (plan, price, renewal date). Empty when billing knows nothing of them yet (a
    self-service sign-up not matched). The server is the account's: subscriptions carry none.
    """
    account = db.session.get(CustomerAccount, user.id)
    server = account.server if account is not None else None
    rows = db.session.execute(
        select(Subscription.plan, Subscription.monthly_price, Subscription.renews_on)
        .where(Subscription.customer_id == user.id, Subscription.status == SubscriptionStatus.ACTIVE)
        .order_by(Subscription.renews_on.is_(None), Subscription.renews_on, Subscription.id)
    ).all()
    if rows:
        return [Service(plan, price, renews_on, server) for plan, price, renews_on in rows]
    if account is None:
        return []
    return [Service(account.plan, account.monthly_price, account.renewal_date, server)]
