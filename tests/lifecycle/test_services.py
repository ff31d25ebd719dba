"""Recording subscription events: idempotence, order, transitions and the account kept in sync."""

from datetime import date
from decimal import Decimal

import pytest

from feedback.auth.models import Plan
from feedback.core.dates import add_months
from feedback.extensions import db
from feedback.lifecycle.models import EventKind, Subscription, SubscriptionEvent, SubscriptionStatus
from feedback.lifecycle.services import EventConflict, LifecycleError, record_event
from tests.conftest import T0

K = EventKind


def rec(customer, kind, day, plan=None, price=None, *, key, sid="S1", cycle=None):
    event, new = record_event(
        customer,
        sid,
        kind,
        date.fromisoformat(day),
        plan,
        None if price is None else Decimal(price),
        cycle_months=cycle,
        source_key=key,
        now=T0,
    )
    db.session.commit()
    return event, new


def subscription(sid="S1") -> Subscription:
    return db.session.scalar(db.select(Subscription).where(Subscription.external_id == sid))


def test_start_creates_the_subscription_and_syncs_the_account(make):
    ada = make.customer()
    event, new = rec(ada, K.STARTED, "2025-01-15", Plan.VPS, "39.00", key="k1", cycle=12)
    assert new and event.plan == Plan.VPS and event.from_plan is None
    sub = subscription()
    assert (sub.status, sub.plan, sub.cycle_months) == (SubscriptionStatus.ACTIVE, Plan.VPS, 12)
    assert sub.renews_on == date(2026, 1, 15)
    account = ada.account
    assert (account.plan, account.monthly_price) == (Plan.VPS, Decimal("39.00"))
    assert (account.signup_date, account.renewal_date) == (date(2025, 1, 15), date(2026, 1, 15))


def test_same_key_twice_changes_nothing_and_different_content_is_refused(make):
    ada = make.customer()
    first, _ = rec(ada, K.STARTED, "2025-01-15", Plan.SHARED, "9.90", key="k1")
    again, new = rec(ada, K.STARTED, "2025-01-15", Plan.SHARED, "9.90", key="k1")
    assert (again.id, new) == (first.id, False)
    assert db.session.scalar(db.select(db.func.count()).select_from(SubscriptionEvent)) == 1
    with pytest.raises(EventConflict, match="different content"):
        rec(ada, K.STARTED, "2025-01-16", Plan.SHARED, "9.90", key="k1")


def test_events_arriving_out_of_order_give_the_same_state(make):
    ada = make.customer()
    rec(ada, K.STARTED, "2025-01-10", Plan.SHARED, "9.90", key="a")
    rec(ada, K.UPGRADED, "2025-09-01", Plan.DEDICATED, "149.00", key="c")
    # Arrives late, but happened before the upgrade to dedicated.
    rec(ada, K.UPGRADED, "2025-05-01", Plan.VPS, "39.00", key="b")
    events = subscription().events
    assert [(e.kind, e.from_plan, e.plan) for e in events] == [
        (K.STARTED, None, Plan.SHARED),
        (K.UPGRADED, Plan.SHARED, Plan.VPS),
        (K.UPGRADED, Plan.VPS, Plan.DEDICATED),
    ]
    assert ada.account.plan == Plan.DEDICATED


def test_a_late_event_that_breaks_later_history_is_refused(make):
    ada = make.customer()
    rec(ada, K.STARTED, "2025-01-10", Plan.SHARED, "9.90", key="a")
    rec(ada, K.UPGRADED, "2025-09-01", Plan.VPS, "39.00", key="b")
    with pytest.raises(LifecycleError, match="conflicts with the recorded upgraded"):
        rec(ada, K.UPGRADED, "2025-05-01", Plan.DEDICATED, "149.00", key="c")
    db.session.rollback()
    assert len(subscription().events) == 2


