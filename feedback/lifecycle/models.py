"""Subscriptions (a customer's hosting services over time), their dated events, and the CSV imports
that record them."""

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, LargeBinary, Numeric, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import Plan, User
from ..core.db import UTCDateTime, enum_column
from ..core.time import utcnow
from ..extensions import db


class SubscriptionStatus(enum.StrEnum):
    """Where a subscription stands now."""

    ACTIVE = "active"
    CANCELLED = "cancelled"  # the customer ended it
    LAPSED = "lapsed"  # not renewed / not paid: ended by the host


class EventKind(enum.StrEnum):
    """What happened to a subscription on a given day."""

    STARTED = "started"
    RENEWED = "renewed"
    UPGRADED = "upgraded"  # to a higher plan tier (shared → VPS → dedicated)
    DOWNGRADED = "downgraded"
    CANCELLED = "cancelled"
    LAPSED = "lapsed"


class Subscription(db.Model):
    """One hosting service of a customer, as the billing system knows it.

    ``plan`` and ``monthly_price`` are the current ones; the history is in the events.
    """

    __tablename__ = "subscriptions"
    __table_args__ = (Index("ix_subscriptions_status_renews", "status", "renews_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    external_id: Mapped[str] = mapped_column(String(64), unique=True)  # the billing system's service id
    plan: Mapped[Plan] = mapped_column(enum_column(Plan, "plan"))
    monthly_price: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    cycle_months: Mapped[int] = mapped_column(SmallInteger, default=1)  # 1 monthly, 12 annually …
    status: Mapped[SubscriptionStatus] = mapped_column(
        enum_column(SubscriptionStatus, "subscription_status"), default=SubscriptionStatus.ACTIVE
    )
    started_on: Mapped[date] = mapped_column(index=True)
    renews_on: Mapped[date | None]  # next renewal due (None once ended)
    ended_on: Mapped[date | None] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    customer: Mapped[User] = relationship()
    events: Mapped[list["SubscriptionEvent"]] = relationship(
        back_populates="subscription",
        order_by="(SubscriptionEvent.occurred_on, SubscriptionEvent.id)",
        cascade="all, delete-orphan",
    )


class SubscriptionEvent(db.Model):
    """A dated change: start, renewal, plan change, cancellation or lapse.

    ``source_key`` makes every import and API push idempotent: the same event sent twice
    (the same CSV re-imported, a billing panel retrying) is stored once.
    """

    __tablename__ = "subscription_events"
    __table_args__ = (
        Index("ix_subscription_events_kind_day", "kind", "occurred_on"),
        Index("ix_subscription_events_customer_day", "customer_id", "occurred_on"),
        # The price at a day: the subscription's last event before it, one backward index step.
        Index("ix_subscription_events_sub_day", "subscription_id", "occurred_on", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("subscriptions.id", ondelete="CASCADE"), index=True
    )
    customer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[EventKind] = mapped_column(enum_column(EventKind, "subscription_event_kind"))
    occurred_on: Mapped[date]
    plan: Mapped[Plan] = mapped_column(enum_column(Plan, "plan"))  # the plan after the event
    from_plan: Mapped[Plan | None] = mapped_column(enum_column(Plan, "plan"))  # before a plan change
    monthly_price: Mapped[Decimal] = mapped_column(Numeric(10, 2))  # after the event
    source_key: Mapped[str] = mapped_column(String(160), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    subscription: Mapped[Subscription] = relationship(back_populates="events")


class ImportStatus(enum.StrEnum):
    """Where a subscription import stands."""

    QUEUED = "queued"  # uploaded, waiting for the worker
    RUNNING = "running"
    DONE = "done"  # every line was good: the events are recorded
    REJECTED = "rejected"  # some line was not: nothing was recorded
    FAILED = "failed"  # the server could not finish it: nothing was recorded

    @property
    def finished(self) -> bool:
        """True once the import will not change any more."""
        return self in (ImportStatus.DONE, ImportStatus.REJECTED, ImportStatus.FAILED)


class ImportStage(enum.StrEnum):
    """What a running import is doing: its progress (``done`` of ``total``) counts in these units."""

    READING = "reading"  # bytes of the file read and parsed
    CHECKING = "checking"  # rows whose service history was replayed
    SAVING = "saving"  # rows recorded, in one transaction


class SubscriptionImport(db.Model):
    """One CSV file of subscription events, from its upload to its outcome.

    The worker reads the file from ``subscription_import_chunks`` (so it may run on another
    machine than the web process), stages its rows in ``subscription_import_rows``, and keeps
    every rejected line in ``subscription_import_rejections``; chunks and staged rows are
    deleted when it finishes. ``claim`` names the run that holds it: a run that lost it
    (requeued as stale) cannot commit its result.
    """

    __tablename__ = "subscription_imports"
    __table_args__ = (Index("ix_subscription_imports_status_created", "status", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(255))
    size_bytes: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[ImportStatus] = mapped_column(
        enum_column(ImportStatus, "subscription_import_status"), default=ImportStatus.QUEUED
    )
    stage: Mapped[ImportStage | None] = mapped_column(enum_column(ImportStage, "subscription_import_stage"))
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    claim: Mapped[str | None] = mapped_column(String(32))
    attempts: Mapped[int] = mapped_column(SmallInteger, default=0)
    rows: Mapped[int] = mapped_column(default=0)  # data rows read (blank ones not counted)
    blank_lines: Mapped[int] = mapped_column(default=0)  # lines with no value in any cell: skipped
    new_events: Mapped[int] = mapped_column(default=0)
    already_imported: Mapped[int] = mapped_column(default=0)
    subscriptions_created: Mapped[int] = mapped_column(default=0)
    rejected_lines: Mapped[int] = mapped_column(default=0)  # all of them, listed or not
    error: Mapped[str] = mapped_column(Text, default="")  # why a failed import failed
    locale: Mapped[str | None] = mapped_column(String(10))  # the uploader's: the reasons are written in it
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    created_by: Mapped[User | None] = relationship()


class ImportChunk(db.Model):
    """A piece (about 1 MB) of an uploaded file, until the import has read it."""

    __tablename__ = "subscription_import_chunks"

    import_id: Mapped[int] = mapped_column(
        ForeignKey("subscription_imports.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class ImportRow(db.Model):
    """A parsed good line of a running import, waiting to be checked against its service's history.

    Plain strings rather than the enum columns: it is scratch space, written and read in bulk.
    """

    __tablename__ = "subscription_import_rows"
    __table_args__ = (Index("ix_subscription_import_rows_service", "import_id", "service_id", "line"),)

    import_id: Mapped[int] = mapped_column(
        ForeignKey("subscription_imports.id", ondelete="CASCADE"), primary_key=True
    )
    line: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    customer_id: Mapped[int]
    service_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(20))
    occurred_on: Mapped[date]
    plan: Mapped[str | None] = mapped_column(String(20))
    amount: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))  # per billing cycle, as in the file
    cycle: Mapped[int | None] = mapped_column(SmallInteger)
    source_key: Mapped[str] = mapped_column(String(160))
    client_id: Mapped[str] = mapped_column(String(64), default="")
    known: Mapped[bool] = mapped_column(default=False)  # recorded by an earlier import


class ImportRejection(db.Model):
    """A rejected line of an import and why (one row per reason found)."""

    __tablename__ = "subscription_import_rejections"
    __table_args__ = (Index("ix_subscription_import_rejections_line", "import_id", "line"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("subscription_imports.id", ondelete="CASCADE"))
    line: Mapped[int]
    reason: Mapped[str] = mapped_column(Text)
