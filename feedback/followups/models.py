"""Follow-ups (the cases negative feedback opens), their timeline, SLA policies, routing
rules and the feedback categories those rules are written over.

Surveys build on follow-ups, so this module names surveys' ``Feedback`` by string only; the
mapper finds it once every model is loaded (``feedback/models.py``).
"""

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, SmallInteger, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import Plan, User
from ..core.db import UTCDateTime, enum_column
from ..core.time import utcnow
from ..extensions import db
from ..teams.models import Team
from .reference import case_reference


class Category(db.Model):
    """A managed feedback category (support, uptime, billing, …)."""

    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)

    def __repr__(self) -> str:
        return f"<Category {self.slug}>"


class Priority(enum.StrEnum):
    """How fast a follow-up must be answered."""

    CRITICAL = "critical"
    HIGH = "high"
    NORMAL = "normal"


PRIORITY_RANK = {Priority.CRITICAL: 0, Priority.HIGH: 1, Priority.NORMAL: 2}


class FollowupStatus(enum.StrEnum):
    """Where a follow-up stands. ``waiting`` (on the customer) pauses the resolution clock."""

    OPEN = "open"
    WAITING = "waiting"
    RESOLVED = "resolved"


# Not resolved yet. Tested as "status IN (open, waiting)" rather than "status != resolved" so the
# (status, due_at) index serves the queue and the backlog: an inequality cannot use it.
ACTIVE_STATUSES = (FollowupStatus.OPEN, FollowupStatus.WAITING)


class EventKind(enum.StrEnum):
    """Entries in a follow-up's timeline (its audit trail)."""

    CREATED = "created"
    CLAIMED = "claimed"
    ASSIGNED = "assigned"
    PUBLIC_REPLY = "public_reply"
    CUSTOMER_REPLY = "customer_reply"
    INTERNAL_NOTE = "internal_note"
    WAITING = "waiting"
    RESUMED = "resumed"
    RESOLVED = "resolved"
    REOPENED = "reopened"
    SLA_WARNING = "sla_warning"
    SLA_BREACH = "sla_breach"
    SLA_ESCALATED = "sla_escalated"  # still open at the last level (2× the deadline): managers told
    PROGRESS_REPORT = "progress_report"  # the automatic "still working on it" e-mail
    NOTICE_UPDATE = "notice_update"  # an incident update posted to affected cases


PUBLIC_EVENTS = frozenset(
    {
        EventKind.CREATED,
        EventKind.PUBLIC_REPLY,
        EventKind.CUSTOMER_REPLY,
        EventKind.WAITING,
        EventKind.RESUMED,
        EventKind.RESOLVED,
        EventKind.REOPENED,
        EventKind.PROGRESS_REPORT,
        EventKind.NOTICE_UPDATE,
    }
)


class SlaTarget(enum.StrEnum):
    """The deadlines a follow-up carries."""

    FIRST_RESPONSE = "first_response"
    NEXT_REPLY = "next_reply"
    RESOLUTION = "resolution"
    ATTENTION = "attention"  # the 24 h "never unattended" ceiling


