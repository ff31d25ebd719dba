"""Satisfaction vs retention against a raw computation in Python, on random histories.

The SQL computes each customer's latest NPS band once per row (not once per CASE branch); these
tests pin that the figures are still exactly the rule's: latest NPS answer strictly before the
instant, ties broken by the later id, no answer = "none"; breached = a breached case opened before.
"""

import random
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest

from feedback.auth.models import Plan
from feedback.core.scales import nps_band
from feedback.extensions import db
from feedback.followups.models import Followup, FollowupStatus, Priority
from feedback.lifecycle.models import EventKind, Subscription, SubscriptionEvent, SubscriptionStatus
from feedback.reports.retention import queries as q
from feedback.reports.retention.metrics import month_bounds
from feedback.surveys.models import Feedback, FeedbackKind

START, END = date(2026, 1, 1), date(2026, 6, 30)
PLANS = [Plan.SHARED, Plan.VPS, Plan.DEDICATED]


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _history(make, subs, rng: random.Random) -> None:
    """Customers with one or two subscriptions, NPS answers (some on a month's first instant, some
    tied in time) and breached or met cases, all around the report's range."""
    base = _midnight(date(2025, 10, 1))
    for _ in range(14):
        customer = make.customer()
        for _ in range(rng.randint(1, 2)):
            day = date(2025, 10, 1) + timedelta(days=rng.randint(0, 200))
            sub = subs.start(customer, rng.choice(PLANS), rng.choice([10, 30, 100]), day)
            while rng.random() < 0.7:
                day += timedelta(days=rng.randint(15, 45))
                if rng.random() < 0.25:
                    subs.end(sub, day, lapsed=rng.random() < 0.5)
                    break
                subs.renew(sub, day, day + timedelta(days=30))
        for _ in range(rng.randint(0, 5)):
            if rng.random() < 0.3:  # exactly at a month's start: not "before" it
                at = _midnight(date(2026, rng.randint(1, 6), 1))
            else:
                at = base + timedelta(hours=rng.randint(0, 24 * 270))
            nps = rng.choice([None, *range(11)])
            fb = Feedback(customer_id=customer.id, kind=FeedbackKind.RATING, csat=3, nps=nps, created_at=at)
            db.session.add(fb)
            if rng.random() < 0.3:  # a second answer at the same instant: the later id wins
                db.session.add(
                    Feedback(
                        customer_id=customer.id,
                        kind=FeedbackKind.RATING,
                        csat=3,
                        nps=rng.randint(0, 10),
                        created_at=at,
                    )
                )
            db.session.flush()
            if rng.random() < 0.4:
                opened = at + timedelta(hours=rng.randint(0, 48))
                db.session.add(
                    Followup(
                        feedback_id=fb.id,
                        customer_id=customer.id,
                        priority=Priority.NORMAL,
                        status=FollowupStatus.RESOLVED,
                        created_at=opened,
                        attention_since=opened,
                        first_response_due=opened,
                        resolution_due=opened,
                        breached=rng.random() < 0.5,
                    )
                )
    db.session.commit()


def _facts():
    ratings = db.session.execute(
        db.select(Feedback.customer_id, Feedback.created_at, Feedback.id, Feedback.nps).where(
            Feedback.nps.isnot(None)
        )
    ).all()
    breaches = db.session.execute(
        db.select(Followup.customer_id, Followup.created_at).where(Followup.breached.is_(True))
    ).all()
    subscriptions = db.session.scalars(db.select(Subscription)).all()
    events = db.session.scalars(db.select(SubscriptionEvent)).all()

    def band(customer_id, before):
        given = [
            (r.created_at, r.id, r.nps)
            for r in ratings
            if r.customer_id == customer_id and r.created_at < before
        ]
        return nps_band(max(given)[2]) if given else "none"

    def breached(customer_id, before):
        return any(b.customer_id == customer_id and b.created_at < before for b in breaches)

    return band, breached, subscriptions, events


def _active(sub, day):
    return sub.started_on < day and (sub.ended_on is None or sub.ended_on >= day)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_satisfaction_split_and_mrr_equal_a_raw_computation(make, subs, seed):
    _history(make, subs, random.Random(seed))
    band, breached, subscriptions, events = _facts()
    bounds = month_bounds(START, END)

    churn = Counter()
    for m, n in bounds:
        for customer_id in {s.customer_id for s in subscriptions if _active(s, m)}:
            key = (band(customer_id, _midnight(m)), breached(customer_id, _midnight(m)))
            gone = not any(_active(s, n) for s in subscriptions if s.customer_id == customer_id)
            churn[key] += 1
            churn[(*key, "churned")] += gone
    got = {(b, bool(x)): (int(n), int(c)) for b, x, n, c in q.churn_by_satisfaction(bounds)}
    assert got == {k: (v, churn[(*k, "churned")]) for k, v in churn.items() if len(k) == 2}

    until = bounds[-1][1]
    decisions = Counter()
    for e in events:
        if (
            e.kind in (EventKind.RENEWED, EventKind.CANCELLED, EventKind.LAPSED)
            and START <= e.occurred_on < until
        ):
            key = (
                band(e.customer_id, _midnight(e.occurred_on)),
                breached(e.customer_id, _midnight(e.occurred_on)),
            )
            decisions[key] += 1
            decisions[(*key, "renewed")] += e.kind == EventKind.RENEWED
    got = {(b, bool(x)): (int(n), int(r)) for b, x, n, r in q.renewals_by_satisfaction(START, until)}
    assert got == {k: (v, decisions[(*k, "renewed")]) for k, v in decisions.items() if len(k) == 2}

    mrr = {}
    for i, (m, _n) in enumerate(bounds):
        for sub in subscriptions:
            if _active(sub, m):
                before = [
                    (e.occurred_on, e.id, e.monthly_price)
                    for e in events
                    if e.subscription_id == sub.id and e.occurred_on < m
                ]
                count, total = mrr.get(i, (0, Decimal(0)))
                mrr[i] = (count + 1, total + (max(before)[2] if before else 0))
    got = {int(i): (int(n), Decimal(t).quantize(Decimal("0.01"))) for i, n, t in q.mrr_at_start(bounds)}
    assert got == {i: (n, t.quantize(Decimal("0.01"))) for i, (n, t) in mrr.items()}

    as_of, horizon = date(2026, 4, 1), date(2026, 6, 30)
    stake: dict[str, list] = {}
    for s in subscriptions:
        if s.status == SubscriptionStatus.ACTIVE and s.started_on <= as_of:
            row = stake.setdefault(
                band(s.customer_id, _midnight(as_of)), [set(), Decimal(0), set(), Decimal(0)]
            )
            row[0].add(s.customer_id)
            row[1] += s.monthly_price
            if s.renews_on is not None and s.renews_on <= horizon:
                row[2].add(s.customer_id)
                row[3] += s.monthly_price
    expected = {b: (len(r[0]), r[1], len(r[2]), r[3]) for b, r in stake.items()}
    got = {
        b: (int(c), Decimal(p).quantize(Decimal("0.01")), int(sc), Decimal(sp).quantize(Decimal("0.01")))
        for b, c, p, sc, sp in q.revenue_at_stake(as_of, horizon)
    }
    assert got == {
        b: (c, p.quantize(Decimal("0.01")), sc, sp.quantize(Decimal("0.01")))
        for b, (c, p, sc, sp) in expected.items()
    }
