"""The page ranks stored facts (customer_risk): after any kind of write following a view, the next
view lists what the live statement (itself checked against the rule in Python) lists."""

import random
from datetime import date, timedelta

import pytest
from sqlalchemy import event, literal, select
from sqlalchemy.orm import Session

from feedback.auth.models import Role
from feedback.extensions import db
from feedback.followups.jobs import sweep
from feedback.followups.models import FollowupStatus
from feedback.lifecycle.imports import import_subscriptions
from feedback.lifecycle.models import SubscriptionStatus
from feedback.renewals import ranking, store
from feedback.renewals.models import CustomerRisk
from feedback.renewals.paging import at_risk_page
from feedback.renewals.queries import at_risk
from feedback.renewals.ranking import ranked, refresh
from feedback.surveys.services import submit_rating
from tests.conftest import T0
from tests.factories import csv_bytes, query_plan

from .conftest import case, customer_renewing, rate, subscribe
from .test_queue_at_volume import _random_customers, _raw


def paged(now=T0, days=30):
    return at_risk_page(now, days, page=1, per_page=1000).items


def live(now=T0, days=30):
    return list(db.session.scalars(at_risk(now, days)))


def ids(rows):
    return [r.customer_id for r in rows]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_stored_ranking_equals_the_live_rule(app, make, seed):
    _random_customers(make, random.Random(seed))
    for days in (7, 30, 90):
        for now in (T0, T0 - timedelta(days=20), T0 + timedelta(days=3)):
            rows = paged(now, days)
            assert rows == live(now, days), (days, now)
            shown = [
                (r.renews_on, r.customer_id, r.risk, r.latest_nps, r.lowest_csat, r.open_followup_id)
                for r in rows
            ]
            assert shown == _raw(now, days), (days, now)  # the rule computed row by row in Python


@pytest.fixture
def viewed(app, make):
    """Customers with each kind of signal, and a first view that stored them all."""
    people = {}
    people["sub"] = make.customer("By subscription")
    people["sub_row"] = subscribe(people["sub"], renews_in=5, price="30.00")
    rate(people["sub"], nps=2, days_ago=10)
    people["account"] = customer_renewing(make, 20, name="By account", price="50.00")
    rate(people["account"], csat=1, days_ago=30)
    people["open"] = customer_renewing(make, 12, name="Open case", price="70.00")
    people["case"] = case(people["open"])
    people["calm"] = customer_renewing(make, 8, name="Calm", price="90.00")
    rate(people["calm"], csat=5, nps=10)
    assert ids(paged()) == ids(live()) and len(live()) == 3
    assert db.session.scalar(select(db.func.count()).where(CustomerRisk.stale.is_(True))) == 0
    return people


def _check():
    assert paged() == live()


def test_a_new_low_rating(viewed):
    rate(viewed["calm"], csat=1, days_ago=0)
    assert "Calm" in [r.name for r in paged()]
    _check()


def test_a_rating_through_the_rating_write_marks_its_customer(viewed):
    # submit_rating goes round the ORM flush (surveys/rating_write.py): no flush hook sees it.
    submit_rating(viewed["calm"], csat=1, now=T0)
    db.session.commit()
    assert "Calm" in [r.name for r in paged()]
    _check()


def test_a_new_nps_answer(viewed):
    rate(viewed["sub"], nps=9, days_ago=0)  # a promoter now: no longer a detractor
    assert "By subscription" not in [r.name for r in paged()]
    _check()


def test_a_case_resolved(viewed):
    viewed["case"].status = FollowupStatus.RESOLVED
    viewed["case"].resolved_at = T0
    db.session.commit()
    assert "Open case" not in [r.name for r in paged()]
    _check()


def test_a_case_breached_by_the_sweep(viewed):
    before = {r.name: r.risk for r in paged()}
    sweep(T0 + timedelta(days=3))
    db.session.commit()
    assert viewed["case"].breached
    after = {r.name: r.risk for r in paged(T0 + timedelta(days=3))}
    assert after["Open case"] == before["Open case"] + 2
    assert paged(T0 + timedelta(days=3)) == live(T0 + timedelta(days=3))


