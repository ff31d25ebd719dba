"""CSV of the live ideas with the ranking's figures, safe to open in a spreadsheet."""

import csv
import io
from collections.abc import Iterator
from datetime import datetime

from sqlalchemy.orm import joinedload

from ...extensions import db
from ...ideas.models import Idea
from ...ideas.ranking import SORTS, ranking
from ..export import safe_cell

HEADER = ["id", "title", "status", "category", "created_at_utc", "answered_at_utc", "done_at_utc", *SORTS]


def csv_lines(now: datetime) -> Iterator[str]:
    """The export line by line: a BOM (UTF-8 for spreadsheets), the header, one row per idea by revenue."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    yield "\ufeff" + buffer.getvalue()
    stmt = ranking(now).options(joinedload(Idea.category))
    for row in db.session.execute(stmt):
        idea = row.Idea
        # Every text cell goes through safe_cell: a title like "=HYPERLINK(...)" must stay text.
        cells = [
            idea.id,
            idea.title,
            idea.status,
            idea.category.slug if idea.category else "",
            idea.created_at,
            idea.answered_at,
            idea.done_at,
            *(getattr(row, key) for key in SORTS),
        ]
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([safe_cell(v) for v in cells])
        yield buffer.getvalue()
