"""Reads for sign-up: is it open, which link a token names, the invitations not taken up."""

from datetime import datetime

from sqlalchemy import func, select

from ..auth.models import Role, User
from ..core.app_settings import AppSetting
from ..core.security import hash_token
from ..extensions import db
from .models import AccountLink

SIGNUP_MODE_KEY = "signup_mode"
OPEN, INVITE_ONLY = "open", "invite_only"
# Open by default: a sign-up proves its address before it is active and is never matched to
# billing data, so an open door costs a host nothing; a host that only serves its billing
# customers turns it to invitation only.
DEFAULT_SIGNUP_MODE = OPEN


class LinkError(Exception):
    """A link that cannot be used; ``kind`` says why: "invalid", "expired" or "used"."""

    def __init__(self, kind: str):
        super().__init__(kind)
        self.kind = kind


def signup_mode() -> str:
    """ "open" (anyone may sign up) or "invite_only"; an unset or unknown value is the default."""
    row = db.session.get(AppSetting, SIGNUP_MODE_KEY)
    return row.value if row is not None and row.value in (OPEN, INVITE_ONLY) else DEFAULT_SIGNUP_MODE


def signup_open() -> bool:
    """Whether visitors may create their own customer account."""
    return signup_mode() == OPEN


def link_for(token: str, now: datetime) -> AccountLink:
    """The link ``token`` names if it can be used at ``now``; LinkError if not.

    Checked in this order: unknown, then used (someone who already used it hears so, even after
    expiry), then expired. A link whose account was deactivated since counts as unknown.
    """
    if not token or len(token) > 200:
        raise LinkError("invalid")
    digest = hash_token(token)
    link = db.session.scalar(select(AccountLink).where(AccountLink.token_hash == digest))
    if link is None:
        raise LinkError("invalid")
    user = link.user
    if not user.active and not user.is_unclaimed:
        raise LinkError("invalid")
    if link.used_at is not None:
        raise LinkError("used")
    if now >= link.expires_at:
        raise LinkError("expired")
    return link


def open_invitations(limit: int = 50) -> list[User]:
    """Invited customers who have not taken up their invitation yet, newest first."""
    stmt = (
        select(User)
        .where(User.role == Role.CUSTOMER, User.invited_at.is_not(None), User.email_verified_at.is_(None))
        .order_by(User.invited_at.desc(), User.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


def unconfirmed_signups() -> int:
    """Self-service sign-ups whose owner has not used their link (nor been invited)."""
    return db.session.scalar(
        select(func.count(User.id)).where(
            User.role == Role.CUSTOMER,
            User.active.is_(False),
            User.email_verified_at.is_(None),
            User.invited_at.is_(None),
        )
    )