def test_a_subscription_changed_then_ended(viewed):
    viewed["sub_row"].monthly_price = 300
    viewed["sub_row"].renews_on = T0.date() + timedelta(days=25)
    db.session.commit()
    assert paged()[0].name == "By subscription"
    _check()
    viewed["sub_row"].status = SubscriptionStatus.CANCELLED
    viewed["sub_row"].renews_on = None
    db.session.commit()
    assert "By subscription" not in [r.name for r in paged()]
    _check()


def test_the_account_renewal_date_edited(viewed):
    viewed["account"].account.renewal_date = T0.date() + timedelta(days=45)
    db.session.commit()
    assert "By account" not in [r.name for r in paged()]
    _check()


def test_a_customer_deactivated(viewed):
    viewed["open"].active = False
    db.session.commit()
    assert "Open case" not in [r.name for r in paged()]
    _check()


def test_a_login_that_stops_being_a_customer(viewed):
    viewed["open"].role = Role.STAFF
    db.session.commit()
    assert "Open case" not in [r.name for r in paged()]
    _check()
    assert not ranking._any_due(T0)  # stored, not due at every view


def test_a_subscription_import(viewed):
    email = viewed["account"].email
    rows = [
        f"{email},7001,Dedicated Server XL,started,2025-03-05,149.00,Monthly",
        f"{email},7001,Dedicated Server XL,renewed,2026-02-05,149.00,Monthly",
    ]
    assert import_subscriptions(csv_bytes(*rows), T0).applied
    db.session.commit()
    (row,) = [r for r in paged() if r.name == "By account"]
    assert (row.revenue, row.renews_on) == (149, date(2026, 3, 5))
    _check()


def test_a_new_customer_is_stored_at_the_next_view(viewed, make):
    rate(customer_renewing(make, 3, name="Newcomer"), nps=0)
    assert "Newcomer" in [r.name for r in paged()]
    _check()


def test_without_the_hook_the_stored_ranking_goes_wrong(viewed):
    event.remove(Session, "after_flush", store._after_flush)
    try:
        rate(viewed["calm"], csat=1, days_ago=0)
        assert "Calm" not in [r.name for r in paged()]  # the stored row was never marked
        assert paged() != live()
    finally:
        store.register()
    store.mark_all_stale(db.session.connection())  # as ``flask renewals rebuild-risk`` does
    _check()


def test_a_refresh_leaves_stale_a_row_a_later_write_marked(viewed, monkeypatch):
    customer = viewed["calm"]
    store.mark_stale(db.session.connection(), [customer.id])
    seen = db.session.scalar(select(CustomerRisk.version).where(CustomerRisk.customer_id == customer.id))
    store.mark_stale(db.session.connection(), [customer.id])  # a write the refresh's snapshot missed
    # The refresh as it runs with a snapshot taken between the two writes: it read version ``seen``.
    monkeypatch.setattr(
        ranking,
        "_due",
        lambda now: select(CustomerRisk.customer_id, literal(seen).label("version")).where(
            CustomerRisk.stale.is_(True)
        ),
    )
    assert refresh(T0) == 0
    row = db.session.get(CustomerRisk, customer.id)
    db.session.refresh(row)
    assert (row.stale, row.version) == (True, seen + 1)


def test_the_rebuild_command_marks_everyone(viewed, runner):
    result = runner.invoke(args=["renewals", "rebuild-risk"])
    assert "customers marked" in result.output, result.output
    assert db.session.scalar(select(db.func.count()).where(CustomerRisk.stale.is_(False))) == 0
    _check()


def test_the_page_reads_the_stored_ranking_through_its_indexes(app, make):
    rate(customer_renewing(make, 3), nps=0)
    plan = query_plan(ranked(T0, 30))
    assert "ix_customer_risk_renews_on" in plan, plan
    if db.session.get_bind().dialect.name == "postgresql":  # SQLite scans the (small) table for the OR
        due = query_plan(ranking._due(T0))
        assert "ix_customer_risk_stale" in due, due
        assert "Seq Scan" not in plan and "Seq Scan" not in due
