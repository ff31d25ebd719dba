"""Every report figure against a hand-computed example."""

from datetime import UTC, date, datetime, timedelta

import pytest

from feedback.auth.models import Plan
from feedback.extensions import db
from feedback.followups import services
from feedback.followups.jobs import sweep
from feedback.ideas.services import post_idea
from feedback.reports.metrics import ratio, satisfaction_report, support_report
from tests.conftest import T0


def at(day: int, hour: int = 12) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=UTC)


@pytest.fixture
def ratings(make):
    a, b = make.customer(plan=Plan.SHARED), make.customer(plan=Plan.VPS)
    make.rating(a, csat=5, nps=10, category="support", now=at(2))
    make.rating(a, csat=4, nps=9, category="support", now=at(3))
    make.rating(b, csat=2, nps=3, category="billing", now=at(3))
    make.rating(b, csat=3, nps=None, category="billing", now=at(4))
    make.rating(a, csat=1, nps=6, category="uptime", now=at(4))
    make.rating(b, csat=5, nps=8, category="support", now=at(17))
    make.rating(b, csat=1, nps=0, category="support", now=at(23, 0))  # the day after the range
    make.rating(b, csat=1, nps=0, category="support", now=at(1, 23))  # the day before
    post_idea(a, title="IPv6 please", description="Please")  # an idea is not a rating
    db.session.commit()
    return a, b


def test_headline_figures(app, ratings):
    report = satisfaction_report(date(2026, 3, 2), date(2026, 3, 22))
    # CSAT: 5,4,2,3,1,5 → three of six rated 4–5.
    assert report["csat"] == {"value": 50.0, "n": 6, "low_sample": False}
    # NPS: 10,9,3,6,8 (one skipped) → 2 promoters − 2 detractors of 5.
    assert report["nps"] == {"value": 0, "n": 5, "low_sample": False}
    assert report["average"]["value"] == 3.33
    assert report["responses"]["value"] == 6


def test_weekly_trend_keeps_the_empty_week(app, ratings):
    trend = satisfaction_report(date(2026, 3, 2), date(2026, 3, 22), "week")["trend"]
    assert [t["period_start"] for t in trend] == ["2026-03-02", "2026-03-09", "2026-03-16"]
    assert [t["csat"]["value"] for t in trend] == [40.0, None, 100.0]
    assert [t["responses"]["n"] for t in trend] == [5, 0, 1]
    assert trend[1]["nps"] == {"value": None, "n": 0, "low_sample": True}
    assert trend[2]["csat"]["low_sample"] is True


def test_monthly_trend(app, ratings):
    trend = satisfaction_report(date(2026, 1, 15), date(2026, 3, 31), "month")["trend"]
    assert [t["period_start"] for t in trend] == ["2026-01-01", "2026-02-01", "2026-03-01"]
    assert [t["responses"]["n"] for t in trend] == [0, 0, 8]


def test_breakdowns_by_category_and_plan(app, ratings):
    report = satisfaction_report(date(2026, 3, 2), date(2026, 3, 22))
    by_category = {c["category"]: (c["csat"]["value"], c["csat"]["n"]) for c in report["by_category"]}
    assert by_category == {"Billing": (0.0, 2), "Support": (100.0, 3), "Uptime": (0.0, 1)}
    by_plan = {p["plan"]: (p["csat"]["value"], p["nps"]["value"]) for p in report["by_plan"]}
    # shared: 5,4,1 and NPS 10,9,6 → 2−1 of 3 = 33.3 → 33; vps: 2,3,5 and NPS 3,8 → 0−1 of 2 = −50.
    assert by_plan == {"shared": (66.7, 33), "vps": (33.3, -50)}


def test_nps_rounds_halves_away_from_zero(app, make):
    customer = make.customer()
    for nps in (10, 10, 10, 0, 0, 7, 7, 7):  # 37.5 % − 25 % = 12.5
        make.rating(customer, csat=5, nps=nps, now=at(2))
    assert satisfaction_report(date(2026, 3, 2), date(2026, 3, 2))["nps"]["value"] == 13
    assert [ratio(v, 10) for v in (125, -125, 5, -4, 995)] == [13, -13, 1, 0, 100]