@pytest.mark.parametrize(
    "kind, plan, message",
    [
        (K.UPGRADED, Plan.SHARED, "higher plan tier"),
        (K.DOWNGRADED, Plan.DEDICATED, "lower plan tier"),
        (K.RENEWED, Plan.DEDICATED, "cannot change the plan"),
        (K.STARTED, Plan.VPS, "already started"),
    ],
)
def test_impossible_transitions(make, kind, plan, message):
    ada = make.customer()
    rec(ada, K.STARTED, "2025-01-10", Plan.VPS, "39.00", key="a")
    with pytest.raises(LifecycleError, match=message):
        rec(ada, kind, "2025-06-01", plan, "10.00", key="b")


def test_no_renewal_or_cancellation_of_a_missing_or_ended_subscription(make):
    ada = make.customer()
    with pytest.raises(LifecycleError, match="does not exist yet"):
        rec(ada, K.RENEWED, "2025-02-10", key="r0")
    rec(ada, K.STARTED, "2025-01-10", Plan.SHARED, "9.90", key="a")
    rec(ada, K.CANCELLED, "2025-03-01", key="c")
    with pytest.raises(LifecycleError, match="ended"):
        rec(ada, K.RENEWED, "2025-04-10", key="r1")


def test_future_dates_and_missing_plan_are_refused(make):
    ada = make.customer()
    with pytest.raises(LifecycleError, match="future"):
        rec(ada, K.STARTED, "2027-01-01", Plan.SHARED, "9.90", key="a")
    with pytest.raises(LifecycleError, match="needs the plan"):
        rec(ada, K.STARTED, "2025-01-01", key="a")


def test_renewals_lapse_and_the_account(make):
    ada = make.customer()
    rec(ada, K.STARTED, "2024-03-01", Plan.SHARED, "9.90", key="a", cycle=12)
    rec(ada, K.RENEWED, "2025-03-01", price="10.90", key="b")
    sub = subscription()
    assert (sub.renews_on, sub.monthly_price) == (date(2026, 3, 1), Decimal("10.90"))
    assert ada.account.renewal_date == date(2026, 3, 1)
    rec(ada, K.LAPSED, "2026-03-01", key="c")
    sub = subscription()
    assert (sub.status, sub.ended_on, sub.renews_on) == (SubscriptionStatus.LAPSED, date(2026, 3, 1), None)
    assert ada.account.renewal_date == date(2026, 3, 1)


def test_account_shows_the_highest_active_tier_and_earliest_signup(make):
    ada = make.customer()
    rec(ada, K.STARTED, "2024-06-01", Plan.SHARED, "9.90", key="a", sid="S1")
    rec(ada, K.STARTED, "2025-02-01", Plan.VPS, "39.00", key="b", sid="S2")
    assert (ada.account.plan, ada.account.signup_date) == (Plan.VPS, date(2024, 6, 1))
    rec(ada, K.CANCELLED, "2025-08-01", key="c", sid="S2")
    assert (ada.account.plan, ada.account.monthly_price) == (Plan.SHARED, Decimal("9.90"))


def test_a_service_of_another_customer_is_refused(make):
    ada, bob = make.customer(), make.customer()
    rec(ada, K.STARTED, "2025-01-10", Plan.SHARED, "9.90", key="a")
    with pytest.raises(LifecycleError, match="another customer"):
        rec(bob, K.RENEWED, "2025-02-10", key="b")


def test_add_months_clamps_to_the_month_end():
    assert add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert add_months(date(2024, 11, 30), 3) == date(2025, 2, 28)


def test_due_dates_count_from_the_start_so_month_ends_do_not_drift(make):
    ada = make.customer()
    rec(ada, K.STARTED, "2025-01-31", Plan.SHARED, "9.90", key="a", cycle=1)
    rec(ada, K.RENEWED, "2025-02-28", key="b")
    assert subscription().renews_on == date(2025, 3, 31)
    rec(ada, K.RENEWED, "2025-04-02", key="c")  # paid two days late: still due on the 30th
    assert subscription().renews_on == date(2025, 4, 30)
