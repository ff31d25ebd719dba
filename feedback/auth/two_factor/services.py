"""Writes and checks for two-factor sign-in: enrolment, codes, recovery codes, turning it off.

Codes are TOTP (RFC 6238): 6 digits, a new one every 30 seconds, and the one before and after
are accepted too, for clocks a little apart. Each accepted code moves the user's last time step
forward in one conditional UPDATE, so a code (or an older one) is never accepted twice, even
by two requests racing. Like every service, these add and flush; the request commits.
"""

import base64
import hmac
import logging
import secrets
from datetime import datetime

import pyotp
import segno
from flask import current_app
from markupsafe import Markup, escape
from sqlalchemy import delete, func, or_, select, update
from werkzeug.security import check_password_hash

from ...core.security import hash_token
from ...extensions import db
from ..models import RecoveryCode, Role, User
from ..sessions import end_all_sessions, end_other_sessions
from . import crypto
from .signals import two_factor_changed

log = logging.getLogger(__name__)

# The name authenticator apps show above the code when no brand is set. The host's own name comes
# from ``app.extensions["brand_name"]``, a callable the brand feature registers: auth sits below
# brand in the import layers, so it asks through the app rather than importing it.
ISSUER = "Kontento"
VALID_WINDOW = 1  # steps either side of now: a phone's clock may be 30 s off
RECOVERY_CODE_COUNT = 10
_RECOVERY_BYTES = 10  # 80 bits: 16 base32 characters, shown as four groups of four


class TwoFactorError(ValueError):
    """A request about two-factor sign-in that cannot be carried out (the message says why)."""


def required_roles() -> set[str]:
    """The roles that must use two-factor sign-in (``TWO_FACTOR_REQUIRED_ROLES``)."""
    setting = current_app.config.get("TWO_FACTOR_REQUIRED_ROLES", "manager")
    return {part.strip() for part in setting.split(",") if part.strip()}


def is_required(user: User) -> bool:
    """Tell whether ``user`` may not work without two-factor sign-in."""
    return user.role.value in required_roles()


def is_offered(user: User) -> bool:
    """Staff and managers may turn it on. Customers are not offered it: their account shows
    only their own ratings and cases, and another step at sign-in would cost feedback."""
    return user.role in (Role.STAFF, Role.MANAGER) or is_required(user)


def secret_of(user: User) -> str | None:
    """The user's TOTP secret in clear, None when there is none (or it cannot be read)."""
    return crypto.decrypt(user.two_factor_secret) if user.two_factor_secret else None


def start_enrolment(user: User) -> str:
    """The secret to show for setting up: the one already being set up, or a new one.

    Reloading the page keeps the QR code the person may have scanned already.
    """
    if user.has_two_factor:
        raise TwoFactorError("two-factor sign-in is already on")
    secret = secret_of(user)
    if secret is None:
        secret = pyotp.random_base32()  # 160 bits
        user.two_factor_secret = crypto.encrypt(secret)
        db.session.flush()
    return secret


def provisioning_uri(user: User, secret: str) -> str:
    """The ``otpauth://`` URI the QR code carries (issuer and the user's e-mail address)."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=issuer_name())


def issuer_name() -> str:
    """The host's name, as authenticator apps and the set-up pages show it."""
    brand_name = current_app.extensions.get("brand_name")
    return brand_name() if brand_name is not None else ISSUER


