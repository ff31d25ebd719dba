"""Stored retention months: the figures of months that can no longer change, computed once."""

from datetime import date

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from ...extensions import db


class RetentionMonth(db.Model):
    """The figures of one month (``kind`` "month") or of one signup cohort ("cohort"), as JSON.

    ``valid_through``: the row depends only on facts effective before the start of this day (events
    and subscription dates before it, ratings and cases created before it). A write effective on
    day ``d`` deletes every row with ``valid_through > d`` (store.invalidate_from).
    """

    __tablename__ = "retention_months"

    kind: Mapped[str] = mapped_column(String(10), primary_key=True)
    month: Mapped[date] = mapped_column(primary_key=True)
    valid_through: Mapped[date] = mapped_column(index=True)
    figures: Mapped[dict] = mapped_column(JSON)


class RetentionEpoch(db.Model):
    """One row counting invalidations: a page stores a month only if no invalidation happened
    since it started computing it (the row lock orders the two; see store.save)."""

    __tablename__ = "retention_epoch"

    id: Mapped[int] = mapped_column(primary_key=True)
    n: Mapped[int] = mapped_column(default=0)
