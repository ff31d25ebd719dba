"""Notices to customers: announcements, maintenance windows, backup routines, incidents."""

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..core.db import UTCDateTime, enum_column
from ..core.time import utcnow
from ..extensions import db


class NoticeKind(enum.StrEnum):
    """What a notice is about."""

    ANNOUNCEMENT = "announcement"
    MAINTENANCE = "maintenance"
    BACKUP = "backup"
    INCIDENT = "incident"


class Notice(db.Model):
    """One notice, targeted at every customer or at those on some plans or servers.

    ``plans`` and ``servers`` are comma-separated lists; empty means everyone.
    A draft has no ``published_at``; an incident is over once ``resolved_at`` is set.
    """

    __tablename__ = "notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[NoticeKind] = mapped_column(enum_column(NoticeKind, "notice_kind"))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    expected_downtime_minutes: Mapped[int | None]
    plans: Mapped[str] = mapped_column(String(60), default="")
    servers: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # When the affected customers were e-mailed (None once published: the job has yet to) and
    # reminded the day before a maintenance window.
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    created_by: Mapped[User | None] = relationship()
    updates: Mapped[list["NoticeUpdate"]] = relationship(
        back_populates="notice", order_by="NoticeUpdate.created_at", cascade="all, delete-orphan"
    )


class NoticeUpdate(db.Model):
    """A timed update on a notice (an incident's progress)."""

    __tablename__ = "notice_updates"

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    mailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # None: the job has yet to mail it

    notice: Mapped[Notice] = relationship(back_populates="updates")
    author: Mapped[User | None] = relationship()
