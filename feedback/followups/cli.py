"""CLI: ``sla sweep``."""

from datetime import datetime

import click
from flask.cli import AppGroup

from ..core.cli import now_option
from ..extensions import db
from .jobs import sweep

sla_cli = AppGroup("sla", help="SLA escalation.")


@sla_cli.command("sweep")
@now_option("Sweep")
def sweep_command(now: datetime) -> None:
    """Record due SLA warnings and breaches once each."""
    result = sweep(now)
    db.session.commit()
    click.echo(f"checked {result.checked} follow-ups: {result.warnings} warnings, {result.breaches} breaches")
