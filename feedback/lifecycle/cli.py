"""CLI: ``import subscriptions FILE.csv``."""

import sys

import click
from flask.cli import AppGroup

from ..core.time import utcnow
from ..extensions import db
from .importer import import_subscriptions

import_cli = AppGroup("import", help="Import data from other systems.")


@import_cli.command("subscriptions")
@click.argument("file", type=click.File("rb"))
def subscriptions(file) -> None:
    """Import subscription events from a billing CSV export (see README, "Importing subscriptions").

    Every row is checked first; when any is rejected, nothing is imported and the command exits 1.
    """
    data = file.read()
    with click.progressbar(length=1, label="Importing", file=sys.stderr) as bar:

        def progress(done: int, total: int) -> None:
            bar.length = max(total, 1)
            bar.update(done - bar.pos)

        result = import_subscriptions(data, utcnow(), progress)
    if not result.applied:
        db.session.rollback()
        for line, reason in result.rejected:
            click.echo(f"line {line}: {reason}", err=True)
        click.echo(
            f"{len(result.rejected)} rejected line(s) in {result.rows} row(s): nothing was imported.",
            err=True,
        )
        sys.exit(1)
    db.session.commit()
    click.echo(
        f"{result.rows} row(s): {result.new_events} new event(s), "
        f"{result.already_imported} already imported, {result.subscriptions_created} new subscription(s)."
    )
