"""CLI: ``demo``."""

import click


@click.command("demo")
@click.option("--customers", default=200, show_default=True, type=click.IntRange(1, 2_000_000))
def demo_command(customers: int) -> None:
    """Seed realistic demo data."""
    raise click.ClickException("not yet")
