"""CLI: ``reports rebuild-rollups [--start DATE] [--end DATE]`` (ratings and follow-ups) and
``reports rebuild-retention [--months N]`` (the retention report's stored months)."""

from datetime import date

import click
from flask.cli import AppGroup

from ..core.dates import add_months
from ..core.time import utcnow
from ..extensions import db
from .followup_rollups import rebuild_followup_rollups
from .retention import store as retention_store
from .retention.metrics import retention_report
from .rollups import rebuild_rollups

reports_cli = AppGroup("reports", help="Maintain the data the reports read.")


def _date(ctx, param, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter("use YYYY-MM-DD") from exc


@reports_cli.command("rebuild-rollups")
@click.option("--start", callback=_date, help="first UTC day to rebuild (YYYY-MM-DD); default: all")
@click.option("--end", callback=_date, help="last UTC day to rebuild (YYYY-MM-DD); default: all")
def rebuild_rollups_command(start: date | None, end: date | None) -> None:
    """Recompute the rating and follow-up rollups from the raw rows (after a bulk load or a repair).

    Follow-up rollups are rebuilt by whole months around the range.
    """
    if start and end and start > end:
        raise click.BadParameter("--start is after --end")
    rows = rebuild_rollups(start, end)
    followup_rows = rebuild_followup_rollups(start, end)
    db.session.commit()
    click.echo(f"{rows} rollup rows written, {followup_rows} follow-up rollup rows written")


@reports_cli.command("rebuild-retention")
@click.option(
    "--months", default=24, show_default=True, type=click.IntRange(0, 240), help="months to fill again"
)
def rebuild_retention_command(months: int) -> None:
    """Forget the retention report's stored months and fill the last ``--months`` again (after a
    bulk load or a repair by SQL, which the write hooks do not see)."""
    retention_store.forget_all()
    db.session.commit()
    if months:
        now = utcnow()
        start = add_months(now.date().replace(day=1), -(months - 1))
        retention_report(start, now.date(), now=now)  # stores every ended month it computes
    rows = db.session.scalar(db.select(db.func.count()).select_from(retention_store.RetentionMonth))
    click.echo(f"{rows} retention rows stored")
