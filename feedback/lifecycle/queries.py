"""Reads for the import pages: the imports, an import's rejected lines, how far one has come."""

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .models import ImportRejection, ImportStage, ImportStatus, SubscriptionImport

# Each pass's share of the bar, from timings of a 200 000-row file (bench/import_bench.py). The
# second pass saves, or only checks once a line was rejected: either way it walks every row.
STAGE_SPAN = {
    ImportStage.READING: (0, 40),
    ImportStage.CHECKING: (40, 100),
    ImportStage.SAVING: (40, 100),
}


def recent_imports():
    """Every import, the newest first (managers are one team: they see each other's)."""
    return (
        select(SubscriptionImport)
        .options(selectinload(SubscriptionImport.created_by))
        .order_by(SubscriptionImport.created_at.desc(), SubscriptionImport.id.desc())
    )


def rejections(import_id: int):
    """An import's rejected lines in line order."""
    return (
        select(ImportRejection)
        .where(ImportRejection.import_id == import_id)
        .order_by(ImportRejection.line, ImportRejection.id)
    )


def percent(record: SubscriptionImport) -> int:
    """How far the import is, 0–100, across its three passes."""
    if record.status.finished:
        return 100
    if record.status == ImportStatus.QUEUED or record.stage is None:
        return 0
    start, end = STAGE_SPAN[record.stage]
    share = min(record.done / record.total, 1) if record.total else 0
    return int(start + (end - start) * share)


def progress(record: SubscriptionImport) -> dict:
    """The status endpoint's answer: what the page's script needs to redraw its bar."""
    return {
        "id": record.id,
        "status": record.status.value,
        "finished": record.status.finished,
        "stage": record.stage.value if record.stage else None,
        "done": record.done,
        "total": record.total,
        "percent": percent(record),
        "rows": record.rows,
        "rejected_lines": record.rejected_lines,
    }
