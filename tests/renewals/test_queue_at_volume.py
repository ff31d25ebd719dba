"""The queue at volume reads indexes, and gives what the rule says on random data: the statement
is checked against a plain Python computation of the module docstring's rule."""

import contextlib
import random
from datetime import timedelta
from decimal import Decimal

import pytest

from feedback.extensions import db
from feedback.followups.models import ACTIVE_STATUSES, Followup, FollowupStatus
from feedback.lifecycle.models import Subscription, SubscriptionStatus
from feedback.renewals.paging import at_risk_page
from feedback.renewals.queries import BREACH_DAYS, LOW_CSAT_DAYS, WEIGHTS, at_risk, risk_for
from feedback.renewals.services import ProactiveError, open_proactive_followup
from feedback.surveys.models import Feedback, FeedbackKind
from tests.conftest import T0
from tests.factories import query_plan

from .conftest import TODAY, case, customer_renewing, rate, subscribe

ENDED = (SubscriptionStatus.LAPSED, SubscriptionStatus.CANCELLED)


def _random_customers(make, rng: random.Random, n: int = 30) -> None:
    staff = make.staff()
    for i in range(n):
        if rng.random() < 0.35:
            customer = customer_renewing(
                make, rng.randint(-5, 100), price=f"{rng.randint(1, 90)}.50", name=f"C{i}"
            )
        else:
            customer = make.customer(f"C{i}")
            for _ in range(rng.randint(1, 3)):
                status = SubscriptionStatus.ACTIVE if rng.random() < 0.7 else rng.choice(ENDED)
                subscribe(customer, rng.randint(-5, 100), price=f"{rng.randint(1, 90)}.00", status=status)
        for _ in range(rng.randint(0, 4)):
            # Some ratings after "now": the queue reads the past only.
            days_ago = rng.randint(-3, 200)
            csat = rng.choice([None, 1, 2, 3, 4, 5])
            nps = rng.choice([None, 0, 3, 6, 7, 8, 9, 10])
            rate(customer, csat=csat, nps=nps, days_ago=days_ago)
        for _ in range(rng.randint(0, 2)):
            fu = case(
                customer,
                days_ago=rng.randint(-2, 240),
                breached=rng.random() < 0.5,
                resolved=rng.random() < 0.5,
            )
            if fu.status == FollowupStatus.OPEN and rng.random() < 0.3:
                fu.status = FollowupStatus.WAITING
        if rng.random() < 0.2:
            with contextlib.suppress(ProactiveError):  # already has an open case
                open_proactive_followup(customer, staff, T0)
        if rng.random() < 0.1:
            customer.active = False
        db.session.commit()


def _raw(now, within_days):
    """The rule, computed row by row in Python."""
    today, rows = now.date(), []
    feedback = db.session.scalars(db.select(Feedback)).all()
    followups = db.session.scalars(db.select(Followup)).all()
    subscriptions = db.session.scalars(db.select(Subscription)).all()
    from feedback.auth.models import Role, User

    for user in db.session.scalars(db.select(User).where(User.role == Role.CUSTOMER, User.active)):
        subs = [s for s in subscriptions if s.customer_id == user.id]
        if subs:
            renewing = [s for s in subs if s.status == SubscriptionStatus.ACTIVE and s.renews_on is not None]
            renews_on = min((s.renews_on for s in renewing), default=None)
            revenue = sum((s.monthly_price for s in renewing), Decimal(0)) if renewing else None
        else:
            renews_on, revenue = user.account.renewal_date, user.account.monthly_price
        mine = [f for f in feedback if f.customer_id == user.id and f.kind == FeedbackKind.RATING]
        answers = sorted(
            (f for f in mine if f.nps is not None and f.created_at <= now), key=lambda f: (f.created_at, f.id)
        )
        latest_nps = answers[-1].nps if answers else None
        lows = [
            f.csat
            for f in mine
            if f.csat is not None
            and f.csat <= 2
            and now - timedelta(days=LOW_CSAT_DAYS) < f.created_at <= now
        ]
        lowest = min(lows, default=None)
        cases = [fu for fu in followups if fu.customer_id == user.id]
        signal_cases = [fu for fu in cases if fu.feedback.kind != FeedbackKind.PROACTIVE]
        open_ = any(fu.status in ACTIVE_STATUSES for fu in signal_cases)
        breached = any(
            fu.breached and now - timedelta(days=BREACH_DAYS) < fu.created_at <= now for fu in signal_cases
        )
        open_id = min((fu.id for fu in cases if fu.status in ACTIVE_STATUSES), default=None)
        detractor = latest_nps is not None and latest_nps <= 6
        risk = (
            detractor * WEIGHTS["detractor"]
            + (lowest is not None) * WEIGHTS["low_csat"]
            + breached * WEIGHTS["breached"]
            + open_ * WEIGHTS["open_followup"]
        )
        if renews_on is None or not today <= renews_on <= today + timedelta(days=within_days) or not risk:
            continue
        priority = (revenue or Decimal(0)) * risk
        rows.append((-priority, renews_on, user.id, risk, latest_nps, lowest, open_id))
    return [row[1:] for row in sorted(rows)]


