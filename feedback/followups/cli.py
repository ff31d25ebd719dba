"""CLI: ``sla sweep``."""

from datetime import datetime

import click
from flask.cli import AppGroup

from ..core.time import as_utc, utcnow
from ..extensions import db
from .jobs import sweep

sla_cli = AppGroup("sla", help="SLA escalation.")


@sla_cli.command("sweep")
@click.option("--now", "now_text", help="Sweep as of this ISO time (UTC if no zone); default: now.")
def sweep_command(now_text: str | None) -> None:
    """Record due SLA warnings and breaches once each."""
    try:
        now = as_utc(datetime.fromisoformat(now_text)) if now_text else utcnow()
    except ValueError as exc:
        raise click.BadParameter(f"not an ISO date-time: {now_text}", param_hint="--now") from exc
    result = sweep(now)
    db.session.commit()
    click.echo(f"checked {result.checked} follow-ups: {result.warnings} warnings, {result.breaches} breaches")
