"""Stored retention months (store.py): stored + live figures equal all-live ones on random
histories, and every backdated write forgets what it changes."""

import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from feedback.auth.models import Plan
from feedback.demo.bulk import generate_bulk
from feedback.extensions import db
from feedback.followups.models import Followup
from feedback.lifecycle.imports import import_subscriptions
from feedback.lifecycle.models import Subscription
from feedback.reports.retention import metrics, store
from feedback.reports.retention import queries as q
from feedback.reports.retention.models import RetentionMonth
from feedback.surveys.models import Feedback, FeedbackKind
from tests.factories import csv_bytes

from .test_satisfaction_random import _history

START, END = date(2026, 1, 1), date(2026, 6, 30)
LATER = datetime(2026, 8, 1, 12, tzinfo=UTC)  # every month of the range has ended
MID = datetime(2026, 5, 17, 12, tzinfo=UTC)  # May is under way
HEADER = "email,service_id,product,event,date,amount,billing_cycle"


def _all_live(monkeypatch, start, end, now):
    """The report with nothing read from or written to the store."""
    with monkeypatch.context() as m:
        m.setattr(store, "load", lambda kind, months: {})
        m.setattr(store, "save", lambda kind, rows, seen: False)
        return metrics.retention_report(start, end, now=now)


def _stored() -> int:
    return db.session.scalar(select(func.count()).select_from(RetentionMonth))


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("now", [LATER, MID])
def test_stored_and_live_months_equal_all_live_ones(make, subs, monkeypatch, seed, now):
    _history(make, subs, random.Random(seed))
    end = min(END, now.date())
    expected = _all_live(monkeypatch, START, end, now)
    assert metrics.retention_report(START, end, now=now) == expected  # computes and stores
    assert _stored() > 0
    assert metrics.retention_report(START, end, now=now) == expected  # reads what it stored
    # The month under way (its start stored) equals the same month computed all at once, its
    # renewal split up to today.
    bounds = metrics.month_bounds(START, end)
    got, expected = metrics.month_figures(bounds, now.date()), metrics._raw_months(bounds)
    for (first, following), raw in zip(bounds, got, strict=True):
        if first <= now.date() < following:
            until = date.fromisoformat(raw.pop("renew_sat_until"))
            assert until == now.date() + timedelta(days=1)
            assert raw["renew_sat"] == metrics._rows(q.renewals_by_satisfaction(first, until))
            raw["renew_sat"] = expected[bounds.index((first, following))]["renew_sat"]
    assert got == expected


def test_a_range_that_cuts_months_counts_only_its_days(make, subs, monkeypatch):
    _history(make, subs, random.Random(4))
    metrics.retention_report(START, END, now=LATER)  # whole months stored
    cut = (date(2026, 2, 10), date(2026, 5, 20))
    assert metrics.retention_report(*cut, now=LATER) == _all_live(monkeypatch, *cut, LATER)


def _filled(make, subs, seed=5):
    _history(make, subs, random.Random(seed))
    metrics.retention_report(START, END, now=LATER)
    assert _stored() > 0


def _same_as_all_live(monkeypatch):
    assert metrics.retention_report(START, END, now=LATER) == _all_live(monkeypatch, START, END, LATER)


def _kept_through(day: date) -> bool:
    """Whether every stored row left depends only on facts before ``day``."""
    latest = db.session.scalar(select(func.max(RetentionMonth.valid_through)))
    return latest is None or latest <= day


def test_a_backdated_event_forgets_the_months_from_its_day(make, subs, monkeypatch):
    _filled(make, subs)
    customer = make.customer()
    sub = subs.start(customer, Plan.VPS, 50, date(2026, 2, 14))
    subs.end(sub, date(2026, 4, 3))
    assert _kept_through(date(2026, 2, 14))
    assert db.session.scalar(select(func.count()).select_from(RetentionMonth)) > 0  # January stays
    _same_as_all_live(monkeypatch)


def test_a_backdated_nps_answer_forgets_the_months_after_it(make, subs, monkeypatch):
    _filled(make, subs)
    customer = db.session.scalars(select(Subscription.customer_id)).first()
    db.session.add(
        Feedback(
            customer_id=customer,
            kind=FeedbackKind.RATING,
            csat=1,
            nps=0,
            created_at=datetime(2026, 3, 9, 8, tzinfo=UTC),
        )
    )
    db.session.flush()
    assert _kept_through(date(2026, 3, 9))
    _same_as_all_live(monkeypatch)


def test_a_rating_without_nps_forgets_nothing(make, subs):
    _filled(make, subs)
    before = _stored()
    customer = db.session.scalars(select(Subscription.customer_id)).first()
    db.session.add(
        Feedback(
            customer_id=customer,
            kind=FeedbackKind.RATING,
            csat=1,
            created_at=datetime(2026, 3, 9, tzinfo=UTC),
        )
    )
    db.session.flush()
    assert _stored() == before


