"""/api/v1/reports: managers only, with the date range checked before any report runs."""

from datetime import timedelta

import pytest

from feedback.extensions import db
from feedback.followups import services

from ..conftest import T0
from ..factories import error_of


@pytest.mark.parametrize(
    ("query", "fields"),
    [
        ("", {"start", "end"}),
        ("?start=2026-01-01", {"end"}),
        ("?start=2026-13-01&end=2026-12-31", {"start"}),
        ("?start=2026-02-30&end=2026-03-31", {"start"}),
        ("?start=2026/01/01&end=2026-03-31", {"start"}),
        ("?start=01-01-2026&end=2026-03-31", {"start"}),
        ("?start=2026-01-01T00:00:00&end=2026-03-31", {"start"}),
        ("?start=2026-01-01&end=soon", {"end"}),
    ],
)
@pytest.mark.parametrize("report", ["satisfaction", "support"])
def test_missing_or_malformed_dates_are_400(people, report, query, fields):
    response = people.as_manager.get(f"/reports/{report}{query}")

    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "bad_request"
    assert set(error["fields"]) == fields


@pytest.mark.parametrize("report", ["satisfaction", "support"])
def test_start_after_end_is_422(people, report):
    response = people.as_manager.get(f"/reports/{report}?start=2026-03-02&end=2026-03-01")

    assert response.status_code == 422
    assert error_of(response)["fields"] == {"start": "Must be on or before end."}


@pytest.mark.parametrize("report", ["satisfaction", "support"])
def test_a_range_over_three_years_is_422(people, report):
    # 2023-01-01 → 2026-01-05 is 1100 days; three years allow at most 1098.
    response = people.as_manager.get(f"/reports/{report}?start=2023-01-01&end=2026-01-05")

    assert response.status_code == 422
    assert error_of(response)["fields"] == {"end": "Must be at most 3 years after start."}


def test_unknown_granularity_is_400(people):
    response = people.as_manager.get("/reports/satisfaction?start=2026-01-01&end=2026-03-31&granularity=day")

    assert response.status_code == 400
    assert error_of(response)["fields"] == {"granularity": "Must be one of: week, month."}


@pytest.mark.parametrize("role", ["customer", "staff"])
@pytest.mark.parametrize("report", ["satisfaction", "support"])
def test_only_managers_get_reports_even_with_bad_dates(people, role, report):
    response = people.client_for(role).get(f"/reports/{report}?start=nope")

    assert response.status_code == 403
    assert error_of(response)["message"] == "Reports are for managers only."


def test_satisfaction_report_counts_ratings_in_the_range(people, make):
    make.rating(people.customer, csat=5, nps=10, category="support", now=T0)  # week of Mon 2 March
    make.rating(people.customer, csat=4, nps=9, category="support", now=T0 + timedelta(days=1))
    make.rating(people.customer, csat=2, nps=3, category="billing", now=T0 + timedelta(days=8))  # week of 9th
    make.rating(people.other, csat=1, category="billing", now=T0 + timedelta(days=8))
    make.rating(people.other, csat=1, now=T0 + timedelta(days=20))  # after the range

    response = people.as_manager.get("/reports/satisfaction?start=2026-03-02&end=2026-03-15")

    assert response.status_code == 200
    body = response.get_json()
    assert body["period"] == {"start": "2026-03-02", "end": "2026-03-15", "granularity": "week"}
    # CSAT: 2 of 4 rated 4–5. NPS: (2 promoters − 1 detractor) / 3 = 33.3 → 33. Average: 12 / 4.
    assert body["csat"] == {"value": 50.0, "n": 4, "low_sample": True}
    assert body["nps"] == {"value": 33, "n": 3, "low_sample": True}
    assert body["average"]["value"] == 3.0
    assert [(t["period_start"], t["csat"]["value"], t["nps"]["value"]) for t in body["trend"]] == [
        ("2026-03-02", 100.0, 100),
        ("2026-03-09", 0.0, -100),
    ]


def test_satisfaction_report_by_month(people, make):
    make.rating(people.customer, csat=5, now=T0)

    body = people.as_manager.get(
        "/reports/satisfaction?start=2026-02-15&end=2026-03-31&granularity=month"
    ).get_json()

    assert [t["period_start"] for t in body["trend"]] == ["2026-02-01", "2026-03-01"]
    assert [t["responses"]["value"] for t in body["trend"]] == [0, 1]


def test_exactly_three_years_is_allowed(people):
    response = people.as_manager.get(
        "/reports/satisfaction?start=2023-01-01&end=2026-01-01&granularity=month"
    )

    assert response.status_code == 200
    assert len(response.get_json()["trend"]) == 37


def test_support_report_times_and_backlog(people, make, clock):
    critical = make.rating(people.customer, csat=1, category="uptime", now=T0).followup
    make.rating(people.other, csat=2, now=T0)  # high, still unanswered
    services.staff_reply(critical, people.staff, "Rebooting", now=T0 + timedelta(minutes=30))
    services.resolve(critical, people.staff, now=T0 + timedelta(hours=2))
    db.session.commit()
    clock.now = T0 + timedelta(hours=3)

    response = people.as_manager.get("/reports/support?start=2026-03-02&end=2026-03-02")

    assert response.status_code == 200
    body = response.get_json()
    assert body["followups_created"] == 2
    assert body["as_of"].startswith("2026-03-02T12:00:00")  # the request's time reached the report
    assert (body["first_response"]["median_hours"], body["first_response"]["n"]) == (0.5, 1)
    assert (body["resolution"]["median_hours"], body["resolution"]["n"]) == (2.0, 1)
    assert (body["backlog"]["total"], body["backlog"]["overdue"]) == (1, 0)
