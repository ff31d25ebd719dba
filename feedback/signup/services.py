"""Writes for sign-up: start one, invite a customer, send a link again, use a link.

An account made here is not active until the owner of its address uses the link mailed to it,
and the password is chosen on that link's page, not before: whoever signs up with someone
else's address never holds a password for it, and the billing import never matches it (it
matches addresses proven or vouched for, ``auth.models.matchable_customer``).

Each function adds and flushes; the view commits once, with the mail in the outbox.
"""

from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from ..auth.models import Role, User
from ..auth.services import AccountError, clean_identity, find_user_by_email, set_password
from ..core.security import hash_token, new_token
from ..core.time import is_listed_timezone
from ..extensions import db
from .models import AccountLink, LinkPurpose
from .notify import mail_link
from .queries import LinkError

DEFAULT_LINK_HOURS = 24
DEFAULT_INVITE_DAYS = 7


def link_lifetime(purpose: LinkPurpose) -> timedelta:
    """How long a link stays usable: ``INVITE_LINK_DAYS`` for invitations (people answer those
    at their pace), ``ACCOUNT_LINK_HOURS`` for the links someone just asked for."""
    if purpose == LinkPurpose.INVITE:
        return timedelta(days=current_app.config.get("INVITE_LINK_DAYS", DEFAULT_INVITE_DAYS))
    return timedelta(hours=current_app.config.get("ACCOUNT_LINK_HOURS", DEFAULT_LINK_HOURS))


def send_link(user: User, purpose: LinkPurpose, now: datetime, template: str | None = None) -> str:
    """Store a new link for ``user`` (its hash only) and queue the mail carrying it; returns the token."""
    token = new_token()
    expires_at = now + link_lifetime(purpose)
    link = AccountLink(
        user=user, purpose=purpose, token_hash=hash_token(token), created_at=now, expires_at=expires_at
    )
    db.session.add(link)
    db.session.flush()
    mail_link(user, purpose, token, expires_at, now, template)
    return token


def _check_timezone(timezone: str) -> str:
    if not is_listed_timezone(timezone):
        raise AccountError(_l("Pick a time zone from the list."), "timezone")
    return timezone


def _unclaimed_customer(email: str, name: str, timezone: str, locale: str | None, now: datetime) -> User:
    """A new customer who cannot sign in until the owner of ``email`` uses their link.

    No hosting account: the plan, price and dates come from the billing import or API only.
    Two sign-ups for one new address at once: the second finds the first one's row.
    """
    user = User(
        email=email,
        name=name,
        password_hash="",
        role=Role.CUSTOMER,
        timezone=timezone,
        locale=locale,
        active=False,
        email_verified_at=None,
        created_at=now,
    )
    try:
        with db.session.begin_nested():
            db.session.add(user)
    except IntegrityError:
        return find_user_by_email(email)
    return user


def sign_up(email: str, name: str, timezone: str, locale: str | None, now: datetime) -> None:
    """Answer a sign-up the same way whether or not the address has an account: by mail.

    A new address gets an account that is not active and a link to confirm it; an address whose
    sign-up is still unconfirmed gets a fresh link (its name and zone are the latest typed); an
    address with an account gets "you already have one", with a link to set a new password. A
    deactivated account gets nothing. Raises AccountError only for what the input itself says.
    """
    email, name = clean_identity(email, name)
    timezone = _check_timezone(timezone)
    user = find_user_by_email(email)
    if user is None:
        user = _unclaimed_customer(email, name, timezone, locale, now)
    if user.is_unclaimed:
        if user.invited_at is None:
            user.name, user.timezone, user.locale = name, timezone, locale or user.locale
            send_link(user, LinkPurpose.SIGNUP, now)
        else:  # the host invited them already: the invitation's name stands until they change it
            send_link(user, LinkPurpose.INVITE, now)
    elif user.active:
        send_link(user, LinkPurpose.PASSWORD, now, template="signup/exists")


def send_new_link(email: str, now: datetime) -> None:
    """Mail the address's owner a link again: to confirm a sign-up or take up an invitation, or to
    set a new password. An unknown or deactivated address gets nothing (the page says the same)."""
    user = find_user_by_email(email)
    if user is None:
        return
    if user.is_unclaimed:
        send_link(user, LinkPurpose.INVITE if user.invited_at else LinkPurpose.SIGNUP, now)
    elif user.active:
        send_link(user, LinkPurpose.PASSWORD, now)


def invite(email: str, name: str, now: datetime, locale: str | None = None) -> User:
    """Invite a customer by e-mail (a manager): the account waits for them to set a password.

    Inviting vouches for the address, so the billing import may attach their plan at once. An
    address with a sign-up still unconfirmed becomes this invitation (a new link to its owner).
    ``locale``: the invitation's language (the inviting manager's) when the account has none.
    Raises AccountError when the address already has an account in use.
    """
    email, name = clean_identity(email, name)
    user = find_user_by_email(email) or _unclaimed_customer(email, name, "UTC", locale, now)
    if not user.is_unclaimed:
        raise AccountError(_l("This address already has an account."), "email")
    user.name, user.invited_at, user.locale = name, now, user.locale or locale
    send_link(user, LinkPurpose.INVITE, now)
    return user


def use_link(
    link: AccountLink, password: str, now: datetime, name: str | None = None, timezone: str | None = None
) -> User:
    """Use ``link``: set the password and, for an account not claimed yet, activate it with the
    address proven, under the ``name`` and ``timezone`` given.

    Single use: every open link of the user is spent with it. Raises AccountError for bad input
    (the link stays usable) and LinkError("used") when another request used it first.
    """
    user = link.user
    claiming = user.is_unclaimed
    if claiming:
        _email, name = clean_identity(user.email, name or "")
        timezone = _check_timezone(timezone or "")
    set_password(user, password, name)  # checks the password before the link is spent
    # A conditional UPDATE: of two requests using one link at once only one matches.
    spent = db.session.execute(
        update(AccountLink)
        .where(AccountLink.id == link.id, AccountLink.used_at.is_(None))
        .values(used_at=now)
    ).rowcount
    if spent != 1:
        raise LinkError("used")
    db.session.execute(
        update(AccountLink)
        .where(AccountLink.user_id == user.id, AccountLink.used_at.is_(None))
        .values(used_at=now)
    )
    set_committed_value(link, "used_at", now)
    if claiming:
        user.name, user.timezone = name, timezone
        user.active, user.email_verified_at = True, now
    db.session.flush()
    return user
