"""CLI: ``jobs run NAME`` and ``jobs status``."""

from datetime import datetime

import click
from flask.cli import AppGroup
from sqlalchemy import select

from ..core.cli import now_option
from ..extensions import db
from .jobs import JOBS, run_job
from .models import JobRun

jobs_cli = AppGroup("jobs", help="Periodic background jobs.")


@jobs_cli.command("run")
@click.argument("name", type=click.Choice(sorted(JOBS)))
@now_option("Run")
def run_command(name: str, now: datetime) -> None:
    """Run one periodic job now, whether or not its period is due."""
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
