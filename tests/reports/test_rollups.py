"""The satisfaction report, read from the rollups, equals the same figures computed from raw ratings.

Random (seeded) ratings arrive through the real services and the JSON API, some of them late
(dated days before ratings already counted), then some are edited and deleted; after each step
the report must equal a plain computation over the ``feedback`` rows.
"""

import random
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from sqlalchemy import select

from feedback.auth.models import CustomerAccount, Plan
from feedback.auth.services import create_api_token
from feedback.demo.bulk import generate_bulk
from feedback.demo.generator import HISTORY_DAYS
from feedback.extensions import db
from feedback.followups.models import Category
from feedback.ideas.services import post_idea
from feedback.reports.metrics import bucket_starts, satisfaction_report
from feedback.reports.models import RatingRollup
from feedback.reports.rollups import COUNTS, KEY, rebuild_rollups
from feedback.surveys.models import Channel, Feedback, FeedbackKind
from feedback.surveys.services import category_by_slug, submit_rating
from tests.conftest import T0

SLUGS = ["support", "billing", "uptime", None]


def _rounded(numerator: int, denominator: int, places: int):
    """The exact quotient to ``places`` decimals, halves away from zero (docs/metrics.md)."""
    value = (Decimal(numerator) / Decimal(denominator)).quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)
    return int(value) if places == 0 else float(value)


def _figures(rows: list[tuple]) -> dict:
    """Headline figures of (csat, nps) pairs, written out from the product definitions."""
    csat = [c for c, _ in rows if c is not None]
    nps = [n for _, n in rows if n is not None]
    satisfied = sum(1 for c in csat if c >= 4)
    net = sum(1 for n in nps if n >= 9) - sum(1 for n in nps if n <= 6)
    return {
        "csat": _rounded(satisfied * 100, len(csat), 1) if csat else None,
        "csat_n": len(csat),
        "nps": _rounded(net * 100, len(nps), 0) if nps else None,
        "nps_n": len(nps),
        "average": _rounded(sum(csat), len(csat), 2) if csat else None,
    }


def _of_report(part: dict) -> dict:
    return {
        "csat": part["csat"]["value"],
        "csat_n": part["csat"]["n"],
        "nps": part["nps"]["value"],
        "nps_n": part["nps"]["n"],
        "average": part["average"]["value"],
    }


def raw_figures(start: date, end: date, granularity: str) -> dict:
    """The report's figures from the raw rows: every rating in the range, grouped in Python."""
    rows = db.session.execute(
        select(Feedback.created_at, Feedback.csat, Feedback.nps, Category.name, Feedback.plan)
        .outerjoin(Category, Category.id == Feedback.category_id)
        .where(Feedback.kind == FeedbackKind.RATING)
    ).all()
    rows = [r for r in rows if start <= r.created_at.astimezone(UTC).date() <= end]
    by_category, by_plan, by_bucket = defaultdict(list), defaultdict(list), defaultdict(list)
    for r in rows:
        day = r.created_at.astimezone(UTC).date()
        bucket = day.replace(day=1) if granularity == "month" else day - timedelta(days=day.weekday())
        by_category[r.name or "Uncategorised"].append((r.csat, r.nps))
        by_plan[r.plan.value if r.plan else "none"].append((r.csat, r.nps))
        by_bucket[bucket].append((r.csat, r.nps))
    return {
        "all": _figures([(r.csat, r.nps) for r in rows]),
        "by_category": {k: _figures(v) for k, v in by_category.items()},
        "by_plan": {k: _figures(v) for k, v in by_plan.items()},
        "trend": [_figures(by_bucket[b]) for b in bucket_starts(start, end, granularity)],
    }


def report_figures(start: date, end: date, granularity: str) -> dict:
    report = satisfaction_report(start, end, granularity)
    return {
        "all": _of_report(report),
        "by_category": {c["category"]: _of_report(c) for c in report["by_category"]},
        "by_plan": {p["plan"]: _of_report(p) for p in report["by_plan"]},
        "trend": [_of_report(t) for t in report["trend"]],
    }


