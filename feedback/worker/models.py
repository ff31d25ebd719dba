"""Bookkeeping for periodic jobs: who ran what, when, with what outcome."""

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..core.db import UTCDateTime
from ..extensions import db


class JobRun(db.Model):
    """The last run of one periodic job. Claiming a run is a conditional UPDATE on this row,
    so however many schedulers are alive, one run per period happens."""

    __tablename__ = "job_runs"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    last_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_result: Mapped[str] = mapped_column(Text, default="")
    last_error: Mapped[str] = mapped_column(Text, default="")
