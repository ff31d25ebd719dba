"""Who is on the renewal-at-risk queue, why, and in which order."""

from datetime import timedelta
from decimal import Decimal

from feedback.auth.models import Plan
from feedback.extensions import db
from feedback.lifecycle.models import SubscriptionStatus
from feedback.renewals.queries import at_risk, risk_for, window_from
from feedback.renewals.services import open_proactive_followup
from tests.conftest import T0

from .conftest import case, customer_renewing, rate, subscribe


def listed(within_days=30, now=T0):
    return list(db.session.scalars(at_risk(now, within_days)))


def names(within_days=30, now=T0):
    return [row.name for row in listed(within_days, now)]


def test_lists_customers_renewing_within_the_window_with_a_risk_signal(app, make):
    by_sub = make.customer("By subscription")
    subscribe(by_sub, renews_in=5, price="30.00")
    rate(by_sub, nps=2, days_ago=10)
    by_account = customer_renewing(make, 20, name="By account")
    rate(by_account, csat=1, days_ago=30)
    today = customer_renewing(make, 0, name="Renews today")
    case(today)

    happy = make.customer("Happy")
    subscribe(happy, renews_in=5)
    rate(happy, csat=5, nps=10)
    later = make.customer("Later")
    subscribe(later, renews_in=45)
    rate(later, nps=0)
    churned = customer_renewing(make, 10, name="Churned")  # the account still names a date …
    subscribe(churned, renews_in=None, status=SubscriptionStatus.CANCELLED)  # … but they left
    rate(churned, nps=1)
    old_low = customer_renewing(make, 10, name="Old low rating")
    rate(old_low, csat=1, days_ago=91)
    recovered = customer_renewing(make, 10, name="Recovered")
    rate(recovered, nps=2, days_ago=50)
    rate(recovered, nps=8, days_ago=2)  # the latest NPS answer counts: passive now
    past = customer_renewing(make, -1, name="Past renewal")
    rate(past, nps=0)
    old_breach = customer_renewing(make, 10, name="Old breach")
    case(old_breach, days_ago=181, breached=True, resolved=True)
    inactive = customer_renewing(make, 10, name="Deactivated")
    rate(inactive, nps=0)
    inactive.active = False
    db.session.commit()

    assert sorted(names(30)) == ["By account", "By subscription", "Renews today"]
    assert sorted(names(7)) == ["By subscription", "Renews today"]
    assert "Later" in names(60)


def test_reasons_risk_and_days_left(app, make):
    everything = make.customer("Everything", email="all@example.test")
    subscribe(everything, renews_in=12, price="20.00", plan=Plan.VPS)
    rate(everything, csat=2, nps=4, days_ago=3)
    case(everything, days_ago=60, breached=True, resolved=True)
    case(everything, days_ago=2)

    (row,) = listed()
    assert row.email == "all@example.test"
    assert row.plan == Plan.VPS
    assert row.days_left == 12
    assert row.reasons == ("detractor", "low_csat", "breached", "open_followup")
    assert (row.latest_nps, row.lowest_csat) == (4, 2)
    assert row.risk == 3 + 2 + 2 + 1
    assert row.revenue == Decimal("20.00")
    assert row.priority == Decimal("160.00")


def test_ordered_by_revenue_times_risk_then_nearest_renewal(app, make):
    big_open = customer_renewing(make, 12, price="100.00", name="Big, open case")  # 100 × 1
    case(big_open)
    small_angry = customer_renewing(make, 20, price="20.00", name="Small, angry")  # 20 × (3 + 2) = 100
    rate(small_angry, csat=1, nps=0)
    mid_low = customer_renewing(make, 5, price="50.00", name="Mid, low CSAT")  # 50 × 2 = 100, renews first
    rate(mid_low, csat=2)
    two_services = make.customer("Two services")  # (15 + 25) × 3 = 120
    subscribe(two_services, renews_in=3, price="15.00", plan=Plan.SHARED)
    subscribe(two_services, renews_in=200, price="25.00", plan=Plan.VPS)
    subscribe(two_services, renews_in=None, price="900.00", status=SubscriptionStatus.LAPSED)
    rate(two_services, nps=5)

    rows = listed()
    assert [r.name for r in rows] == ["Two services", "Mid, low CSAT", "Big, open case", "Small, angry"]
    assert [r.priority for r in rows] == [
        Decimal("120.00"),
        Decimal("100.00"),
        Decimal("100.00"),
        Decimal("100.00"),
    ]
    two = rows[0]
    assert (two.revenue, two.plan, two.days_left) == (Decimal("40.00"), Plan.SHARED, 3)


def test_a_proactive_case_is_not_a_signal_but_is_linked(app, make):
    staff = make.staff()
    calm = customer_renewing(make, 10, name="Calm")
    rate(calm, csat=4, nps=8)
    open_proactive_followup(calm, staff, T0)
    db.session.commit()
    assert names() == []

    worried = customer_renewing(make, 10, name="Worried")
    rate(worried, nps=3)
    fu = open_proactive_followup(worried, staff, T0)
    db.session.commit()
    (row,) = listed()
    assert row.reasons == ("detractor",)  # our own call is not held against them
    assert row.open_followup_id == fu.id


def test_risk_for_one_customer_ignores_the_window(app, make):
    far = customer_renewing(make, 300, price="9.90")
    rate(far, nps=0)
    row = risk_for(far.id, T0)
    assert (row.risk, row.days_left) == (3, 300)
    assert risk_for(make.staff().id, T0) is None


def test_window_argument(app):
    assert [window_from(v) for v in ("7", "90", "31", "x", None)] == [7, 90, 30, 30, 30]


def test_days_left_follow_now_across_calls(app, make):
    # Compiled statements are cached: "today" must not stick from the first call.
    rate(customer_renewing(make, 10), nps=0)
    assert [r.days_left for r in listed(now=T0)] == [10]
    assert [r.days_left for r in listed(now=T0 + timedelta(days=4))] == [6]
