"""Ideas, their votes and followers, their audit trail, links and the changelog.

Merges never move a vote: a vote stays on the idea it was cast on and an idea merged into
another points at it (``merged_into_id``) and shares its ``root_id``, the live idea at the top of
the chain. An idea's votes are the distinct customers voting on any idea of its group, so undoing
a merge returns every vote where it was; ``vote_count`` keeps that figure on the live idea.
"""

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, and_, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..core.db import UTCDateTime, enum_column
from ..core.time import utcnow
from ..extensions import db
from ..followups.models import Category


class IdeaStatus(enum.StrEnum):
    """Where an idea stands; managers may relabel them, the meanings are fixed."""

    NEW = "new"
    UNDER_REVIEW = "under_review"
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    DECLINED = "declined"


# The order the board and the triage page show them in.
STATUSES = tuple(IdeaStatus)
CLOSED_STATUSES = frozenset({IdeaStatus.DONE, IdeaStatus.DECLINED})


class IdeaEventKind(enum.StrEnum):
    """Entries in an idea's audit trail."""

    CREATED = "created"
    STATUS = "status"  # detail: "old>new"; body: the decline reason or the changelog text
    ANSWERED = "answered"  # the official answer (public)
    NOTE = "note"  # internal, never shown to customers
    EDITED = "edited"  # body: the text before the edit, as JSON {"title", "description"}
    MOVED = "moved"  # detail: the category slugs "old>new"
    LOCKED = "locked"
    UNLOCKED = "unlocked"
    HIDDEN = "hidden"
    SHOWN = "shown"
    MERGED_INTO = "merged_into"  # on the merged idea; detail: the kept idea's id
    MERGED_IN = "merged_in"  # on the kept idea; detail: the merged idea's id
    UNMERGED = "unmerged"  # on both; detail: the other idea's id
    LINKED = "linked"  # detail: "case:12" or "notice:3"
    UNLINKED = "unlinked"


# The board: not merged into another idea, not hidden as spam. Written as "= false" (not "IS
# false") so PostgreSQL and SQLite match it to the partial indexes below; ``on_board()`` is
# the same condition for queries, and both must stay equal.
ON_BOARD_SQL = {
    "postgresql": "merged_into_id IS NULL AND hidden = false",
    "sqlite": "merged_into_id IS NULL AND hidden = 0",
}

# What a customer may see of the trail; notes and moderation stay with staff.
PUBLIC_EVENTS = frozenset({IdeaEventKind.CREATED, IdeaEventKind.STATUS, IdeaEventKind.ANSWERED})


