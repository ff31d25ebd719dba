"""The outbox: one row per e-mail, written in the same transaction as what caused it."""

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..core.db import UTCDateTime, enum_column
from ..core.time import utcnow
from ..extensions import db


class OutboxStatus(enum.StrEnum):
    """Where a message stands. ``sending`` rows are claimed by a dispatcher (with a lease)."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"  # gave up after the last attempt; a manager can retry it


class OutboxMessage(db.Model):
    """One e-mail, rendered when it was queued so the worker needs no request or locale — or,
    with ``render_params``, rendered by the dispatcher just before it is sent (:mod:`.deferred`)."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_status_next_attempt", "status", "next_attempt_at"),
        Index("ix_outbox_created", "created_at", "id"),  # the outbox page: newest first
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(60))  # the template, e.g. "followups/reply"
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    to_email: Mapped[str] = mapped_column(String(254))
    to_name: Mapped[str] = mapped_column(String(120), default="")
    # The From display name: the host's brand when the mail was queued ("" before migration 0014).
    sender_name: Mapped[str] = mapped_column(String(120), default="", server_default="")
    subject: Mapped[str] = mapped_column(String(200))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    # JSON parameters of a mail not rendered yet (bodies empty until then); None once rendered.
    render_params: Mapped[str | None] = mapped_column(Text)
    # JSON object of extra headers (List-Unsubscribe …), validated when queued.
    headers: Mapped[str] = mapped_column(Text, default="{}")
    status: Mapped[OutboxStatus] = mapped_column(
        enum_column(OutboxStatus, "outbox_status"), default=OutboxStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Makes "send this once" a database guarantee: a second row with the same key is refused.
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)

    @property
    def message_id(self) -> str:
        """A stable Message-ID, so a resend after a crash is recognisable as the same mail."""
        return f"<outbox-{self.id}@kontento>"
