"""What pages of lower features show of ideas, without those features importing this one.

The customer dashboard (surveys), a case (followups) and a notice page (notices) sit below
ideas, so their templates call these globals, registered by the app factory:
``idea_history(customer_id)``, ``recent_changelog(limit)``, ``linked_ideas(followup_id=…,
notice_id=…)`` and ``idea_status_labels()``.
"""

from dataclasses import dataclass

from flask import Flask
from sqlalchemy import select

from ..extensions import db
from .labels import status_labels
from .models import ChangelogEntry, Idea
from .queries import changelog, customer_ideas, customer_votes, ideas_linked_to

HISTORY_LIMIT = 5


@dataclass(frozen=True)
class IdeaHistory:
    """A customer's latest ideas and votes, and how many there are in all."""

    ideas: list[Idea]
    votes: list[Idea]
    idea_total: int
    vote_total: int
    # A merged idea's live idea (whose status and votes are the ones that count), by merged id.
    live: dict[int, Idea]


def _count(stmt) -> int:
    return db.session.scalar(select(db.func.count()).select_from(stmt.order_by(None).subquery())) or 0


def idea_history(customer_id: int, limit: int = HISTORY_LIMIT) -> IdeaHistory:
    """The customer's own ideas and the ideas they voted for, newest first."""
    ideas_stmt, votes_stmt = customer_ideas(customer_id), customer_votes(customer_id)
    ideas = list(db.session.scalars(ideas_stmt.limit(limit)))
    merged = {idea.id: idea.root_id for idea in ideas if idea.merged_into_id is not None}
    roots = (
        db.session.scalars(select(Idea).where(Idea.id.in_(set(merged.values())), Idea.hidden.is_(False)))
        if merged
        else []
    )
    by_id = {root.id: root for root in roots}
    return IdeaHistory(
        ideas=ideas,
        votes=list(db.session.scalars(votes_stmt.limit(limit))),
        idea_total=_count(ideas_stmt),
        vote_total=_count(votes_stmt),
        live={idea_id: by_id[root_id] for idea_id, root_id in merged.items() if root_id in by_id},
    )


def recent_changelog(limit: int = 3) -> list[ChangelogEntry]:
    """The latest "you asked, we did" entries."""
    return list(db.session.scalars(changelog().limit(limit)))


def linked_ideas(*, followup_id: int | None = None, notice_id: int | None = None) -> list[Idea]:
    """Ideas linked to a case or to a notice."""
    return ideas_linked_to(followup_id=followup_id, notice_id=notice_id)


def init_app(app: Flask) -> None:
    """Register the globals above for every template."""
    app.jinja_env.globals.update(
        idea_history=idea_history,
        recent_changelog=recent_changelog,
        linked_ideas=linked_ideas,
        idea_status_labels=status_labels,
    )