def test_a_case_that_breaches_late_forgets_the_months_after_it_was_opened(make, subs, monkeypatch):
    _filled(make, subs)
    case = db.session.scalars(
        select(Followup).where(Followup.breached.is_(False)).order_by(Followup.id)
    ).first()
    case.breached = True  # the breach counts from the case's creation
    db.session.flush()
    assert _kept_through(case.created_at.date())
    _same_as_all_live(monkeypatch)


def test_an_imported_backdated_history_forgets_the_months_from_its_first_day(make, subs, monkeypatch):
    _filled(make, subs)
    customer = make.customer()
    rows = [
        f"{customer.email},9001,VPS Cloud M,started,2026-02-20,39.00,Monthly",
        f"{customer.email},9001,VPS Cloud M,renewed,2026-03-20,39.00,Monthly",
    ]
    result = import_subscriptions(csv_bytes(*rows, header=HEADER), datetime.now(UTC))
    assert result.applied and result.new_events == 2
    assert _kept_through(date(2026, 2, 20))
    _same_as_all_live(monkeypatch)


def test_a_deleted_subscription_forgets_the_months_from_its_start(make, subs, monkeypatch):
    _filled(make, subs)
    sub = db.session.scalars(select(Subscription).order_by(Subscription.started_on.desc())).first()
    started = sub.started_on
    for e in list(sub.events):
        db.session.delete(e)
    db.session.delete(sub)
    db.session.flush()
    assert _kept_through(started)
    _same_as_all_live(monkeypatch)


def test_a_subscription_change_today_forgets_the_revenue_at_stake(make, subs):
    _filled(make, subs)
    today = datetime.now(UTC).date()
    metrics.retention_report(START, today, now=datetime.now(UTC))
    stake = select(func.count()).where(RetentionMonth.kind == store.STAKE)
    assert db.session.scalar(stake) == 1
    sub = db.session.scalars(select(Subscription).order_by(Subscription.id)).first()
    sub.monthly_price = Decimal("999")
    db.session.flush()
    assert db.session.scalar(stake) == 0


def test_a_month_computed_while_a_write_invalidated_is_not_stored(app):
    seen = store.epoch()
    store.invalidate_from(date(2026, 1, 1))  # a concurrent backdated write
    assert not store.save(store.MONTH, [(date(2026, 1, 1), date(2026, 2, 1), {"x": 1})], seen)
    assert _stored() == 0
    assert store.save(store.MONTH, [(date(2026, 1, 1), date(2026, 2, 1), {"x": 1})], store.epoch())
    assert store.load(store.MONTH, [date(2026, 1, 1)]) == {date(2026, 1, 1): {"x": 1}}


def test_cli_forgets_and_fills_again(make, subs, runner):
    _filled(make, subs)
    db.session.execute(RetentionMonth.__table__.update().values(figures={"stale": True}))
    db.session.commit()
    result = runner.invoke(args=["reports", "rebuild-retention", "--months", "12"])
    assert result.exit_code == 0, result.output
    assert "retention rows stored" in result.output
    figures = db.session.scalars(select(RetentionMonth.figures)).all()
    assert figures and {"stale": True} not in figures


def test_the_bulk_loader_forgets_the_months_its_ratings_fall_in(make, subs, monkeypatch):
    _filled(make, subs)
    generate_bulk(300, seed=2, now=LATER)  # Core inserts: two years of ratings before LATER
    assert _kept_through((LATER - timedelta(days=2 * 366)).date())
    _same_as_all_live(monkeypatch)


def test_a_subscription_ended_today_keeps_the_months_that_have_ended(make, subs):
    # Ending today changes today's revenue at stake, not a month that has ended: the stored
    # months stay, however long ago the subscription started (every cancellation would empty
    # the store otherwise).
    _filled(make, subs)
    ended_months = select(func.count()).where(RetentionMonth.kind != store.STAKE)
    kept = db.session.scalar(ended_months)
    sub = db.session.scalars(
        select(Subscription).where(Subscription.ended_on.is_(None)).order_by(Subscription.started_on)
    ).first()
    assert sub.started_on < START
    subs.end(sub, datetime.now(UTC).date())
    db.session.flush()
    assert db.session.scalar(ended_months) == kept


def test_a_month_is_stored_once_its_facts_are_a_day_old(app):
    # A write dated today forgets nothing; one dated just before midnight may commit just after
    # it. So a month that ended at today's start (valid through today) is computed, not stored.
    today = datetime.now(UTC).date()
    assert not store.save(store.MONTH, [(today.replace(day=1), today, {"n": 1})], store.epoch())
    yesterday = today - timedelta(days=1)
    assert store.save(store.MONTH, [(yesterday.replace(day=1), yesterday, {"n": 1})], store.epoch())
    assert store.load(store.MONTH, [yesterday.replace(day=1)]) == {yesterday.replace(day=1): {"n": 1}}
