"""The retention report page and its CSV/XLSX downloads, on the reports blueprint."""

from flask import Response, abort, render_template, request
from werkzeug.datastructures import MultiDict

from ...auth.access import manager_required
from ...core.dates import add_months
from ...core.time import utcnow
from ..blueprint import bp, validated
from ..charts import to_html
from ..forms import range_form
from . import charts
from .export import TABLES, csv_text, xlsx_bytes
from .metrics import retention_report

DEFAULT_MONTHS = 12  # retention moves slowly: a year of whole months unless asked otherwise


def _form():
    """The shared range filter; without dates, the last twelve whole months up to today."""
    args = request.args
    if not args.get("start") and not args.get("end"):
        today = utcnow().date()
        start = add_months(today.replace(day=1), -(DEFAULT_MONTHS - 1))
        args = MultiDict({**args.to_dict(), "start": start.isoformat(), "end": today.isoformat()})
    return range_form(args)


def _figures(report: dict) -> dict | None:
    has_history = any(
        m["churn"]["n"] or m["renewal"]["n"] or m["mrr"]["gained_new"] for m in report["months"]
    )
    if not has_history:
        return None
    return {
        "trend": to_html(charts.renewal_churn(report), "chart-renewal-churn"),
        "mrr": to_html(charts.mrr_movement(report), "chart-mrr"),
        "cohorts": to_html(charts.cohort_heatmap(report), "chart-cohorts"),
        "funnel": to_html(charts.upgrade_funnel(report), "chart-upgrades"),
        "satisfaction": to_html(charts.satisfaction_split(report), "chart-satisfaction"),
    }


@bp.route("/retention")
@manager_required
def retention():
    """Renewal, churn, cohorts, upgrades, MRR and satisfaction vs retention for the chosen months."""
    form, report = _report()
    return render_template(
        "reports/retention.html",
        form=form,
        report=report,
        figures=_figures(report),
        band_label=charts.band_label,
    )


def _report():
    """The filter form and its report; a bad range stops the request with the page and its errors."""
    form = validated(_form(), "reports/retention.html")
    return form, retention_report(form.start.data, form.end.data, now=utcnow())


def _download(body, mimetype: str, report: dict, suffix: str) -> Response:
    period = report["period"]
    filename = f"kontento-retention-{period['start']}-{period['end']}{suffix}"
    return Response(
        body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )


@bp.route("/retention.csv")
@manager_required
def retention_csv():
    """The monthly table (default) or the cohort matrix (``?table=cohorts``) as CSV."""
    table = request.args.get("table", "monthly")
    if table not in TABLES:
        abort(400)
    _, report = _report()
    return _download(csv_text(report, table), "text/csv", report, f"-{table}.csv")


@bp.route("/retention.xlsx")
@manager_required
def retention_xlsx():
    """Every retention table in one workbook."""
    _, report = _report()
    mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return _download(xlsx_bytes(report), mimetype, report, ".xlsx")
