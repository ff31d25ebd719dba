"""Writes for sign-in with the billing panel: find or make the customer an ID token names.

Match order: the provider account already linked (issuer + subject), else the customer with
the token's e-mail address when the provider says it is verified (an unclaimed sign-up or
invitation with it is claimed), else a new customer. Staff and managers are never signed in
this way: they use their password and second factor. Adds and flushes; the view commits.
"""

import logging
from datetime import datetime

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..auth.models import Role, User
from ..auth.services import AccountError, clean_identity, find_user_by_email, normalise_email
from ..core.time import is_listed_timezone
from ..extensions import db
from .models import ExternalIdentity

log = logging.getLogger(__name__)


class SignInRefused(Exception):
    """The provider's answer does not sign anyone in; ``reason`` names why (the page and the log)."""

    def __init__(self, reason: str, user_id: int | None = None):
        super().__init__(reason)
        self.reason = reason
        self.user_id = user_id


def _claimed_verified(claims: dict) -> bool:
    # Some providers send the boolean as a string; anything else is not a yes.
    return claims.get("email_verified") in (True, "true")


def _name(claims: dict, email: str) -> str:
    name = claims.get("name") or " ".join(
        part for part in (claims.get("given_name"), claims.get("family_name")) if part
    )
    name = " ".join(str(name or "").split())[:120]  # one line: it goes into mail headers
    return name or email.split("@", 1)[0]


def _locale(claims: dict) -> str | None:
    """The claim's language when it is one of ours ("ar-EG" → "ar")."""
    value = str(claims.get("locale") or "").replace("_", "-").split("-", 1)[0].lower()
    return value if value in current_app.config["LANGUAGES"] else None


def _usable(user: User) -> User:
    """``user`` if a provider account may sign in as them; SignInRefused otherwise."""
    if user.role != Role.CUSTOMER:
        raise SignInRefused("staff", user.id)
    if not user.active:
        raise SignInRefused("deactivated", user.id)
    return user


def _new_customer(email: str, claims: dict, now: datetime) -> User:
    try:
        email, name = clean_identity(email, _name(claims, email))
    except AccountError as exc:
        raise SignInRefused("unusable_email") from exc
    zone = claims.get("zoneinfo")
    zone = zone if isinstance(zone, str) else None
    user = User(
        email=email,
        name=name,
        # No password: the account signs in through the provider (authenticate() refuses an
        # empty hash), or after its owner sets one through "Get a new link".
        password_hash="",
        role=Role.CUSTOMER,
        timezone=zone if is_listed_timezone(zone) else "UTC",
        locale=_locale(claims),
        active=True,
        email_verified_at=now,  # the provider vouched for the address
        created_at=now,
    )
    # No hosting account: the plan, price and dates come from the billing import or API, which
    # match this customer by the verified address (auth.models.matchable_customer).
    db.session.add(user)
    return user


def _address(claims: dict) -> str:
    """The claim's e-mail address, normalised; SignInRefused unless it is one (a provider may
    send anything: a bare name, 300 characters, a list)."""
    email = claims.get("email")
    if not isinstance(email, str) or not email.strip():
        raise SignInRefused("email_not_verified")
    email = normalise_email(email)
    try:
        # Syntax only (no DNS); reserved test domains pass, as the sign-up form's own check would not
        # need them to: matching an existing account is what counts here.
        validate_email(email, check_deliverability=False, test_environment=True)
    except EmailNotValidError:
        raise SignInRefused("unusable_email") from None
    if len(email) > 254:
        raise SignInRefused("unusable_email")
    return email


def _by_email(claims: dict, now: datetime) -> User:
    if not _claimed_verified(claims):
        raise SignInRefused("email_not_verified")
    email = _address(claims)
    user = find_user_by_email(email)
    if user is None:
        return _new_customer(email, claims, now)
    if user.role == Role.CUSTOMER and user.is_unclaimed:
        # A sign-up or invitation waiting for its owner to prove the address: the provider has.
        user.active, user.email_verified_at = True, now
        user.locale = user.locale or _locale(claims)
        return user
    _usable(user)
    if user.email_verified_at is None:
        user.email_verified_at = now
    return user


def sign_in_user(issuer: str, claims: dict, now: datetime) -> User:
    """The customer the verified ID token ``claims`` of ``issuer`` signs in as, linking the
    provider account to them on first use. Raises SignInRefused when nobody may sign in."""
    subject = str(claims.get("sub") or "")
    if not subject or len(subject) > 255:
        raise SignInRefused("invalid_token")
    identity = db.session.scalar(
        select(ExternalIdentity).where(ExternalIdentity.issuer == issuer, ExternalIdentity.subject == subject)
    )
    if identity is not None:
        # Linked before: the subject decides, whatever address the provider shows now.
        user = _usable(identity.user)
        identity.last_login_at = now
        db.session.flush()
        return user
    try:
        with db.session.begin_nested():
            user = _by_email(claims, now)
            db.session.add(
                ExternalIdentity(issuer=issuer, subject=subject, user=user, created_at=now, last_login_at=now)
            )
    except IntegrityError:
        # The same provider account finished signing in twice at once (or its address was taken
        # meanwhile): the other request made the rows, and trying again signs in with them.
        raise SignInRefused("race") from None
    log.info("linked %s account %r to user %s", issuer, subject, user.id)
    return user