def qr_svg(uri: str, label: str) -> Markup:
    """The QR code of ``uri`` as inline SVG markup, drawn here: the secret never leaves the server."""
    svg = segno.make(uri, error="m").svg_inline(scale=5, omitsize=True, svgclass="kt-qr", title=label)
    return Markup(svg.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" ', 1))


def grouped(secret: str) -> str:
    """The secret in groups of four, easier to type into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _accept_code(user: User, secret: str, code: str, now: datetime) -> bool:
    code = "".join(code.split())
    if len(code) != 6 or not code.isdigit():
        return False
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if not hmac.compare_digest(totp.generate_otp(step), code):
            continue
        # Only a step later than the last one accepted; a replay (or an older code) changes nothing.
        moved = db.session.execute(
            update(User)
            .where(
                User.id == user.id,
                or_(User.two_factor_last_step.is_(None), User.two_factor_last_step < step),
            )
            .values(two_factor_last_step=step)
            .execution_options(synchronize_session=False)
        ).rowcount
        if moved:
            user.two_factor_last_step = step
            db.session.flush()
        return bool(moved)
    return False


def confirm_enrolment(user: User, code: str, now: datetime, keep: str | None = None) -> list[str]:
    """Turn two-factor sign-in on once ``code`` shows the app has the secret; return the new
    recovery codes (in clear, to be shown once). TwoFactorError for a wrong code.

    Every other session of the user ends (all but ``keep``, the one setting it up): they were
    opened with the password alone, and someone who has only the password must not keep one.
    """
    secret = secret_of(user)
    if secret is None or user.has_two_factor:
        raise TwoFactorError("nothing is being set up")
    if not _accept_code(user, secret, code, now):
        raise TwoFactorError("wrong code")
    user.two_factor_enabled_at = now
    codes = new_recovery_codes(user, now)
    ended = end_other_sessions(user, keep) if keep is not None else end_all_sessions(user)
    log.info("two-factor sign-in turned on for user %s; %s other session(s) ended", user.id, ended)
    two_factor_changed.send(user, change="on", now=now)
    return codes


def check_code(user: User, code: str, now: datetime) -> bool:
    """Tell whether ``code`` is a current, never used code from the user's app (and use it up)."""
    secret = secret_of(user) if user.has_two_factor else None
    return secret is not None and _accept_code(user, secret, code, now)


def _normalise_recovery(code: str) -> str:
    return "".join(ch for ch in code.lower() if ch.isalnum())


def new_recovery_codes(user: User, now: datetime) -> list[str]:
    """Replace the user's recovery codes with a new set; return it in clear (only hashes are kept)."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = base64.b32encode(secrets.token_bytes(_RECOVERY_BYTES)).decode().lower()
        codes.append("-".join(raw[i : i + 4] for i in range(0, len(raw), 4)))
        db.session.add(RecoveryCode(user_id=user.id, code_hash=hash_token(raw), created_at=now))
    db.session.flush()
    return codes


def replace_recovery_codes(user: User, now: datetime) -> list[str]:
    """A new set of recovery codes for a user who has two-factor sign-in (the old set stops
    working); the owner is told by mail. Returns the new codes in clear."""
    codes = new_recovery_codes(user, now)
    two_factor_changed.send(user, change="recovery_codes_replaced", now=now)
    return codes


def recovery_codes_left(user: User) -> int:
    """How many of the user's recovery codes are still unused."""
    return db.session.scalar(
        select(func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    )


def use_recovery_code(user: User, code: str, now: datetime) -> int | None:
    """Use up one recovery code; return how many are left, or None if ``code`` is not an unused one."""
    raw = _normalise_recovery(code)
    if not user.has_two_factor or len(raw) != 16:
        return None
    used = db.session.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == hash_token(raw),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not used:
        return None
    log.info("user %s signed in with a recovery code", user.id)
    left = recovery_codes_left(user)
    two_factor_changed.send(user, change="recovery_code_used", now=now, codes_left=left)
    return left


def check_password(user: User, password: str) -> bool:
    """Tell whether ``password`` is the user's (to confirm turning two-factor sign-in off)."""
    return bool(user.password_hash) and check_password_hash(user.password_hash, password or "")


def _clear(user: User) -> None:
    user.two_factor_secret = None
    user.two_factor_enabled_at = None
    user.two_factor_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.flush()


def disable(user: User, now: datetime) -> None:
    """Turn the user's own two-factor sign-in off (they proved it is them). Refused where required."""
    if is_required(user):
        raise TwoFactorError("required for this role")
    _clear(user)
    log.info("two-factor sign-in turned off by user %s", user.id)
    two_factor_changed.send(user, change="off", now=now)


def reset(user: User, actor: User | None, now: datetime) -> int:
    """Take two-factor sign-in away from ``user`` (a lost phone, no recovery code left), signing
    them out everywhere; where it is required they set it up again at their next sign-in.
    ``actor`` is the manager doing it (None: the command line). Returns the sessions ended."""
    _clear(user)
    ended = end_all_sessions(user)
    log.warning(
        "two-factor sign-in reset for user %s by %s; %s session(s) ended",
        user.id,
        f"user {actor.id}" if actor is not None else "the command line",
        ended,
    )
    two_factor_changed.send(user, change="reset", now=now)
    return ended
