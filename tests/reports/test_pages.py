"""The report pages and the CSV export as a manager uses them.

The pages read the clock (the default range ends today; the backlog is counted now), so each test
sets it to ``T0`` and dates its ratings from there: no test depends on the day it runs.
"""

import csv
import io
from datetime import timedelta

import pytest

from tests.conftest import T0


@pytest.fixture
def manager(make, auth):
    user = make.manager()
    auth.login(user)
    return user


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    """The pages' "now" (default range, backlog) is ``T0``."""
    monkeypatch.setattr("feedback.reports.forms.utcnow", lambda: T0)
    monkeypatch.setattr("feedback.reports.routes.utcnow", lambda: T0)
    return T0


def test_satisfaction_page_shows_figures_charts_and_definitions(client, make, manager):
    customer = make.customer()
    for csat in (5, 4, 1):
        make.rating(customer, csat=csat, nps=9, now=T0 - timedelta(days=2))
    page = client.get("/reports/satisfaction").get_data(as_text=True)  # the last 90 days to T0
    assert "66.7 %" in page  # two of three rated 4–5
    assert "n = 3" in page and "fewer than 5" in page
    assert "CSAT % = responses rated 4 or 5" in page and "NPS = % promoters" in page
    for chart in ("chart-trend", "chart-volume", "chart-category", "chart-plan"):
        assert f'id="{chart}"' in page
    assert "/static/vendor/plotly/plotly.min.js" in page
    assert "cdn" not in page.lower()


def test_satisfaction_page_empty_state(client, manager):
    page = client.get("/reports/satisfaction?start=2025-01-01&end=2025-01-31").get_data(as_text=True)
    assert "No ratings in this period" in page
    assert "plotly.min.js" not in page


def test_month_granularity(client, make, manager):
    make.rating(make.customer(), csat=5, now=T0)
    page = client.get(f"/reports/satisfaction?start=2026-01-01&end={T0.date()}&granularity=month")
    assert "CSAT % and NPS per month" in page.get_data(as_text=True)


@pytest.mark.parametrize(
    "query, message",
    [
        ("start=2026-05-01&end=2026-04-01", "The end date is before the start date."),
        ("start=2020-01-01&end=2026-01-01", "Choose a range of at most three years."),
        ("start=yesterday&end=2026-01-01", "Not a valid date value."),
        ("start=2026-01-01&end=", "Enter an end date."),
        ("start=2026-01-01&end=2026-02-01&granularity=day", "Not a valid choice."),
    ],
)
def test_bad_ranges_are_explained_not_500(client, manager, query, message):
    for path in ("/reports/satisfaction", "/reports/support", "/reports/export.csv"):
        if "granularity" in query and path != "/reports/satisfaction":
            continue
        response = client.get(f"{path}?{query}")
        assert response.status_code == 400, path
        assert message in response.get_data(as_text=True)


def test_support_page(client, make, manager):
    make.rating(make.customer(), csat=1, category="uptime", now=T0 - timedelta(hours=3))
    page = client.get("/reports/support").get_data(as_text=True)
    assert "First response time" in page and "SLA compliance" in page
    assert "1 overdue" in page
    for chart in ("chart-times", "chart-sla", "chart-backlog"):
        assert f'id="{chart}"' in page


def test_csv_export_is_complete_utf8_and_formula_safe(client, make, manager):
    customer = make.customer()
    when = T0 - timedelta(days=1)
    make.rating(customer, csat=1, comment='=HYPERLINK("http://evil","x")', now=when)
    make.rating(customer, csat=5, nps=10, comment="Ĉio bonas — شكرا", now=when)
    make.rating(customer, csat=4, comment="+cmd|' /C calc'!A0", now=when)
    make.rating(customer, csat=3, comment="-1+2", now=when)
    make.rating(customer, csat=3, comment="@SUM(A1)", now=when)
    response = client.get(f"/reports/export.csv?start={when.date()}&end={when.date()}")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.data.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert len(rows) == 5
    comments = [r["comment"] for r in rows]
    assert comments == [
        '\'=HYPERLINK("http://evil","x")',
        "Ĉio bonas — شكرا",
        "'+cmd|' /C calc'!A0",
        "'-1+2",
        "'@SUM(A1)",
    ]
    assert rows[0]["followup_status"] == "open" and rows[0]["followup_priority"] == "high"
    assert rows[1]["nps"] == "10" and rows[1]["customer_email"] == customer.email
