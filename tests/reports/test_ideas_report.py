"""The ideas report, its CSV and the weighted ranking page, as a manager uses them."""

import csv
import io
from datetime import timedelta

import pytest

from feedback.extensions import db
from feedback.ideas import services
from feedback.ideas.models import IdeaStatus
from feedback.reports.ideas.export import csv_lines
from feedback.reports.ideas.metrics import ideas_report
from tests.factories import T0

START, END = (T0 - timedelta(days=30)).date(), T0.date()


def _ideas(make):
    """Three ideas posted in February: one answered after 2 days and done after 5, one answered
    after 4 days, one unanswered; a fourth customer never votes."""
    staff = make.staff()
    ada, bo, cy = make.customer("Ada Lovelace"), make.customer("Bo Chen"), make.customer("Cy Dar")
    make.customer("Dee Quiet")
    a = services.post_idea(ada, title='=HYPERLINK("http://evil.test","x")', now=T0 - timedelta(days=10))
    services.answer(a, "We will do it.", staff, now=T0 - timedelta(days=8))
    services.set_status(a, IdeaStatus.DONE, staff, now=T0 - timedelta(days=5))
    b = services.post_idea(bo, title="Staging sites <b>please</b>", now=T0 - timedelta(days=6))
    services.answer(b, "Looking into it.", staff, now=T0 - timedelta(days=2))
    c = services.post_idea(cy, title="Dark mode for the panel", now=T0 - timedelta(days=3))
    db.session.commit()
    return a, b, c


def test_report_figures_on_a_small_set(make):
    a, b, c = _ideas(make)
    report = ideas_report(START, END, now=T0)

    assert report["posted"] == 3
    assert report["answer_time"]["value"] == 3.0 and report["answer_time"]["n"] == 2  # median of 2 and 4 days
    assert report["done_time"]["value"] == 5.0 and report["done_time"]["n"] == 1
    assert report["answered"]["value"] == 66.7 and report["answered"]["count"] == 2
    assert report["voters"]["value"] == 75.0 and report["voters"]["n"] == 4  # 3 of 4 active accounts
    feb = next(m for m in report["months"] if m["month"] == "2026-02")
    assert (feb["done"], feb["new"]) == (1, 2)
    assert [m["month"] for m in report["months"]] == ["2026-01", "2026-02", "2026-03"]
    assert {r["id"] for r in report["top_votes"]} == {a.id, b.id, c.id}
    assert report["definitions"]["answered"].startswith("Answered =")


def test_ideas_by_status_counts_each_month_end_with_the_status_of_that_day(make):
    staff, ada = make.staff(), make.customer()
    idea = services.post_idea(ada, title="Hourly backups", now=T0 - timedelta(days=60))  # 1 January
    services.set_status(idea, IdeaStatus.PLANNED, staff, now=T0 - timedelta(days=40))  # 21 January
    services.set_status(idea, IdeaStatus.DONE, staff, now=T0 - timedelta(days=5))  # 25 February
    services.post_idea(ada, title="Dark mode", now=T0 - timedelta(days=20))  # 10 February
    db.session.commit()

    months = ideas_report(START - timedelta(days=40), END, now=T0)["months"]
    counted = {m["month"]: {k: v for k, v in m.items() if k != "month" and v} for m in months}
    assert counted == {
        "2025-12": {},
        "2026-01": {"planned": 1},
        "2026-02": {"done": 1, "new": 1},
        "2026-03": {"done": 1, "new": 1},
    }


def test_csv_neutralises_formulas(make):
    a, *_ = _ideas(make)
    text = "".join(csv_lines(T0))
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    titles = {row[0]: row[1] for row in rows[1:]}
    assert titles[str(a.id)].startswith("'=HYPERLINK")
    assert rows[0][:3] == ["id", "title", "status"] and "revenue" in rows[0]


@pytest.fixture
def manager(make, auth):
    user = make.manager()
    auth.login(user)
    return user


def test_pages_render_with_data_and_escape_titles(client, make, manager):
    a, b, c = _ideas(make)
    page = client.get(f"/reports/ideas?start={START}&end={END}").get_data(as_text=True)
    assert 'id="chart-ideas-status"' in page
    assert "Answered = ideas posted" in page
    assert "Staging sites &lt;b&gt;please&lt;/b&gt;" in page and "<b>please</b>" not in page

    ranking = client.get("/reports/ideas/ranking?sort=votes")
    html = ranking.get_data(as_text=True)
    assert ranking.status_code == 200
    assert f'href="/staff/ideas/{b.id}"' in html
    assert "dir=asc" in html  # the current column's heading reverses the order
    assert client.get("/reports/ideas/ranking?sort=nonsense&status=bogus&category=abc").status_code == 200

    response = client.get("/reports/ideas.csv")
    assert response.mimetype == "text/csv" and "'=HYPERLINK" in response.get_data(as_text=True)


def test_ranking_filters_by_status(client, make, manager):
    a, b, c = _ideas(make)
    html = client.get("/reports/ideas/ranking?status=done").get_data(as_text=True)
    assert f"/staff/ideas/{a.id}" in html and f"/staff/ideas/{c.id}" not in html


@pytest.mark.parametrize("path", ["/reports/ideas", "/reports/ideas/ranking", "/reports/ideas.csv"])
@pytest.mark.parametrize("role", ["customer", "staff"])
def test_customers_and_staff_are_refused(client, make, auth, path, role):
    auth.login(getattr(make, role)())
    assert client.get(path).status_code == 403


def test_chart_escapes_a_status_label_typed_by_a_manager(client, make, manager):
    _ideas(make)
    services.set_status_labels({"new": "<img src=x onerror=alert(1)>"})
    db.session.commit()
    page = client.get(f"/reports/ideas?start={START}&end={END}").get_data(as_text=True)
    assert "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page  # table cells and the legend both escaped


def test_ranking_pages_keep_each_ideas_figures(client, make, manager, app):
    app.config["PAGE_SIZE"], saved = 2, app.config["PAGE_SIZE"]
    try:
        a, b, c = _ideas(make)
        first = client.get("/reports/ideas/ranking?sort=votes&dir=asc").get_data(as_text=True)
        second = client.get("/reports/ideas/ranking?sort=votes&dir=asc&page=2").get_data(as_text=True)
    finally:
        app.config["PAGE_SIZE"] = saved
    shown = [f"/staff/ideas/{i.id}" for i in (a, b, c)]
    assert sum(s in first for s in shown) == 2 and sum(s in second for s in shown) == 1
    assert "3 items, page 2 of 2" in second
