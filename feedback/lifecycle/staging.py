"""The first pass of an import: read the file once, keep its good rows in a staging table.

Rows go to ``subscription_import_rows`` a batch at a time with their customer's id (a line
naming no customer is rejected here), so memory holds one batch whatever the file's length.
Every rejected line goes to ``subscription_import_rejections`` the same way
(:class:`Rejections`). The staged rows are scratch: the caller commits after each batch so the
import's progress shows.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select, text

from ..auth.models import User, matchable_customer
from ..core.db import bulk_insert
from ..extensions import db
from .importer import CsvFile, ParsedRow
from .models import ImportRejection, ImportRow

BATCH = 2_000  # lines per round trip (and per progress report)
# Every rejected line is listed up to this many (a whole file of the advertised size); beyond it
# they are only counted: a file that bad is fixed from its first pages of reasons.
MAX_LISTED = 200_000
_CACHE_LIMIT = 50_000  # e-mail → customer id answers kept between batches


class Rejections:
    """The rejected lines of one import, written to the database a batch at a time."""

    def __init__(self, import_id: int):
        self.import_id = import_id
        self.count = 0  # every rejection, listed or not
        self.listed = 0  # those written to the table
        self._pending: list[dict] = []

    def add(self, line: int, reason: str) -> None:
        """Reject ``line`` for ``reason`` (written at the next :meth:`flush`)."""
        self.count += 1
        if self.listed + len(self._pending) < MAX_LISTED:
            self._pending.append({"import_id": self.import_id, "line": line, "reason": reason})
        if len(self._pending) >= BATCH:
            self.flush()

    def flush(self) -> None:
        """Write the pending rejections (adds, does not commit)."""
        if self._pending:
            bulk_insert(db.session.connection(), ImportRejection.__table__, self._pending)
            self.listed += len(self._pending)
            self._pending = []


@dataclass
class StageCounts:
    """What the first pass read."""

    rows: int = 0  # data rows, good or not
    blank: int = 0  # lines with no value in any cell, skipped
    staged: int = 0  # good rows waiting in the staging table


class _Customers:
    """E-mail → customer id (None: no such customer), asked for a batch of e-mails at a time."""

    def __init__(self):
        self._known: dict[str, int | None] = {}

    def lookup(self, emails: Iterable[str]) -> dict[str, int | None]:
        missing = sorted(set(emails) - self._known.keys())
        if len(self._known) + len(missing) > _CACHE_LIMIT:
            self._known = {}  # bounded memory; the next batches ask again
            missing = sorted(set(emails))
        for start in range(0, len(missing), 500):
            chunk = missing[start : start + 500]
            # lower(): as find_user_by_email, whatever the case an older account was stored in.
            stmt = select(func.lower(User.email), User.id).where(
                func.lower(User.email).in_(chunk), matchable_customer()
            )
            found = dict(db.session.execute(stmt).all())
            self._known |= {email: found.get(email) for email in chunk}
        return self._known


def stage_file(
    import_id: int, csv_file: CsvFile, rejections: Rejections, report: Callable[[int], None]
) -> StageCounts:
    """Read every line after the header: stage the good rows, reject the others.

    ``report(bytes_read)`` is called after each batch, once its rows are written (the caller
    commits there). Adds and flushes the staged rows and rejections.
    """
    counts, customers, batch = StageCounts(), _Customers(), []
    for read, line in enumerate(csv_file, start=1):
        if line.blank:
            counts.blank += 1
        else:
            counts.rows += 1
            if line.row is not None:
                batch.append(line.row)
            else:
                rejections.add(line.number, line.problem)
        if read % BATCH == 0:
            counts.staged += _stage(import_id, batch, customers, rejections)
            batch = []
            report(csv_file.bytes_read)
    counts.staged += _stage(import_id, batch, customers, rejections)
    if db.session.get_bind().dialect.name == "postgresql":
        # The table was empty when the planner last looked: let the checks' queries use its index.
        db.session.execute(text("ANALYZE subscription_import_rows"))
    report(csv_file.bytes_read)
    return counts


def _stage(import_id: int, batch: list[ParsedRow], customers: _Customers, rejections: Rejections) -> int:
    """Write one batch of good rows; reject those naming no customer. Returns how many were staged."""
    ids = customers.lookup(row.email for row in batch)
    staged = []
    for row in batch:
        customer_id = ids.get(row.email)
        if customer_id is None:
            rejections.add(row.line, _("no customer with the e-mail %(email)s", email=row.email))
            continue
        staged.append(
            {
                "import_id": import_id,
                "line": row.line,
                "customer_id": customer_id,
                "service_id": row.service_id,
                "kind": row.kind.value,
                "occurred_on": row.occurred_on,
                "plan": row.plan.value if row.plan else None,
                "amount": row.amount,
                "cycle": row.cycle,
                "source_key": row.source_key,
                "client_id": row.client_id,
                "known": False,  # mark_recorded says, just before the histories are checked
            }
        )
    bulk_insert(db.session.connection(), ImportRow.__table__, staged)
    rejections.flush()
    return len(staged)