def assert_report_matches_raw() -> None:
    today = T0.date()
    ranges = [
        (date(2025, 12, 1), today, "month"),
        (date(2026, 1, 1), date(2026, 3, 31), "week"),
        (date(2026, 2, 10), date(2026, 2, 24), "week"),
        (date(2026, 3, 2), date(2026, 3, 2), "week"),
        (today - timedelta(days=3), today, "week"),
    ]
    for start, end, granularity in ranges:
        assert report_figures(start, end, granularity) == raw_figures(start, end, granularity), (start, end)


def rollup_table() -> dict:
    """The rollup rows that hold anything (an edit can leave a key at all zeros)."""
    rows = db.session.execute(select(RatingRollup.__table__)).all()
    return {tuple(r[:4]): tuple(r[4:]) for r in rows if any(r[4:])}


@pytest.fixture
def customers(make):
    people = [make.customer(plan=plan) for plan in (Plan.SHARED, Plan.VPS, Plan.DEDICATED, Plan.VPS)]
    orphan = make.customer()
    db.session.delete(db.session.get(CustomerAccount, orphan.id))  # rates without a hosting account
    db.session.commit()
    return [*people, orphan]


def rate_randomly(rng: random.Random, customers: list, count: int, around: datetime) -> None:
    for _ in range(count):
        when = around - timedelta(days=rng.randint(0, 60), minutes=rng.randint(0, 1439))
        submit_rating(
            rng.choice(customers),
            csat=rng.randint(1, 5),
            nps=rng.choice([None, *range(11)]),
            category=category_by_slug(rng.choice(SLUGS)),
            channel=rng.choice(list(Channel)),
            now=when,
        )
        db.session.commit()


def test_report_equals_raw_through_arrivals_late_ratings_edits_and_deletes(
    app, client, customers, monkeypatch
):
    monkeypatch.setattr("feedback.api.blueprint.utcnow", lambda: T0)  # API ratings arrive at T0
    rng = random.Random(4)
    rate_randomly(rng, customers, 150, T0)
    post_idea(customers[0], title="IPv6", description="Please", now=T0)  # an idea is not a rating
    db.session.commit()
    for customer in customers[:2]:  # the hosting-panel path: JSON API with a customer token
        token = create_api_token(customer)
        db.session.commit()
        for _ in range(5):
            body = {"csat": rng.randint(1, 5), "nps": rng.randint(0, 10), "category": rng.choice(SLUGS)}
            response = client.post(
                "/api/v1/feedback", json=body, headers={"Authorization": f"Bearer {token}"}
            )
            assert response.status_code == 201, response.get_json()
    assert_report_matches_raw()

    # Late arrivals: ratings dated weeks before ratings the rollups already hold.
    rate_randomly(rng, customers, 30, T0 - timedelta(days=45))
    assert_report_matches_raw()

    # Edits of every figure and key, some on rows whose attributes were never loaded.
    ids = list(db.session.scalars(select(Feedback.id).where(Feedback.kind == FeedbackKind.RATING)))
    categories = list(db.session.scalars(select(Category)))
    for n, feedback_id in enumerate(rng.sample(ids, 40)):
        if n % 3 == 0:
            db.session.expire_all()
        fb = db.session.get(Feedback, feedback_id)
        change = n % 6
        if change == 0:
            fb.csat = rng.randint(1, 5)
        elif change == 1:
            fb.nps = rng.choice([None, *range(11)])
        elif change == 2:
            fb.category = rng.choice([*categories, None])  # through the relationship
        elif change == 3:
            fb.category_id = rng.choice(categories).id
            fb.channel = rng.choice(list(Channel))
        elif change == 4:
            fb.created_at = fb.created_at - timedelta(days=rng.randint(1, 20))  # moved to another day
        else:
            fb.csat, fb.nps = rng.randint(1, 5), rng.randint(0, 10)
            db.session.flush()  # two flushes in one transaction
            fb.csat = rng.randint(1, 5)
        db.session.commit()
    assert_report_matches_raw()

    # Deletes, and a rating turned into a suggestion.
    unfollowed = list(
        db.session.scalars(
            select(Feedback).where(Feedback.kind == FeedbackKind.RATING, ~Feedback.followup.has())
        )
    )
    for fb in rng.sample(unfollowed, 10):
        db.session.delete(fb)
    db.session.commit()
    unfollowed = [fb for fb in unfollowed if db.inspect(fb).persistent]
    unfollowed[0].kind, unfollowed[0].title = FeedbackKind.SUGGESTION, "Now an idea"
    db.session.commit()
    assert_report_matches_raw()

    # Rebuilding from raw rows gives the table the write path kept.
    kept = rollup_table()
    rebuild_rollups()
    db.session.commit()
    assert rollup_table() == kept


