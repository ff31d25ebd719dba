"""Subscriptions and their events, inserted directly and kept consistent with each other."""

import itertools
from datetime import date
from decimal import Decimal

from feedback.auth.models import Plan, User
from feedback.extensions import db
from feedback.lifecycle.models import EventKind, Subscription, SubscriptionEvent, SubscriptionStatus

TIERS = [Plan.SHARED, Plan.VPS, Plan.DEDICATED]
_keys = itertools.count(1)


class Subs:
    """``subs.start(customer, Plan.SHARED, 10, date(...))``, then ``renew``, ``change``, ``end``."""

    def _event(self, sub: Subscription, kind: EventKind, on: date, from_plan: Plan | None = None):
        n = next(_keys)
        db.session.add(
            SubscriptionEvent(
                subscription=sub,
                customer_id=sub.customer_id,
                kind=kind,
                occurred_on=on,
                plan=sub.plan,
                from_plan=from_plan,
                monthly_price=sub.monthly_price,
                source_key=f"test:{n}",
            )
        )
        db.session.flush()

    def start(self, customer: User, plan: Plan, price, on: date, cycle_months: int = 1) -> Subscription:
        sub = Subscription(
            customer_id=customer.id,
            external_id=f"svc-{next(_keys)}",
            plan=plan,
            monthly_price=Decimal(str(price)),
            cycle_months=cycle_months,
            status=SubscriptionStatus.ACTIVE,
            started_on=on,
            renews_on=on,
        )
        db.session.add(sub)
        db.session.flush()
        self._event(sub, EventKind.STARTED, on)
        return sub

    def renew(self, sub: Subscription, on: date, renews_on: date | None = None) -> Subscription:
        sub.renews_on = renews_on or on
        self._event(sub, EventKind.RENEWED, on)
        return sub

    def change(self, sub: Subscription, plan: Plan, price, on: date) -> Subscription:
        before = sub.plan
        kind = EventKind.UPGRADED if TIERS.index(plan) > TIERS.index(before) else EventKind.DOWNGRADED
        sub.plan, sub.monthly_price = plan, Decimal(str(price))
        self._event(sub, kind, on, from_plan=before)
        return sub

    def end(self, sub: Subscription, on: date, lapsed: bool = False) -> Subscription:
        sub.status = SubscriptionStatus.LAPSED if lapsed else SubscriptionStatus.CANCELLED
        sub.ended_on, sub.renews_on = on, None
        self._event(sub, EventKind.LAPSED if lapsed else EventKind.CANCELLED, on)
        return sub
