"""Rollups the reports read instead of raw rows, kept current by the write path."""

from datetime import date

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class RatingRollup(db.Model):
    """Rating counts and sums for one UTC day, category, plan and channel.

    ``category_key`` is the category id, or 0 for uncategorised ratings (a primary key
    column cannot be NULL); ``plan`` is the customer's plan when they rated, or "none".
    Every figure of the satisfaction report is a sum of these columns.
    """

    __tablename__ = "rating_rollups"

    day: Mapped[date] = mapped_column(primary_key=True)
    category_key: Mapped[int] = mapped_column(primary_key=True)
    plan: Mapped[str] = mapped_column(String(20), primary_key=True)
    channel: Mapped[str] = mapped_column(String(20), primary_key=True)
    ratings: Mapped[int] = mapped_column(default=0)
    csat_n: Mapped[int] = mapped_column(default=0)
    csat_satisfied: Mapped[int] = mapped_column(default=0)
    csat_sum: Mapped[int] = mapped_column(default=0)
    nps_n: Mapped[int] = mapped_column(default=0)
    promoters: Mapped[int] = mapped_column(default=0)
    detractors: Mapped[int] = mapped_column(default=0)


class FollowupRollup(db.Model):
    """Counts of follow-up facts for one UTC day (``grain`` "day") or month ("month", ``day`` = its 1st).

    ``measure`` names the fact (see followup_rollups.py): follow-ups created, a first-response or
    resolution duration in histogram bin ``bin``, or a deadline due, met or breached on that day.
    Every count of the support report is a sum of ``n``; its percentiles come from the bins.
    """

    __tablename__ = "followup_rollups"

    grain: Mapped[str] = mapped_column(String(5), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    priority: Mapped[str] = mapped_column(String(10), primary_key=True)
    measure: Mapped[str] = mapped_column(String(12), primary_key=True)
    bin: Mapped[int] = mapped_column(primary_key=True)
    n: Mapped[int] = mapped_column(default=0)
    # Sum of the durations in the bin, in milliseconds: a bin of one value, or of equal values, is exact.
    total_ms: Mapped[int] = mapped_column(BigInteger, default=0)