def test_figures_round_the_exact_ratio_not_its_float():
    assert ratio(127, 40, 2) == 3.18  # the float 3.175 lies below the half: round() says 3.17
    assert ratio(29 * 100, 200) == 15  # 14.5; 29 / 200 * 100 in floats is 14.4999…
    assert ratio(-1, 8, 2) == -0.13
    assert ratio(2, 3, 1) == 0.7
    assert ratio(5, 0) is None


def test_empty_period(app):
    report = satisfaction_report(date(2025, 1, 1), date(2025, 1, 31), "month")
    assert report["csat"] == {"value": None, "n": 0, "low_sample": True}
    assert report["nps"]["value"] is None and report["average"]["value"] is None
    assert report["by_category"] == [] and report["by_plan"] == []
    assert len(report["trend"]) == 1


def test_bad_granularity_is_refused(app):
    with pytest.raises(ValueError):
        satisfaction_report(date(2026, 3, 1), date(2026, 3, 2), "day")


@pytest.fixture
def cases(make):
    customer, agent = make.customer(), make.staff()
    f1 = make.rating(customer, csat=2, now=T0).followup  # high: 4 h first response, 24 h resolution
    services.staff_reply(f1, agent, "On it", now=T0 + timedelta(hours=1))
    services.resolve(f1, agent, now=T0 + timedelta(hours=5))
    f2 = make.rating(customer, csat=2, now=T0).followup
    services.staff_reply(f2, agent, "Late", now=T0 + timedelta(hours=6))
    services.set_waiting(f2, agent, now=T0 + timedelta(hours=7))
    services.resume(f2, agent, now=T0 + timedelta(hours=10))
    services.resolve(f2, agent, now=T0 + timedelta(hours=12))
    f3 = make.rating(customer, csat=3, urgent=True, now=T0).followup  # critical, never answered
    make.rating(customer, csat=5, now=T0)  # no follow-up
    db.session.commit()
    sweep(now=T0 + timedelta(days=2))
    db.session.commit()
    return f1, f2, f3


def test_response_and_resolution_times(app, cases):
    report = support_report(date(2026, 3, 2), date(2026, 3, 2), now=T0 + timedelta(days=2))
    assert report["followups_created"] == 3
    # First responses 1 h and 6 h; linear p90 = 1 + 0.9 × 5.
    assert report["first_response"] == {"median_hours": 3.5, "p90_hours": 5.5, "n": 2, "low_sample": True}
    # Resolutions 5 h and 12 h − 3 h waiting = 9 h.
    assert report["resolution"] == {"median_hours": 7.0, "p90_hours": 8.6, "n": 2, "low_sample": True}
    high = next(p for p in report["by_priority"] if p["priority"] == "high")
    assert high["followups"] == 2


def test_sla_compliance_backlog_and_breaches(app, cases):
    # f1's and f2's resolution deadlines fall on 3 March (24 h, f2 + 3 h waiting), so take two days.
    report = support_report(date(2026, 3, 2), date(2026, 3, 3), now=T0 + timedelta(days=2))
    # First response: f1 met; f2 answered late; f3 never answered.
    assert report["sla_compliance"]["first_response"] == {"value": 33.3, "n": 3, "low_sample": True, "met": 1}
    # Resolution: f1 and f2 resolved in time; f3's 4 h deadline passed unresolved.
    assert (
        support_report(date(2026, 3, 2), date(2026, 3, 2), now=T0 + timedelta(days=2))["sla_compliance"][
            "resolution"
        ]["n"]
        == 1
    )
    assert report["sla_compliance"]["resolution"] == {"value": 66.7, "n": 3, "low_sample": True, "met": 2}
    backlog = {b["priority"]: b for b in report["backlog"]["by_priority"]}
    assert backlog["critical"]["total"] == 1 and backlog["critical"]["overdue"] == 1
    assert report["backlog"]["total"] == 1
    breaches = {b["priority"]: b for b in report["breaches"]["by_priority"]}
    assert breaches["critical"]["first_response"] == 1 and breaches["critical"]["resolution"] == 1
    assert breaches["high"]["first_response"] == 1  # f2's late first answer


def test_support_report_on_an_empty_period(app):
    report = support_report(date(2025, 1, 1), date(2025, 1, 31), now=T0)
    assert report["first_response"]["median_hours"] is None
    assert report["sla_compliance"]["first_response"]["value"] is None
    assert report["breaches"]["total"] == 0
