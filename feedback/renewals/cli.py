"""CLI: ``renewals rebuild-risk`` (the queue's stored ranking facts)."""

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from ..extensions import db
from .models import CustomerRisk
from .store import mark_all_stale

renewals_cli = AppGroup("renewals", help="Maintain the data the renewal-at-risk queue reads.")


@renewals_cli.command("rebuild-risk")
def rebuild_risk_command() -> None:
    """Mark every customer's stored ranking facts stale (after a repair by SQL, which the write
    hooks do not see): the next view of the queue recomputes them all."""
    mark_all_stale(db.session.connection())
    db.session.commit()
    count = db.session.scalar(select(func.count()).select_from(CustomerRisk))
    click.echo(f"{count} customers marked for recomputing")
