"""The stored ranking facts of the renewal-at-risk queue, one row per customer login."""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Numeric, SmallInteger, false, text, true
from sqlalchemy.orm import Mapped, mapped_column

from ..core.db import UTCDateTime
from ..extensions import db

STALE = text("stale IS true")
STALE_SQLITE = text("stale IS 1")  # as SQLAlchemy writes the test there: SQLite matches it literally
NEXT_AT = text("next_at IS NOT NULL")


class CustomerRisk(db.Model):
    """What ranks one customer on the queue, computed by the live rule as of ``as_of``
    (queries.stored_facts) and valid until ``next_at`` (the first rating or breached case dated
    after ``as_of``, if any): the score at any instant in between follows from these columns alone
    (queries.stored_score). A write about the customer sets ``stale`` and bumps ``version``
    (store.stale_upsert); the page recomputes stale rows before it reads (store.refresh)."""

    __tablename__ = "customer_risk"
    __table_args__ = (
        Index("ix_customer_risk_stale", "customer_id", postgresql_where=STALE, sqlite_where=STALE_SQLITE),
        Index("ix_customer_risk_renews_on", "renews_on"),
        Index("ix_customer_risk_as_of", "as_of"),
        Index("ix_customer_risk_next_at", "next_at", postgresql_where=NEXT_AT, sqlite_where=NEXT_AT),
    )

    customer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    stale: Mapped[bool] = mapped_column(default=True, server_default=true())
    version: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    as_of: Mapped[datetime | None] = mapped_column(UTCDateTime())
    next_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    active: Mapped[bool] = mapped_column(default=False, server_default=false())
    renews_on: Mapped[date | None]
    revenue: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    latest_nps: Mapped[int | None] = mapped_column(SmallInteger)
    latest_low_csat_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    latest_breach_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    open_signal: Mapped[int] = mapped_column(SmallInteger, default=0, server_default=text("0"))
