"""CLI: ``import subscriptions FILE.csv [--progress]``."""

import os
import sys
import time

import click
from flask.cli import AppGroup
from sqlalchemy import select

from ..core.time import utcnow
from ..extensions import db
from .imports import import_file
from .models import ImportRejection, ImportStage, ImportStatus

import_cli = AppGroup("import", help="Import data from other systems.")

_UNITS = {ImportStage.READING: "bytes", ImportStage.CHECKING: "rows", ImportStage.SAVING: "rows"}


class _Progress:
    """One line on stderr per stage, then at most one a second, and one when the stage ends."""

    def __init__(self):
        self._stage, self._last = None, 0.0

    def __call__(self, stage: ImportStage, done: int, total: int) -> None:
        now = time.monotonic()
        if stage == self._stage and now - self._last < 1 and done < total:
            return
        self._stage, self._last = stage, now
        percent = f" ({100 * done // total}%)" if total else ""
        click.echo(f"{stage.value}: {done} of {total} {_UNITS[stage]}{percent}", err=True)


@import_cli.command("subscriptions")
@click.argument("file", type=click.File("rb"))
@click.option("--progress", is_flag=True, help="Print how far the import is on stderr as it goes.")
def subscriptions(file, progress: bool) -> None:
    """Import subscription events from a billing CSV export (see README, "Importing subscriptions").

    Every row is checked first; when any is rejected, nothing is imported, each rejected line is
    printed on stderr and the command exits 1.
    """
    name = os.path.basename(getattr(file, "name", "") or "stdin")
    record = import_file(file, name, utcnow(), _Progress() if progress else None)
    if record.status == ImportStatus.FAILED:
        click.echo(f"The import failed ({record.error}): nothing was imported.", err=True)
        sys.exit(2)
    if record.status == ImportStatus.REJECTED:
        _print_rejections(record.id)
        unlisted = record.rejected_lines - _listed(record.id)
        if unlisted > 0:
            click.echo(f"… and {unlisted} more rejected line(s), not listed.", err=True)
        click.echo(
            f"{record.rejected_lines} rejected line(s) in {record.rows} row(s): nothing was imported.",
            err=True,
        )
        sys.exit(1)
    click.echo(
        f"{record.rows} row(s): {record.new_events} new event(s), "
        f"{record.already_imported} already imported, {record.subscriptions_created} new subscription(s)."
    )
    if record.blank_lines:
        click.echo(f"{record.blank_lines} blank line(s) skipped.")


def _print_rejections(import_id: int) -> None:
    """Every listed rejection, in line order, a page at a time (the list may be long)."""
    last = (0, 0)
    while True:
        page = db.session.execute(
            select(ImportRejection.line, ImportRejection.id, ImportRejection.reason)
            .where(
                ImportRejection.import_id == import_id,
                (ImportRejection.line > last[0])
                | ((ImportRejection.line == last[0]) & (ImportRejection.id > last[1])),
            )
            .order_by(ImportRejection.line, ImportRejection.id)
            .limit(5_000)
        ).all()
        for line, _id, reason in page:
            click.echo(f"line {line}: {reason}", err=True)
        if len(page) < 5_000:
            return
        last = (page[-1].line, page[-1].id)


def _listed(import_id: int) -> int:
    return db.session.scalar(
        select(db.func.count(db.func.distinct(ImportRejection.line))).where(
            ImportRejection.import_id == import_id
        )
    )
