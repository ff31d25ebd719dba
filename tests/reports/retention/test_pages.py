"""The retention page, its CSV/XLSX downloads and the JSON API, as a manager uses them."""

import csv
import io

import pytest
from openpyxl import load_workbook

from feedback.reports.retention import metrics as retention_metrics
from feedback.reports.retention.export import csv_text, xlsx_bytes
from feedback.reports.retention.metrics import retention_report
from tests.factories import ApiClient, token_for

from .dataset import END, NOW, START, build

RANGE = f"start={START.isoformat()}&end={END.isoformat()}"
UNICODE = "Esperanto ĉĝĥĵŝŭ · العربية"


@pytest.fixture
def manager(make, auth):
    user = make.manager()
    auth.login(user)
    return user


def test_page_shows_figures_charts_definitions_and_sample_sizes(client, make, subs, manager):
    build(make, subs)
    page = client.get(f"/reports/retention?{RANGE}").get_data(as_text=True)

    assert "Renewal rate = subscriptions renewed" in page and "Churn rate (monthly) =" in page
    assert "Cohort retention =" in page and "Revenue at stake =" in page
    for chart in (
        "chart-renewal-churn",
        "chart-mrr",
        "chart-cohorts",
        "chart-upgrades",
        "chart-satisfaction",
    ):
        assert f'id="{chart}"' in page
    assert "n = 7" in page  # renewal decisions in the range
    assert "fewer than 5" in page  # revenue at stake rests on one customer
    assert "/static/vendor/plotly/plotly.min.js" in page and "cdn" not in page.lower()
    assert 'href="/reports/retention"' in page  # the nav entry


def test_page_without_subscriptions_shows_an_empty_state(client, manager, monkeypatch):
    monkeypatch.setattr("feedback.reports.retention.routes.utcnow", lambda: NOW)
    response = client.get("/reports/retention")  # no dates: the twelve months up to NOW

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "No subscriptions were active" in page
    assert "plotly.min.js" not in page


@pytest.mark.parametrize("path", ["/reports/retention", "/reports/retention.csv", "/reports/retention.xlsx"])
def test_bad_range_is_explained_not_500(client, manager, path):
    response = client.get(f"{path}?start=2026-05-01&end=2026-04-01")

    assert response.status_code == 400
    assert "The end date is before the start date." in response.get_data(as_text=True)


def test_staff_cannot_see_retention(client, make, auth):
    auth.login(make.staff())

    assert client.get("/reports/retention").status_code == 403


def test_csv_downloads_parse_back(client, make, subs, manager):
    build(make, subs)
    monthly = client.get(f"/reports/retention.csv?{RANGE}")
    cohorts = client.get(f"/reports/retention.csv?{RANGE}&table=cohorts")

    assert monthly.mimetype == "text/csv"
    assert "kontento-retention-2026-01-01-2026-06-30-monthly.csv" in monthly.headers["Content-Disposition"]
    text = monthly.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    march = next(r for r in rows if r and r[0] == "2026-03")
    assert march[2:8] == ["2", "1", "50.0", "5", "1", "20.0"]
    cohort_rows = list(csv.reader(io.StringIO(cohorts.get_data(as_text=True).lstrip("\ufeff"))))
    assert cohort_rows[0][:4] == ["cohort", "customers", "fewer_than_5", "month_0_pct"]
    assert cohort_rows[1][:4] == ["2026-01", "2", "yes", "100.0"]
    assert client.get(f"/reports/retention.csv?{RANGE}&table=people").status_code == 400


def test_xlsx_download_parses_back(client, make, subs, manager):
    build(make, subs)
    response = client.get(f"/reports/retention.xlsx?{RANGE}")

    assert response.mimetype.endswith("spreadsheetml.sheet")
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["Monthly", "Cohorts", "Satisfaction", "Definitions"]
    monthly = list(book["Monthly"].iter_rows(values_only=True))
    march = next(r for r in monthly if r[0] == "2026-03")
    assert march[2:8] == (2, 1, 50.0, 5, 1, 20.0)
    assert march[9] == 140.0  # MRR at the start of March
    cohorts = list(book["Cohorts"].iter_rows(values_only=True))
    assert cohorts[1][:5] == ("2026-01", 2, True, 100.0, 100.0)


def test_exports_keep_unicode_and_escape_formulas(app, monkeypatch):
    monkeypatch.setitem(retention_metrics.DEFINITIONS, "churn", UNICODE)
    monkeypatch.setitem(retention_metrics.DEFINITIONS, "renewal", '=HYPERLINK("http://x")')
    report = retention_report(START, END, now=NOW)

    text = csv_text(report, "monthly")
    assert UNICODE in text and "'=HYPERLINK" in text
    definitions = dict(
        load_workbook(io.BytesIO(xlsx_bytes(report)))["Definitions"].iter_rows(values_only=True)
    )
    assert definitions["churn"] == UNICODE
    assert definitions["renewal"].startswith("'=")


def test_api_returns_the_report_in_its_documented_shape(client, make, subs, monkeypatch):
    build(make, subs)
    monkeypatch.setattr("feedback.api.blueprint.utcnow", lambda: NOW)
    api = ApiClient(client, token_for(make.manager()))
    doc = client.get("/api/v1/openapi.json").get_json()
    schemas = doc["components"]["schemas"]

    response = api.get(f"/reports/retention?{RANGE}")

    assert response.status_code == 200
    data = response.get_json()
    assert data == retention_report(START, END, now=NOW)
    _matches(data, schemas["RetentionReport"])
    _matches(data["renewal"], schemas["RateFigure"])
    for month in data["months"]:
        _matches(month, schemas["RetentionMonth"])
        _matches(month["mrr"], schemas["RetentionMonth"]["properties"]["mrr"])
    for row in data["cohorts"]["rows"]:
        _matches(row, schemas["RetentionReport"]["properties"]["cohorts"]["properties"]["rows"]["items"])
    assert "/reports/retention" in doc["paths"]


def test_api_refuses_bad_ranges_and_non_managers(client, make, subs):
    api = ApiClient(client, token_for(make.manager()))
    staff = ApiClient(client, token_for(make.staff()))

    assert api.get("/reports/retention?start=2026-05-01&end=2026-04-01").status_code == 422
    assert api.get("/reports/retention?start=nope&end=2026-04-01").status_code == 400
    assert staff.get(f"/reports/retention?{RANGE}").status_code == 403


def _matches(data: dict, schema: dict) -> None:
    assert set(schema["required"]) <= set(data), set(schema["required"]) - set(data)
    assert set(data) <= set(schema["properties"]), set(data) - set(schema["properties"])
