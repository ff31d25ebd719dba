"""CSV export of the responses behind the reports, streamed and safe to open in a spreadsheet."""

import csv
import io
from collections.abc import Iterator
from datetime import date

from . import queries

HEADER = [
    "id",
    "created_at_utc",
    "kind",
    "channel",
    "customer_email",
    "plan",
    "category",
    "csat",
    "nps",
    "urgent",
    "title",
    "comment",
    "followup_status",
    "followup_priority",
]
# A cell starting with one of these is run as a formula by Excel, LibreOffice and Sheets (OWASP).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    """Text for one cell; customer text that could start a formula is prefixed with an apostrophe."""
    if value is None:
        return ""
    value = getattr(value, "value", value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_lines(start: date, end: date) -> Iterator[str]:
    """The export line by line: a BOM so spreadsheets read UTF-8 (ĉ, ŭ, Arabic), then header and rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(HEADER)
    yield "\ufeff" + flush()
    for n, row in enumerate(queries.export_rows(*queries.utc_range(start, end)), 1):
        writer.writerow([safe_cell(v) for v in row])
        if n % 500 == 0:
            yield flush()
    yield flush()
