"""Writes for accounts: sign-up, credentials, sessions and API tokens."""

import unicodedata
from datetime import date, datetime, timedelta
from decimal import Decimal

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from ..core.errors import FieldError
from ..core.security import hash_token, new_token
from ..core.time import utcnow
from ..extensions import db
from .models import ApiToken, CustomerAccount, Plan, Role, User
from .passwords import user_inputs, weakness
from .sessions import end_all_sessions

# Checked against when the e-mail is unknown, so a miss costs as much time as a hit.
_DUMMY_HASH = generate_password_hash("not-a-real-password")

# How precisely an API token's last use is recorded (and so how often its row is rewritten).
TOKEN_USE_PRECISION = timedelta(minutes=1)

# Tokens that work at once per user: one per integration is plenty, and a stolen session cannot
# mint them without bound.
MAX_ACTIVE_TOKENS = 10
MAX_TOKEN_LABEL = 100

DEFAULT_PRICES = {Plan.SHARED: Decimal("9.90"), Plan.VPS: Decimal("39.00"), Plan.DEDICATED: Decimal("149.00")}


class AccountError(FieldError):
    """A request to create or change an account that cannot be carried out."""


def normalise_email(email: str) -> str:
    """Compare e-mail addresses without case or surrounding space."""
    return email.strip().lower()


def hash_password(password: str) -> str:
    """Hash a password with the configured method (scrypt in production)."""
    method = current_app.config.get("PASSWORD_METHOD", "scrypt")
    return generate_password_hash(password, method=method)


def find_user_by_email(email: str) -> User | None:
    """Return the user with this e-mail address, whatever its case."""
    return db.session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


def clean_identity(email: str, name: str) -> tuple[str, str]:
    """The normalised e-mail address and name of a new account; AccountError when unusable."""
    email = normalise_email(email)
    if not email.isascii():
        # Our mail path (Flask-Mail over plain SMTP) cannot carry internationalised addresses.
        raise AccountError(
            _l("Use an e-mail address in plain Latin letters: we could not deliver to this one."), "email"
        )
    name = (name or "").strip()
    if not name:
        raise AccountError(_l("Enter a name."), "name")
    if any(ch in name for ch in "\r\n"):
        # The name goes into e-mail headers ("To: name <address>"): a line break would inject one.
        raise AccountError(_l("Names cannot contain line breaks."), "name")
    return email, name


def check_password(password: str, email: str, *names: str | None) -> None:
    """Raise AccountError, saying why, for a password the policy refuses (``passwords.py``) for
    the account with this ``email`` and these ``names``."""
    reason = weakness(password, user_inputs(email, *names))
    if reason is not None:
        raise AccountError(reason, "password")


def create_user(
    email: str,
    name: str,
    password: str,
    role: Role = Role.CUSTOMER,
    *,
    plan: Plan = Plan.SHARED,
    monthly_price: Decimal | None = None,
    signup_date: date | None = None,
    renewal_date: date | None = None,
    timezone: str = "UTC",
    server: str | None = None,
    preset_password: bool = False,
) -> User:
    """Create a user; customers also get a hosting account. Raises AccountError on bad input.

    ``preset_password``: the demo's and the tests' published logins ("password123"), which the
    password policy would refuse; a password a person chooses (CLI, staff page) never is one.
    """
    email, name = clean_identity(email, name)
    if find_user_by_email(email) is not None:
        raise AccountError(_l("An account with this e-mail address already exists."), "email")
    if not preset_password:
        check_password(password, email, name)
    user = User(
        email=email,
        name=name,
        password_hash=hash_password(password),
        role=role,
        timezone=timezone,
        email_verified_at=utcnow(),  # made by the host (CLI, staff page, demo): vouched for
    )
    db.session.add(user)
    if role == Role.CUSTOMER:
        signup = signup_date or utcnow().date()
        user.account = CustomerAccount(
            plan=plan,
            monthly_price=monthly_price if monthly_price is not None else DEFAULT_PRICES[plan],
            signup_date=signup,
            renewal_date=renewal_date or signup + timedelta(days=365),
            server=server,
        )
    db.session.flush()
    return user


def authenticate(email: str, password: str) -> User | None:
    """Return the active user with these credentials, or None without saying which part was wrong."""
    user = find_user_by_email(email)
    if user is None or not user.password_hash:  # no account, or one whose password is not set yet
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.active:
        return None
    return user


