"""Feedback left by customers: ratings and suggestions, and the survey invitations behind them.

Their categories are :class:`feedback.followups.models.Category`: routing rules are written over
them, and surveys build on follow-ups.
"""

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, SmallInteger, String, Text, event, select, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import CustomerAccount, Plan, User
from ..core.db import UTCDateTime, enum_column
from ..core.scales import CSAT_LOW_MAX
from ..core.time import utcnow
from ..extensions import db
from ..followups.models import Category


class FeedbackKind(enum.StrEnum):
    """A rating (CSAT, optional NPS) or a suggestion (title and text)."""

    RATING = "rating"
    # Suggestions became ideas (feedback/ideas, migration 0009); none are stored here any more.
    SUGGESTION = "suggestion"
    PROACTIVE = "proactive"  # staff reached out first (renewal at risk): never a rating


class Channel(enum.StrEnum):
    """Where the feedback came in."""

    DASHBOARD = "dashboard"
    EMAIL = "email"
    API = "api"


class Feedback(db.Model):
    """One piece of feedback from one customer."""

    __tablename__ = "feedback"
    __table_args__ = (
        CheckConstraint("csat IS NULL OR (csat BETWEEN 1 AND 5)", name="csat_range"),
        CheckConstraint("nps IS NULL OR (nps BETWEEN 0 AND 10)", name="nps_range"),
        Index("ix_feedback_customer_created", "customer_id", "created_at"),
        # A customer's NPS answers by time: "the latest answer before an instant" is one entry.
        Index(
            "ix_feedback_customer_nps",
            "customer_id",
            "created_at",
            "id",
            postgresql_where=text("nps IS NOT NULL"),
            sqlite_where=text("nps IS NOT NULL"),
        ),
        # A customer's low CSAT answers by time: "a low rating in the last 90 days" (renewals at risk).
        Index(
            "ix_feedback_customer_low_csat",
            "customer_id",
            "created_at",
            postgresql_where=text(f"csat <= {CSAT_LOW_MAX}"),
            sqlite_where=text(f"csat <= {CSAT_LOW_MAX}"),
        ),
        # The few proactive rows (staff called first): renewals at risk sets their cases apart.
        Index(
            "ix_feedback_proactive",
            "id",
            postgresql_where=text("kind = 'proactive'"),
            sqlite_where=text("kind = 'proactive'"),
        ),
        # Only the few rows still waiting for their receipt: the receipts job finds them at once.
        Index(
            "ix_feedback_unacknowledged",
            "id",
            postgresql_where=text("acknowledged_at IS NULL"),
            sqlite_where=text("acknowledged_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[FeedbackKind] = mapped_column(enum_column(FeedbackKind, "feedback_kind"))
    channel: Mapped[Channel] = mapped_column(enum_column(Channel, "channel"), default=Channel.DASHBOARD)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    csat: Mapped[int | None] = mapped_column(SmallInteger)
    nps: Mapped[int | None] = mapped_column(SmallInteger)
    urgent: Mapped[bool] = mapped_column(default=False)
    title: Mapped[str | None] = mapped_column(String(200))
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    # The customer's plan when they gave this feedback (set on insert, never moved by a plan
    # change): the report's "by plan" counts each rating under the plan it was given on.
    plan: Mapped[Plan | None] = mapped_column(enum_column(Plan, "feedback_plan"))
    # When the receipts job queued the "thank you" / "we opened a case" mail; None until then.
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    customer: Mapped[User] = relationship()
    category: Mapped[Category | None] = relationship()
    followup: Mapped["Followup | None"] = relationship(back_populates="feedback", uselist=False)  # noqa: F821

    def __repr__(self) -> str:
        return f"<Feedback {self.id} {self.kind} csat={self.csat} nps={self.nps}>"

    @staticmethod
    def plan_now(customer_id):
        """The customer's plan as a scalar subquery (NULL without an account): what a new row records."""
        return select(CustomerAccount.plan).where(CustomerAccount.user_id == customer_id).scalar_subquery()


@event.listens_for(Feedback, "before_insert")
def _plan_at_the_time(mapper, connection, target: Feedback) -> None:
    """Every path that adds feedback through the ORM records the customer's plan, read by the
    INSERT itself (no extra round trip)."""
    if target.plan is None:
        target.plan = Feedback.plan_now(target.customer_id)


class SurveyKind(enum.StrEnum):
    """One-click surveys sent by e-mail."""

    NPS = "nps"  # the periodic relationship survey
    CASE_CSAT = "case_csat"  # "were you satisfied with how we handled this?" after resolution


class SurveyInvitation(db.Model):
    """A survey e-mailed to one customer. Its link's token names this row; ``used_at`` makes it single-use."""

    __tablename__ = "survey_invitations"
    __table_args__ = (Index("ix_survey_invitations_customer_kind", "customer_id", "kind", "sent_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[SurveyKind] = mapped_column(enum_column(SurveyKind, "survey_kind"))
    followup_id: Mapped[int | None] = mapped_column(ForeignKey("followups.id", ondelete="CASCADE"))
    nonce: Mapped[str] = mapped_column(String(64), unique=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    feedback_id: Mapped[int | None] = mapped_column(ForeignKey("feedback.id", ondelete="SET NULL"))

    customer: Mapped[User] = relationship()