class Idea(db.Model):
    """One idea on the board."""

    __tablename__ = "ideas"
    __table_args__ = (
        # The board's three orders over the ideas on it (see ``on_board``): partial indexes, so
        # the first page is read in order instead of sorting every idea.
        *(
            Index(
                f"ix_ideas_board_{name}",
                *columns,
                postgresql_where=text(ON_BOARD_SQL["postgresql"]),
                sqlite_where=text(ON_BOARD_SQL["sqlite"]),
            )  # fmt: skip
            for name, columns in (
                ("votes", ("vote_count", "id")),
                ("updated", ("updated_at", "id")),
                ("new", ("created_at", "id")),
            )  # fmt: skip
        ),
        CheckConstraint("vote_count >= 0", name="vote_count_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The customer who posted it; kept when they leave (SET NULL) so the idea and its votes stay.
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    # Title and description folded by :func:`.search.fold` (case, accents, Arabic vowel marks):
    # one LIKE rule that behaves the same on SQLite and PostgreSQL in all three languages.
    search_text: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[IdeaStatus] = mapped_column(
        enum_column(IdeaStatus, "idea_status"), default=IdeaStatus.NEW, index=True
    )
    # Shown to other customers as "A customer"; staff still see who.
    anonymous: Mapped[bool] = mapped_column(default=False)
    official_answer: Mapped[str] = mapped_column(Text, default="")
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decline_reason: Mapped[str] = mapped_column(Text, default="")
    locked: Mapped[bool] = mapped_column(default=False)  # no new comments or votes
    hidden: Mapped[bool] = mapped_column(default=False)  # spam: off the board, kept for the record
    merged_into_id: Mapped[int | None] = mapped_column(
        ForeignKey("ideas.id", ondelete="SET NULL"), index=True
    )
    root_id: Mapped[int | None] = mapped_column(index=True)  # the live idea of its merge group
    merged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    vote_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)  # last public change
    status_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The suggestion (a feedback row) this idea was made from by migration 0009, for the record.
    legacy_feedback_id: Mapped[int | None]

    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    answered_by: Mapped[User | None] = relationship(foreign_keys=[answered_by_id])
    category: Mapped[Category | None] = relationship()
    merged_into: Mapped["Idea | None"] = relationship(remote_side=[id], foreign_keys=[merged_into_id])
    events: Mapped[list["IdeaEvent"]] = relationship(
        back_populates="idea", order_by="IdeaEvent.id", cascade="all, delete-orphan"
    )

    @property
    def is_merged(self) -> bool:
        return self.merged_into_id is not None

    def __repr__(self) -> str:
        return f"<Idea {self.id} {self.status} votes={self.vote_count}>"


class IdeaVote(db.Model):
    """One customer's vote, on the idea it was cast on (merges never move it)."""

    __tablename__ = "idea_votes"
    __table_args__ = (
        UniqueConstraint("idea_id", "customer_id", name="uq_idea_votes_idea_customer"),
        Index("ix_idea_votes_customer", "customer_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class IdeaFollower(db.Model):
    """Someone who gets an e-mail on each status change of an idea (voters follow by default)."""

    __tablename__ = "idea_followers"
    __table_args__ = (
        UniqueConstraint("idea_id", "user_id", name="uq_idea_followers_idea_user"),
        Index("ix_idea_followers_user", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class IdeaEvent(db.Model):
    """One entry in an idea's audit trail: who did what, when."""

    __tablename__ = "idea_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[IdeaEventKind] = mapped_column(enum_column(IdeaEventKind, "idea_event_kind"))
    body: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # On STATUS events: the status the idea moved to (the report counts ideas by status at a date).
    status: Mapped[IdeaStatus | None] = mapped_column(enum_column(IdeaStatus, "idea_event_status"))
    # Set on STATUS events once the followers' e-mails are queued (the idea-mail job's mark).
    mailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    idea: Mapped[Idea] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()

    @property
    def is_public(self) -> bool:
        return self.kind in PUBLIC_EVENTS


class IdeaLink(db.Model):
    """An idea linked to a follow-up case or to a notice (shown on both sides)."""

    __tablename__ = "idea_links"
    __table_args__ = (
        UniqueConstraint("idea_id", "followup_id", name="uq_idea_links_followup"),
        UniqueConstraint("idea_id", "notice_id", name="uq_idea_links_notice"),
        CheckConstraint("(followup_id IS NULL) <> (notice_id IS NULL)", name="one_target"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"), index=True)
    followup_id: Mapped[int | None] = mapped_column(
        ForeignKey("followups.id", ondelete="CASCADE"), index=True
    )
    notice_id: Mapped[int | None] = mapped_column(ForeignKey("notices.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    idea: Mapped[Idea] = relationship()


class ChangelogEntry(db.Model):
    """ "You asked, we did": what changed when an idea was done, shown to every customer."""

    __tablename__ = "changelog_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int | None] = mapped_column(ForeignKey("ideas.id", ondelete="SET NULL"), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    published_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)

    idea: Mapped[Idea | None] = relationship()


def on_board():
    """SQL: the idea is on the board (not merged, not hidden); matches the board's partial indexes."""
    return and_(Idea.merged_into_id.is_(None), Idea.hidden == false())