def test_a_rating_stays_under_the_plan_it_was_given_on(app, customers):
    shared_customer = customers[0]
    before = submit_rating(shared_customer, csat=2, now=T0 - timedelta(days=3))
    db.session.commit()
    account = db.session.get(CustomerAccount, shared_customer.id)
    account.plan = Plan.DEDICATED  # the customer upgrades
    db.session.commit()
    after = submit_rating(shared_customer, csat=5, now=T0)
    before.csat = 1  # an edit after the change must not move the old rating to the new plan
    db.session.commit()

    assert (before.plan, after.plan) == (Plan.SHARED, Plan.DEDICATED)
    by_plan = {p["plan"]: p for p in satisfaction_report(T0.date() - timedelta(days=7), T0.date())["by_plan"]}
    assert (by_plan["shared"]["csat"]["n"], by_plan["shared"]["average"]["value"]) == (1, 1.0)
    assert (by_plan["dedicated"]["csat"]["n"], by_plan["dedicated"]["average"]["value"]) == (1, 5.0)
    assert_report_matches_raw()
    kept = rollup_table()
    rebuild_rollups()
    db.session.commit()
    assert rollup_table() == kept


def test_rebuild_of_a_range_leaves_other_days_alone(app, customers):
    rate_randomly(random.Random(7), customers, 40, T0)
    kept = rollup_table()
    db.session.execute(RatingRollup.__table__.delete())
    rebuild_rollups(date(2026, 2, 1), date(2026, 2, 28))
    db.session.commit()
    assert rollup_table() == {k: v for k, v in kept.items() if k[0].month == 2}
    rebuild_rollups(date(2026, 1, 1), None)
    rebuild_rollups(None, date(2026, 2, 10))  # overlapping ranges: nothing counted twice
    db.session.commit()
    assert rollup_table() == kept


def test_bulk_load_rebuilds_the_rollups(app, customers):
    rate_randomly(random.Random(9), customers, 10, T0)
    generate_bulk(2000, seed=3, now=T0)
    assert_report_matches_raw()
    start = (T0 - timedelta(days=HISTORY_DAYS)).date()
    assert report_figures(start, T0.date(), "month") == raw_figures(start, T0.date(), "month")
    assert satisfaction_report(start, T0.date())["responses"]["n"] == 2010


def test_cli_rebuilds(app, runner, customers):
    rate_randomly(random.Random(11), customers, 20, T0)
    kept = rollup_table()
    db.session.execute(RatingRollup.__table__.delete())
    db.session.commit()
    result = runner.invoke(args=["reports", "rebuild-rollups", "--start", "2025-01-01"])
    assert result.exit_code == 0, result.output
    assert "rollup rows written" in result.output
    db.session.expire_all()
    assert rollup_table() == kept
    bad = runner.invoke(args=["reports", "rebuild-rollups", "--start", "2026-13-01"])
    assert bad.exit_code != 0 and "YYYY-MM-DD" in bad.output


def test_rollup_key_columns_are_the_documented_ones():
    assert KEY == ("day", "category_key", "plan", "channel")
    assert COUNTS[0] == "ratings"
