"""Demo subscriptions agree with the demo accounts and show upgrades, lapses and renewals."""

import time

from sqlalchemy import select

from feedback.auth.models import CustomerAccount
from feedback.demo.generator import generate_demo
from feedback.extensions import db
from feedback.lifecycle.models import EventKind, Subscription, SubscriptionEvent, SubscriptionStatus
from tests.conftest import T0


def test_demo_subscriptions_match_the_accounts(app):
    started = time.perf_counter()
    generate_demo(60, seed=3, now=T0)
    print(f"\ndemo of 60 customers in {time.perf_counter() - started:.1f} s")
    subs = {s.customer_id: s for s in db.session.scalars(select(Subscription))}
    accounts = db.session.scalars(select(CustomerAccount)).all()
    assert len(subs) == len(accounts) == 60
    for account in accounts:
        sub = subs[account.user_id]
        assert (sub.plan, sub.monthly_price, sub.started_on) == (
            account.plan,
            account.monthly_price,
            account.signup_date,
        )
        if account.renewal_date <= T0.date():
            assert (sub.status, sub.ended_on) == (SubscriptionStatus.LAPSED, account.renewal_date)
        else:
            assert (sub.status, sub.renews_on) == (SubscriptionStatus.ACTIVE, account.renewal_date)
    kinds = set(db.session.scalars(select(SubscriptionEvent.kind)))
    assert {EventKind.STARTED, EventKind.RENEWED, EventKind.UPGRADED, EventKind.LAPSED} <= kinds