class SlaPolicy(db.Model):
    """Deadlines for one priority, for every plan (``plan`` None: the priority's default) or for
    one plan tier (dedicated faster than shared), in minutes.

    ``business_hours``: the minutes count only the working hours of the case's team (its calendar,
    teams/calendars.py); otherwise, and for a case without a team, calendar time (24/7). The 24 h
    "never unattended" ceiling is calendar time whatever the policy.
    """

    __tablename__ = "sla_policies"
    __table_args__ = (
        UniqueConstraint("priority", "plan", name="uq_sla_policies_priority_plan"),
        # NULLs are distinct in a unique constraint: one default per priority is kept by this one.
        Index(
            "uq_sla_policies_default",
            "priority",
            unique=True,
            postgresql_where=text("plan IS NULL"),
            sqlite_where=text("plan IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    priority: Mapped[Priority] = mapped_column(enum_column(Priority, "priority"))
    plan: Mapped[Plan | None] = mapped_column(enum_column(Plan, "plan"))
    business_hours: Mapped[bool] = mapped_column(default=False)
    first_response_minutes: Mapped[int]
    next_reply_minutes: Mapped[int]
    resolution_minutes: Mapped[int]
    progress_interval_minutes: Mapped[int]


class CannedReply(db.Model):
    """A reply staff start from, in one language, with placeholders (followups/canned.py)."""

    __tablename__ = "canned_replies"

    id: Mapped[int] = mapped_column(primary_key=True)
    language: Mapped[str] = mapped_column(String(8), index=True)
    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class RoutingRule(db.Model):
    """A rule that opens a follow-up. Rules are tried by position; the first match sets the priority.

    A rule matches when every condition it sets holds; unset conditions are ignored.
    """

    __tablename__ = "routing_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(String(120))
    urgent: Mapped[bool | None]
    csat_max: Mapped[int | None] = mapped_column(SmallInteger)
    nps_max: Mapped[int | None] = mapped_column(SmallInteger)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id", ondelete="CASCADE"))
    plan: Mapped[Plan | None] = mapped_column(enum_column(Plan, "plan"))  # the customer's plan tier
    priority: Mapped[Priority] = mapped_column(enum_column(Priority, "priority"))
    # Where the case goes: a team's queue, and a person at once (both optional).
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    active: Mapped[bool] = mapped_column(default=True)

    category: Mapped[Category | None] = relationship()
    team: Mapped[Team | None] = relationship()
    assignee: Mapped[User | None] = relationship()


class Followup(db.Model):
    """The case opened by negative feedback, with its SLA deadlines stored on the row."""

    __tablename__ = "followups"
    __table_args__ = (
        Index("ix_followups_status_due", "status", "due_at"),
        Index("ix_followups_next_check", "next_check_at"),
        # The queue's order over the open and waiting cases only: its first page is the first entries.
        Index(
            "ix_followups_active_due",
            "due_at",
            "created_at",
            "id",
            postgresql_where=text("status IN ('open', 'waiting')"),
            sqlite_where=text("status IN ('open', 'waiting')"),
        ),
        # A customer's breached cases by time: "a breach in the last 180 days" (renewals at risk).
        Index(
            "ix_followups_customer_breached",
            "customer_id",
            "created_at",
            postgresql_where=text("breached IS TRUE"),
            sqlite_where=text("breached IS 1"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    feedback_id: Mapped[int] = mapped_column(ForeignKey("feedback.id", ondelete="CASCADE"), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    # The team whose queue it is in (None: every staff member's), and the SLA policy it runs on
    # (None: its priority's default, also when the plan's own policy was deleted).
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"), index=True)
    sla_policy_id: Mapped[int | None] = mapped_column(ForeignKey("sla_policies.id", ondelete="SET NULL"))
    priority: Mapped[Priority] = mapped_column(enum_column(Priority, "priority"))
    status: Mapped[FollowupStatus] = mapped_column(
        enum_column(FollowupStatus, "followup_status"), default=FollowupStatus.OPEN
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Start of the 24 h "never unattended" clock: creation, last public staff reply, or reopening.
    attention_since: Mapped[datetime] = mapped_column(UTCDateTime())
    awaiting_reply_since: Mapped[datetime | None] = mapped_column(UTCDateTime())
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    paused_seconds: Mapped[int] = mapped_column(default=0)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    # Deadlines, recomputed by sla.apply_deadlines on every event.
    # Indexed: the support report counts today's and later deadlines live (older ones from rollups).
    first_response_due: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    next_reply_due: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolution_due: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    attention_due: Mapped[datetime | None] = mapped_column(UTCDateTime())
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # the nearest active deadline
    at_risk_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # earliest 80 % mark
    next_check_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # next warning or breach
    swept_until: Mapped[datetime | None] = mapped_column(UTCDateTime())  # sweep handled all before
    progress_reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # last automatic report
    breached: Mapped[bool] = mapped_column(default=False, index=True)
    first_response_breached: Mapped[bool] = mapped_column(default=False)
    resolution_breached: Mapped[bool] = mapped_column(default=False)

    feedback: Mapped["Feedback"] = relationship(back_populates="followup")  # noqa: F821
    customer: Mapped[User] = relationship(foreign_keys=[customer_id])
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    team: Mapped[Team | None] = relationship()
    events: Mapped[list["FollowupEvent"]] = relationship(
        back_populates="followup", order_by="FollowupEvent.id", cascade="all, delete-orphan"
    )

    @property
    def is_open(self) -> bool:
        return self.status != FollowupStatus.RESOLVED

    @property
    def reference(self) -> str:
        """The case's public reference, ``K-220`` (reference.py)."""
        return case_reference(self.id)


class FollowupEvent(db.Model):
    """One entry in a follow-up's timeline: who did what, when."""

    __tablename__ = "followup_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    followup_id: Mapped[int] = mapped_column(ForeignKey("followups.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[EventKind] = mapped_column(enum_column(EventKind, "event_kind"))
    body: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    followup: Mapped[Followup] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()

    @property
    def is_public(self) -> bool:
        return self.kind in PUBLIC_EVENTS


class SlaEscalation(db.Model):
    """A warning or breach recorded once per follow-up, deadline and due time (idempotence)."""

    __tablename__ = "sla_escalations"
    __table_args__ = (
        UniqueConstraint("followup_id", "target", "level", "due_at", name="uq_sla_escalations_once"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    followup_id: Mapped[int] = mapped_column(ForeignKey("followups.id", ondelete="CASCADE"), index=True)
    target: Mapped[SlaTarget] = mapped_column(enum_column(SlaTarget, "sla_target"))
    level: Mapped[str] = mapped_column(String(10))  # "warning", "breach" or "escalated" (escalation.py)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class NewCaseAlert(db.Model):
    """A new unassigned case told to one staff member: in an e-mail of its own (``mailed_at``
    set when it was queued) or, when they had new-case mail a moment ago, in their next digest
    (``mailed_at`` empty until the digest job sends it). Once per person and case."""

    __tablename__ = "new_case_alerts"
    __table_args__ = (
        UniqueConstraint("user_id", "followup_id", name="uq_new_case_alerts_once"),
        Index("ix_new_case_alerts_user_mailed", "user_id", "mailed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    followup_id: Mapped[int] = mapped_column(ForeignKey("followups.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    mailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    in_digest: Mapped[bool] = mapped_column(default=False)  # False: it had an e-mail of its own

    followup: Mapped[Followup] = relationship()


class NewCaseMailWindow(db.Model):
    """When a staff member last got new-case mail. Within ``FOLLOWUP_DIGEST_MINUTES`` of it,
    further cases wait for one digest; the row is what concurrent jobs lock to agree on that."""

    __tablename__ = "new_case_mail_windows"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    last_mailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
