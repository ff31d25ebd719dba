"""``/api/v1/reports/retention``: the retention report as JSON (the same function as the page)."""

from flask import jsonify

from .auth import managers_only
from .blueprint import bp, request_now
from .report_views import _date_range
from .validation import QueryErrors


@bp.get("/reports/retention")
@managers_only
def report_retention():
    """Renewal, churn, cohorts, upgrades, MRR movement and satisfaction vs retention, per month."""
    start, end = _date_range(QueryErrors())
    from ..reports.retention.metrics import retention_report  # reports load pandas; only when asked

    data = retention_report(start, end, now=request_now())
    return jsonify(data)
