"""The cases behind the support figures, with their SLA outcome, as CSV or XLSX.

Not the ratings export (export.py): one row per follow-up created in the period, with its
reference, people, team, deadlines, when each was met and the outcome (``met``, ``missed`` or
``pending`` while a deadline has not passed), whether it was reopened and the CSAT the customer
gave after its resolution. Text that could start a formula is escaped in both formats.
"""

import csv
import io
from collections.abc import Iterator
from datetime import date, datetime

from openpyxl import Workbook

from . import queries
from .export import safe_cell

HEADER = [
    "reference",
    "created_at_utc",
    "priority",
    "status",
    "customer_email",
    "plan",
    "category",
    "assignee",
    "first_response_due_utc",
    "first_response_at_utc",
    "first_response_outcome",
    "resolution_due_utc",
    "resolved_at_utc",
    "resolution_outcome",
    "breached",
    "reopened",
    "csat_after_resolution",
    "team",  # the team whose queue it is in now (empty: none), as Support by team counts it; last, so
    # the columns before it keep their places in sheets built on earlier exports
]


def _outcome(done: bool, breached: bool, due: datetime | None, running: bool, now: datetime) -> str:
    """``missed`` when breached (or still not done past a running deadline), ``met`` when done
    in time, else ``pending``. A stopped clock (waiting on the customer) is never past due."""
    if breached:
        return "missed"
    if done:
        return "met"
    return "missed" if running and due is not None and now > due else "pending"


def case_rows(start: date, end: date, now: datetime) -> Iterator[list]:
    """The export's rows, in creation order, as plain values (see :data:`HEADER`)."""
    for row in queries.case_export_rows(*queries.utc_range(start, end)):
        fu = row.Followup
        first = _outcome(
            fu.first_response_at is not None, fu.first_response_breached, fu.first_response_due, True, now
        )
        resolution = _outcome(
            fu.resolved_at is not None, fu.resolution_breached, fu.resolution_due, fu.paused_at is None, now
        )
        yield [
            fu.reference,
            fu.created_at,
            fu.priority,
            fu.status,
            row.customer_email,
            row.plan,
            row.category,
            row.assignee,
            fu.first_response_due,
            fu.first_response_at,
            first,
            fu.resolution_due,
            fu.resolved_at,
            resolution,
            fu.breached,
            bool(row.reopened),
            row.csat_after_resolution,
            row.team,
        ]


def csv_lines(start: date, end: date, now: datetime) -> Iterator[str]:
    """The export line by line, a BOM first so spreadsheets read UTF-8."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    yield "\ufeff" + buffer.getvalue()
    for row in case_rows(start, end, now):
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([safe_cell(v) for v in row])
        yield buffer.getvalue()


def _xlsx_cell(value):
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)  # a spreadsheet has no zones: the header says UTC
    return safe_cell(value)


def xlsx_bytes(start: date, end: date, now: datetime) -> bytes:
    """The export as one sheet (written row by row: a big period does not sit in memory twice)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("cases")
    sheet.append(HEADER)
    for row in case_rows(start, end, now):
        sheet.append([_xlsx_cell(v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
