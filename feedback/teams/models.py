"""Support teams: who is in them, who leads them, and when they work (their business-hours
calendar: time zone, weekly hours, holidays typed by hand or a country's, or around the clock).

Cases are routed to a team (followups/routing.py); SLA policies on business time count only the
team's working hours (calendars.py turns a team into a :class:`~.business_time.Calendar`).
"""

from datetime import date, datetime

from sqlalchemy import JSON, Column, ForeignKey, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..core.db import UTCDateTime
from ..core.time import utcnow
from ..extensions import db

team_members = Table(
    "team_members",
    db.metadata,
    Column("team_id", ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True),
)

WEEKDAYS = 7


class Team(db.Model):
    """A support team and its calendar.

    ``hours`` holds the working hours of each weekday, Monday first, as typed
    (``"09:00-12:30, 13:30-18:00"``; empty: a day off). ``always_open`` teams work 24/7 and their
    hours are not used. ``holiday_country`` (ISO 3166, e.g. ``DE``) and ``holiday_subdivision``
    (e.g. ``BE``, Berlin) add that place's public holidays to the ones typed by hand.
    """

    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    always_open: Mapped[bool] = mapped_column(default=False)
    hours: Mapped[list] = mapped_column(JSON, default=lambda: [""] * WEEKDAYS)
    holiday_country: Mapped[str | None] = mapped_column(String(2))
    holiday_subdivision: Mapped[str | None] = mapped_column(String(10))
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    lead: Mapped[User | None] = relationship(foreign_keys=[lead_id])
    members: Mapped[list[User]] = relationship(secondary=team_members, order_by=User.name)
    holidays: Mapped[list["TeamHoliday"]] = relationship(
        back_populates="team", order_by="TeamHoliday.day", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Team {self.name}>"


class TeamHoliday(db.Model):
    """A day the team does not work, typed by a manager (a company day off, a local holiday)."""

    __tablename__ = "team_holidays"
    __table_args__ = (UniqueConstraint("team_id", "day", name="uq_team_holidays_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    day: Mapped[date]
    name: Mapped[str] = mapped_column(String(80), default="")

    team: Mapped[Team] = relationship(back_populates="holidays")
