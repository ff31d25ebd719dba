"""CLI: ``demo`` seeds a realistic demo population (or, with ``--responses``, bulk volume data)."""

import time
from datetime import datetime

import click

from ..core.cli import now_option
from ..extensions import db
from .bulk import generate_bulk
from .generator import DEMO_LOGINS, DEMO_PASSWORD, DemoError, generate_demo, has_users


def _echo_summary(summary: dict, seed: int, seconds: float) -> None:
    plans = ", ".join(f"{plan} {n}" for plan, n in summary["plans"].items())
    states = ", ".join(f"{state} {n}" for state, n in summary["followups"].items())
    click.echo(f"Demo data loaded in {seconds:.1f} s (seed {seed}):")
    click.echo(f"  customers    {summary['customers']} ({plans})")
    click.echo(f"  staff        {summary['staff']} (managers included)")
    click.echo(f"  feedback     {summary['ratings']} ratings")
    board = ", ".join(f"{status.replace('_', ' ')} {n}" for status, n in summary["ideas"].items())
    click.echo(
        f"  ideas        {sum(summary['ideas'].values())} on the board ({board}); {summary['votes']} votes"
    )
    click.echo(
        f"  follow-ups   {states}; {summary['breached']} breached, {summary['at_risk']} at risk,"
        f" {summary['unassigned']} open and unassigned"
    )
    click.echo("")
    click.echo("Demo logins (DEMO ONLY: never load this data into a real installation):")
    for role, (email, _name) in DEMO_LOGINS.items():
        click.echo(f"  {role.value:<9} {email:<30} password: {DEMO_PASSWORD}")
    click.echo(f"Every other generated account uses the same password ({DEMO_PASSWORD}).")
    click.echo(
        "Managers must use two-factor sign-in: at the first sign-in the manager is asked to scan a QR"
        " code with an authenticator app (Google Authenticator, Aegis, FreeOTP…) and enter its code."
    )


@click.command("demo")
@click.option("--customers", default=200, show_default=True, type=click.IntRange(1, 2_000_000))
@click.option("--seed", default=1, show_default=True, type=int, help="Same seed, same data.")
@click.option("--if-empty", is_flag=True, help="Do nothing if the database already has any user.")
@click.option(
    "--responses",
    type=click.IntRange(1, 100_000_000),
    help="Instead of the demo population, bulk-insert this many ratings (volume tests; no follow-ups).",
)
@now_option("Generate")
def demo_command(customers: int, seed: int, if_empty: bool, responses: int | None, now: datetime) -> None:
    """Seed realistic demo data: logins, staff, customers, feedback and follow-ups in every state."""
    if if_empty and has_users():
        click.echo("The database already has users; demo data not loaded.")
        return
    started = time.perf_counter()
    if responses:
        inserted = generate_bulk(responses, seed=seed, now=now)
        db.session.commit()
        click.echo(f"Inserted {inserted} ratings in {time.perf_counter() - started:.1f} s (no follow-ups).")
        return
    try:
        summary = generate_demo(customers, seed=seed, now=now)
    except DemoError as exc:
        raise click.ClickException(str(exc)) from exc
    _echo_summary(summary, seed, time.perf_counter() - started)
