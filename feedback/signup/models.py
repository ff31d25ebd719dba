"""Links e-mailed to prove an address is its owner's: finish a sign-up, take up an invitation,
set a new password. Only a hash of each link's token is stored."""

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..core.db import UTCDateTime, enum_column
from ..core.time import utcnow
from ..extensions import db


class LinkPurpose(enum.StrEnum):
    """What using the link does. Each of them lets the owner of the address choose a password."""

    SIGNUP = "signup"  # confirms a self-service sign-up and activates it
    INVITE = "invite"  # takes up an invitation from the host and activates it
    PASSWORD = "password"  # a new password for an account already in use


class AccountLink(db.Model):
    """A single-use, expiring link mailed to one user's address."""

    __tablename__ = "account_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[LinkPurpose] = mapped_column(enum_column(LinkPurpose, "link_purpose"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Set when the link is used, and on every other open link of the user at that moment.
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()
