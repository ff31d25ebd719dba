"""The retention charts carry titles with sample sizes, axis units and low-sample marks."""

from datetime import date

from feedback.reports.retention import charts
from feedback.reports.retention.metrics import retention_report

from .dataset import END, NOW, START, build


def test_every_chart_has_a_title_with_its_sample_size(make, subs):
    build(make, subs)
    report = retention_report(START, END, now=NOW)

    figures = {
        "trend": charts.renewal_churn(report),
        "mrr": charts.mrr_movement(report),
        "cohorts": charts.cohort_heatmap(report),
        "funnel": charts.upgrade_funnel(report),
        "satisfaction": charts.satisfaction_split(report),
    }

    for name, fig in figures.items():
        assert "n = " in fig.layout.title.text, name
    assert "n = 7 renewal decisions" in figures["trend"].layout.title.text
    assert figures["trend"].layout.yaxis.title.text == "Renewal rate (%)"
    assert figures["mrr"].layout.yaxis.title.text == "MRR change (currency per month)"
    # Only cohorts with customers are drawn; both are under 5 and marked.
    assert list(figures["cohorts"].data[0].y) == ["2026-01 (n=2 ⚠)", "2026-02 (n=1 ⚠)"]
    assert "n=1 ⚠" in figures["satisfaction"].data[0].text  # one detractor renewal decision
    assert list(figures["funnel"].data[0].x) == [1, 1, 0]  # B: shared → VPS within 6 months


def test_charts_of_an_empty_report_do_not_fail(app):
    report = retention_report(date(2026, 1, 1), date(2026, 1, 31), now=NOW)

    for build_chart in (
        charts.renewal_churn,
        charts.mrr_movement,
        charts.cohort_heatmap,
        charts.upgrade_funnel,
        charts.satisfaction_split,
    ):
        assert build_chart(report).layout.title.text
