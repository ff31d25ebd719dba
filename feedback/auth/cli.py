"""CLI: ``users create``, ``users set-role``, ``users reset-2fa`` and ``tokens create|list|revoke``."""

from datetime import datetime

import click
from flask.cli import AppGroup

from ..core.time import utcnow
from ..extensions import db
from . import queries
from .models import ApiToken, Role, User
from .services import (
    AccountError,
    change_role,
    create_api_token,
    create_user,
    find_user_by_email,
    revoke_all_api_tokens,
    revoke_api_token,
)
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
    user = _user_or_fail(email)
    try:
        ended = change_role(user, Role(role))
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"{user.email} is now {user.role}; {ended} session(s) ended")


def _user_or_fail(email: str) -> User:
    user = find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"No user with e-mail {email}")
    return user


@users_cli.command("reset-2fa")
@click.argument("email")
def reset_two_factor_command(email: str) -> None:
    """Take two-factor sign-in away from EMAIL (a lost phone and no recovery code left), signing
    them out everywhere; a manager sets it up again at their next sign-in."""
    user = _user_or_fail(email)
    had = user.has_two_factor
    ended = two_factor.reset(user, None, utcnow())
    db.session.commit()
    state = "reset" if had else "was not on; nothing to reset"
    then = " They set it up again at their next sign-in." if two_factor.is_required(user) else ""
    click.echo(f"Two-factor sign-in for {user.email} {state}; {ended} session(s) ended.{then}")


@tokens_cli.command("create")
@click.argument("email")
@click.option("--label", default="", help='What the token is for, e.g. "WHMCS on billing-1".')
def create_token_command(email: str, label: str) -> None:
    """Print a new API token for the user with EMAIL (shown once)."""
    user = _user_or_fail(email)
    try:
        token = create_api_token(user, label)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(token)


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value is not None else "-"


@tokens_cli.command("list")
@click.argument("email", required=False)
def list_tokens_command(email: str | None) -> None:
    """List API tokens (every user's, or EMAIL's): id, owner, label, created, last used, revoked.

    Times are UTC. The tokens themselves are never shown: only their hash is stored.
    """
    user = _user_or_fail(email) if email is not None else None
    click.echo("\t".join(("id", "owner", "label", "created", "last used", "revoked")))
    for token, owner in db.session.execute(queries.tokens_for_listing(user).execution_options(yield_per=500)):
        fields = (str(token.id), owner.email, token.label or "-", _when(token.created_at))
        click.echo("\t".join((*fields, _when(token.last_used_at), _when(token.revoked_at))))


@tokens_cli.command("revoke")
@click.argument("token_id", type=int, required=False)
@click.option("--all", "all_of", metavar="EMAIL", help="Revoke every token of the user with EMAIL.")
def revoke_tokens_command(token_id: int | None, all_of: str | None) -> None:
    """Revoke token TOKEN_ID (see `tokens list`), or with --all EMAIL every token of a user.

    A revoked token is refused (401) from its next API call on.
    """
    if (token_id is None) == (all_of is None):
        raise click.UsageError("Give a token id, or --all EMAIL (not both).")
    if all_of is not None:
        user = _user_or_fail(all_of)
        count = revoke_all_api_tokens(user)
        db.session.commit()
        click.echo(f"{count} token(s) of {user.email} revoked")
        return
    row = db.session.get(ApiToken, token_id)
    if row is None:
        raise click.ClickException(f"No API token with id {token_id}")
    if not revoke_api_token(row):
        click.echo(f"Token {token_id} was already revoked")
        return
    db.session.commit()
    click.echo(f"Token {token_id} of {row.user.email} revoked")
