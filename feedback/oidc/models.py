"""Accounts at the billing panel's OpenID provider that sign in to a Kontento user."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..core.db import UTCDateTime
from ..core.time import utcnow
from ..extensions import db


class ExternalIdentity(db.Model):
    """One provider account (issuer + subject) and the user it signs in as.

    The subject, not the e-mail, is what identifies a person at the provider: it never changes
    or passes to someone else, so once linked, a change of address there still finds the same
    account here.
    """

    __tablename__ = "external_identities"
    __table_args__ = (UniqueConstraint("issuer", "subject", name="uq_external_identities_issuer_subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    issuer: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str] = mapped_column(String(255))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user: Mapped[User] = relationship()
