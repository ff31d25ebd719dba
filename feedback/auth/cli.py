"""CLI: ``users create``, ``users set-role``, ``users reset-2fa`` and ``tokens create``."""

import click
from flask.cli import AppGroup

from ..extensions import db
from .models import Role
from .services import AccountError, change_role, create_api_token, create_user, find_user_by_email
from .two_factor import services as two_factor

users_cli = AppGroup("users", help="Manage user accounts.")
tokens_cli = AppGroup("tokens", help="Manage API tokens.")


@users_cli.command("create")
@click.argument("email")
@click.option("--name", required=True, help="Full name.")
@click.option("--role", type=click.Choice([r.value for r in Role]), default="customer", show_default=True)
@click.option("--password", help="Prompted for (hidden) when left out.")
def create_user_command(email: str, name: str, role: str, password: str | None) -> None:
    """Create a user account."""
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = create_user(email, name, password, Role(role))
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"Created {user.role} {user.email}")


@users_cli.command("set-role")
@click.argument("email")
@click.argument("role", type=click.Choice([Role.STAFF.value, Role.MANAGER.value]))
def set_role_command(email: str, role: str) -> None:
    """Make a staff member a manager, or a manager staff; signs them out everywhere."""
    user = find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"No user with e-mail {email}")
    try:
        ended = change_role(user, Role(role))
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"{user.email} is now {user.role}; {ended} session(s) ended")


@users_cli.command("reset-2fa")
@click.argument("email")
def reset_two_factor_command(email: str) -> None:
    """Take two-factor sign-in away from EMAIL (a lost phone and no recovery code left), signing
    them out everywhere; a manager sets it up again at their next sign-in."""
    user = find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"No user with e-mail {email}")
    had = user.has_two_factor
    ended = two_factor.reset(user, None)
    db.session.commit()
    state = "reset" if had else "was not on; nothing to reset"
    then = " They set it up again at their next sign-in." if two_factor.is_required(user) else ""
    click.echo(f"Two-factor sign-in for {user.email} {state}; {ended} session(s) ended.{then}")


@tokens_cli.command("create")
@click.argument("email")
def create_token_command(email: str) -> None:
    """Print a new API token for the user with EMAIL (shown once)."""
    user = find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"No user with e-mail {email}")
    token = create_api_token(user)
    db.session.commit()
    click.echo(token)
