"""Subscriptions (a customer's hosting services over time) and their dated events."""

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Numeric, SmallInteger, String
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
