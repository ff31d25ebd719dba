"""``/api/v1/reports``: the managers' reports as JSON (the same functions as the report pages)."""

from datetime import date, timedelta

from flask import jsonify

from .auth import managers_only
from .blueprint import bp, request_now
from .schemas import GRANULARITIES
from .validation import ApiError, QueryErrors

MAX_RANGE = timedelta(days=3 * 366)  # "at most three years", leap days included


def _date_range(errors: QueryErrors) -> tuple[date, date]:
    """``?start=&end=``: both required, real dates, start ≤ end, at most three years apart."""
    start = errors.day("start", required=True)
    end = errors.day("end", required=True)
    errors.raise_if_any()
    if start > end:
        raise ApiError(422, "The date range is empty.", {"start": "Must be on or before end."})
    if end - start > MAX_RANGE:
        raise ApiError(422, "The date range is too long.", {"end": "Must be at most 3 years after start."})
    return start, end


@bp.get("/reports/satisfaction")
@managers_only
def report_satisfaction():
    """CSAT, NPS and volumes per week or month."""
    errors = QueryErrors()
    granularity = errors.choice("granularity", GRANULARITIES, "week")
    start, end = _date_range(errors)
    from ..reports.metrics import satisfaction_report  # reports load pandas; only when asked

    data = satisfaction_report(start, end, granularity=granularity)
    return jsonify(data)


@bp.get("/reports/support")
@managers_only
def report_support():
    """Response and resolution times and SLA compliance."""
    start, end = _date_range(QueryErrors())
    from ..reports.metrics import support_report

    data = support_report(start, end, now=request_now())
    return jsonify(data)
