"""Manager report pages and the CSV export (thin: form → metrics → charts → template).

The blueprint lives in blueprint.py; this module, ``retention.routes`` and ``ideas.routes`` add
pages to it, and importing this module (as the app factory does) brings them all.
"""

from flask import Response, render_template, request, stream_with_context
from flask_babel import gettext as _

from ..auth.access import manager_required
from ..core.time import utcnow
from . import case_export, charts
from .blueprint import bp, validated
from .export import csv_lines
from .forms import range_form
from .ideas import routes as ideas_routes  # noqa: F401  (adds the ideas pages to bp)
from .metrics import satisfaction_report, support_report
from .retention import routes as retention_routes  # noqa: F401  (adds the retention pages to bp)

__all__ = ["bp"]


@bp.route("/satisfaction")
@manager_required
def satisfaction():
    form = validated(range_form(request.args), "reports/satisfaction.html")
    report = satisfaction_report(form.start.data, form.end.data, form.granularity.data)
    figures = None
    if report["responses"]["n"]:
        figures = {
            "trend": charts.to_html(charts.satisfaction_trend(report), "chart-trend"),
            "volume": charts.to_html(charts.volume(report), "chart-volume"),
            "category": charts.to_html(
                charts.csat_breakdown(report["by_category"], "category", _("CSAT % by category")),
                "chart-category",
            ),
            "plan": charts.to_html(
                charts.csat_breakdown(report["by_plan"], "plan", _("CSAT % by plan")), "chart-plan"
            ),
        }
    return render_template("reports/satisfaction.html", form=form, report=report, figures=figures)


@bp.route("/support")
@manager_required
def support():
    form = validated(range_form(request.args), "reports/support.html")
    report = support_report(form.start.data, form.end.data, now=utcnow())
    figures = {
        "times": charts.to_html(charts.response_times(report), "chart-times"),
        "sla": charts.to_html(charts.sla_compliance(report), "chart-sla"),
        "backlog": charts.to_html(charts.backlog(report), "chart-backlog"),
    }
    return render_template("reports/support.html", form=form, report=report, figures=figures)


@bp.route("/export.csv")
@manager_required
def export_csv():
    form = validated(range_form(request.args), "reports/satisfaction.html")
    start, end = form.start.data, form.end.data
    filename = f"kontento-responses-{start.isoformat()}-{end.isoformat()}.csv"
    return Response(
        stream_with_context(csv_lines(start, end)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _cases_download(body, mimetype: str, suffix: str) -> Response:
    form = validated(range_form(request.args), "reports/support.html")
    start, end = form.start.data, form.end.data
    filename = f"kontento-cases-{start.isoformat()}-{end.isoformat()}{suffix}"
    return Response(
        body(start, end, utcnow()),
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.route("/cases.csv")
@manager_required
def cases_csv():
    """The cases opened in the period with their SLA outcome (not the ratings export)."""
    return _cases_download(
        lambda *args: stream_with_context(case_export.csv_lines(*args)), "text/csv", ".csv"
    )


@bp.route("/cases.xlsx")
@manager_required
def cases_xlsx():
    """The same cases as a workbook."""
    mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return _cases_download(case_export.xlsx_bytes, mimetype, ".xlsx")
