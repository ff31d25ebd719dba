"""CLI: ``reports rebuild-rollups [--start DATE] [--end DATE]`` (ratings and follow-ups)."""

from datetime import date

import click
from flask.cli import AppGroup

from ..extensions import db
from .followup_rollups import rebuild_followup_rollups
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