def change_role(user: User, role: Role) -> int:
    """Make a staff member a manager or a manager staff, signing them out everywhere.

    A privilege change ends every session the user holds, so no browser keeps working with
    the old role (or under the old role's session lifetimes); returns how many ended.
    Customers and staff are separate kinds of account (a customer has a hosting account).
    """
    staff_roles = (Role.STAFF, Role.MANAGER)
    if user.role not in staff_roles or role not in staff_roles:
        raise AccountError(_l("Only staff and managers can change roles, between those two."), "role")
    if user.role == role:
        return 0
    user.role = role
    ended = end_all_sessions(user)
    db.session.flush()
    return ended


def set_password(user: User, password: str, new_name: str | None = None) -> None:
    """Give ``user`` a new password and sign them out everywhere. ``new_name``: the name the
    account is about to take (a claim), which the password must not be built from either."""
    check_password(password, user.email, user.name, new_name)
    user.password_hash = hash_password(password)
    end_all_sessions(user)


def clean_token_label(label: str | None) -> str:
    """The label as stored (trimmed); AccountError when too long or holding control characters,
    which would garble a terminal that lists the tokens (`tokens list`)."""
    label = (label or "").strip()
    if len(label) > MAX_TOKEN_LABEL:
        raise AccountError(_l("Use at most %(n)s characters.", n=MAX_TOKEN_LABEL), "label")
    if any(unicodedata.category(ch) == "Cc" for ch in label):
        raise AccountError(_l("The name cannot contain line breaks or control characters."), "label")
    return label


def active_token_count(user: User) -> int:
    """How many of ``user``'s tokens are not revoked."""
    return db.session.scalar(
        select(func.count(ApiToken.id)).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    )


def create_api_token(user: User, label: str = "", now: datetime | None = None) -> str:
    """Create an API token for ``user`` and return it in clear (shown once, stored hashed).

    Raises AccountError when the label is unusable or the user already has
    ``MAX_ACTIVE_TOKENS`` tokens that work: an integration per token, revoke one first.
    """
    label = clean_token_label(label)
    if active_token_count(user) >= MAX_ACTIVE_TOKENS:
        raise AccountError(
            _l(
                "You already have %(max)d API tokens. Revoke one you no longer use first.",
                max=MAX_ACTIVE_TOKENS,
            ),
            "label",
        )
    token = "kt_" + new_token()
    db.session.add(ApiToken(user=user, token_hash=hash_token(token), label=label, created_at=now or utcnow()))
    db.session.flush()
    return token


def revoke_api_token(row: ApiToken, now: datetime | None = None) -> bool:
    """Revoke a token for good (its next API call answers 401); False if it already was."""
    if row.revoked_at is not None:
        return False
    row.revoked_at = now or utcnow()
    db.session.flush()
    return True


def revoke_all_api_tokens(user: User, now: datetime | None = None) -> int:
    """Revoke every token of ``user`` that still works; return how many."""
    rows = db.session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now or utcnow())
        .execution_options(synchronize_session="fetch")
    )
    return rows.rowcount


def user_for_api_token(token: str, now: datetime | None = None) -> User | None:
    """Return the active user owning a non-revoked token, recording its use.

    One query loads the token with its user. The use is written at most once a minute per
    token, in its own small commit, so it is kept even for read-only requests and busy
    integrations do not rewrite the same row on every call.
    """
    row = working_token(hash_token(token))
    if row is None:
        return None
    record_token_use(row.id, row.last_used_at, now or utcnow())
    return row.user


def working_token(token_hash: str) -> ApiToken | None:
    """The token with this hash, loaded with its user in one query, if it is not revoked and its
    user is active; else None."""
    row = db.session.scalar(
        select(ApiToken)
        .options(joinedload(ApiToken.user))
        .where(ApiToken.token_hash == token_hash, ApiToken.revoked_at.is_(None))
    )
    return row if row is not None and row.user.active else None


def record_token_use(token_id: int, last_used_at: datetime | None, now: datetime) -> bool:
    """Write the token's use at ``now`` unless one was written within ``TOKEN_USE_PRECISION``
    (in its own small commit); True if it was written."""
    if last_used_at is not None and last_used_at > now - TOKEN_USE_PRECISION:
        return False
    db.session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now))
    db.session.commit()
    return True
