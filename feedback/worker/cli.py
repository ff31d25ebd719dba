"""CLI: ``jobs run NAME`` and ``jobs status``."""

from datetime import datetime

import click
from flask.cli import AppGroup
from sqlalchemy import select

from ..core.time import as_utc, utcnow
from ..extensions import db
from .jobs import JOBS, run_job
from .models import JobRun

jobs_cli = AppGroup("jobs", help="Periodic background jobs.")


@jobs_cli.command("run")
@click.argument("name", type=click.Choice(sorted(JOBS)))
@click.option("--now", "now_text", help="Run as of this ISO time (UTC if no zone); default: now.")
def run_command(name: str, now_text: str | None) -> None:
    """Run one periodic job now, whether or not its period is due."""
    try:
        now = as_utc(datetime.fromisoformat(now_text)) if now_text else utcnow()
    except ValueError as exc:
        raise click.BadParameter(f"not an ISO date-time: {now_text}", param_hint="--now") from exc
    click.echo(f"{name}: {run_job(name, now, claim=False)!r}")


@jobs_cli.command("status")
def status_command() -> None:
    """When each job last started and finished, and its outcome."""
    runs = {r.name: r for r in db.session.scalars(select(JobRun))}
    for name, job in JOBS.items():
        run = runs.get(name)
        if run is None:
            click.echo(f"{name:22} every {job.every}  never ran")
            continue
        outcome = f"error: {run.last_error}" if run.last_error else run.last_result
        click.echo(f"{name:22} every {job.every}  started {run.last_started_at:%Y-%m-%d %H:%M:%S}  {outcome}")