def _listed(now, within_days):
    return [
        (r.renews_on, r.customer_id, r.risk, r.latest_nps, r.lowest_csat, r.open_followup_id)
        for r in db.session.scalars(at_risk(now, within_days))
    ]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_queue_equals_the_rule_computed_row_by_row(app, make, seed):
    _random_customers(make, random.Random(seed))
    for days in (7, 30, 90):
        for now in (T0, T0 - timedelta(days=20)):
            assert _listed(now, days) == _raw(now, days), (days, now)
    assert _raw(T0, 90), "the random data lists someone"


def test_one_pass_pages_carry_the_whole_total(app, make):
    _random_customers(make, random.Random(4), n=25)
    everyone = [r.customer_id for r in db.session.scalars(at_risk(T0, 90))]
    assert len(everyone) > 4
    pages = [at_risk_page(T0, 90, page=n, per_page=3) for n in (1, 2)]
    assert [p.total for p in pages] == [len(everyone)] * 2
    assert [r.customer_id for p in pages for r in p.items] == everyone[:6]
    past = at_risk_page(T0, 90, page=50, per_page=3)
    assert (past.items, past.total) == ([], len(everyone))
    empty = at_risk_page(T0 - timedelta(days=3000), 7, page=1, per_page=3)
    assert (empty.items, empty.total) == ([], 0)


def test_risk_for_agrees_with_the_queue(app, make):
    _random_customers(make, random.Random(5), n=20)
    for row in db.session.scalars(at_risk(T0, 90)):
        assert risk_for(row.customer_id, T0) == row


def test_the_queue_reads_the_renewal_and_signal_indexes(app, make):
    subscribe(customer_renewing(make, 3), 4)
    plan = query_plan(at_risk(T0, 30))

    for index in (
        "ix_subscriptions_status_renews",  # who renews in the window …
        "ix_customer_accounts_renewal_date",  # … by subscription or by account
        "ix_feedback_customer_nps",  # the latest NPS answer
        "ix_feedback_customer_low_csat",  # a low CSAT in the last 90 days
        "ix_followups_customer_breached",  # a breach in the last 180 days …
        "ix_feedback_proactive",  # … of a case the customer's own feedback opened
    ):
        assert index in plan, (index, plan)
    assert "Seq Scan on feedback" not in plan and "SCAN feedback" not in plan.replace(
        "SCAN feedback USING", ""
    )
    assert "Seq Scan on followups" not in plan, plan


def test_a_breached_proactive_case_is_not_a_signal(app, make):
    customer = customer_renewing(make, 10, name="Called")
    fu = open_proactive_followup(customer, make.staff(), T0 - timedelta(days=5))
    fu.breached = True
    fu.status = FollowupStatus.RESOLVED
    db.session.commit()
    assert list(db.session.scalars(at_risk(T0, 30))) == []
    case(customer, days_ago=4, breached=True, resolved=True)  # one of their own: a signal
    (row,) = db.session.scalars(at_risk(T0, 30))
    assert row.reasons == ("breached",)


def test_the_window_starts_today(app, make):
    renews_today = customer_renewing(make, 0, name="Today")
    rate(renews_today, nps=0)
    assert [r.name for r in db.session.scalars(at_risk(T0, 7))] == ["Today"]
    assert T0.date() == TODAY
