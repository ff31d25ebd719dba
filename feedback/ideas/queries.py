"""Reads for ideas: the board, similar ideas, one idea with what its reader may see, a
customer's ideas and votes, followers, links and the changelog. Statements are returned
unexecuted where a page paginates them."""

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import joinedload, selectinload

from ..extensions import db
from .models import ChangelogEntry, Idea, IdeaFollower, IdeaLink, IdeaStatus, IdeaVote, on_board
from .search import match_score, matches_all, terms

SORTS = ("top", "new", "updated")
SIMILAR_LIMIT = 5


def groups_with(model, user_column, user_id: int, root_ids: list[int]) -> set[int]:
    """Which of the groups ``root_ids`` (live ideas with whatever was merged into them) hold a row
    of ``model`` (``IdeaVote``, ``IdeaFollower``) whose ``user_column`` is the user: the reader's
    votes and follows on a list, or on one idea."""
    if not root_ids:
        return set()
    stmt = (
        select(Idea.root_id)
        .join(model, model.idea_id == Idea.id)
        .where(user_column == user_id, Idea.root_id.in_(root_ids))
    )
    return set(db.session.scalars(stmt))


def board(
    *,
    q: str | None = None,
    category_id: int | None = None,
    status: IdeaStatus | None = None,
    sort: str = "top",
    include_hidden: bool = False,
):
    """Live ideas (not merged, not hidden unless asked), filtered and sorted."""
    # Authors and categories in their own small queries for the page's rows: joined here, they
    # made PostgreSQL join every idea to its author before keeping the top 25 (13× slower at 10k).
    stmt = select(Idea).options(selectinload(Idea.author), selectinload(Idea.category))
    stmt = stmt.where(on_board()) if not include_hidden else stmt.where(Idea.merged_into_id.is_(None))
    search = matches_all(Idea.search_text, q)
    if search is not None:
        stmt = stmt.where(search)
    if category_id:
        stmt = stmt.where(Idea.category_id == category_id)
    if status:
        stmt = stmt.where(Idea.status == status)
    order = {
        "new": (Idea.created_at.desc(), Idea.id.desc()),
        "updated": (Idea.updated_at.desc(), Idea.id.desc()),
    }.get(sort, (Idea.vote_count.desc(), Idea.id.desc()))
    return stmt.order_by(*order)


def similar(text: str | None, limit: int = SIMILAR_LIMIT, exclude_id: int | None = None) -> list[Idea]:
    """Live, visible ideas sharing the most words with ``text`` (title and description, folded),
    most votes first among equals: shown while a customer types a new idea."""
    words = terms(text)
    if not words:
        return []
    score, any_word = match_score(Idea.search_text, words)
    stmt = (
        select(Idea)
        .options(joinedload(Idea.category))
        .where(on_board(), any_word)
        .order_by(score.desc(), Idea.vote_count.desc(), Idea.id.desc())
        .limit(limit)
    )
    if exclude_id:
        stmt = stmt.where(Idea.id != exclude_id)
    return list(db.session.scalars(stmt))


def idea_for(idea_id: int, *, staff: bool = False) -> Idea | None:
    """The idea a reader may open: customers never see hidden ideas (spam)."""
    idea = db.session.get(Idea, idea_id)
    if idea is None or (idea.hidden and not staff):
        return None
    return idea


def customer_ideas(customer_id: int):
    """The ideas a customer posted, newest first (their history)."""
    return (
        select(Idea)
        .where(Idea.author_id == customer_id, Idea.hidden.is_(False))
        .order_by(Idea.created_at.desc(), Idea.id.desc())
    )


def customer_votes(customer_id: int):
    """The live ideas a customer voted on (directly or on a duplicate merged into them)."""
    member = Idea.__table__.alias("member")
    voted = (
        select(member.c.root_id)
        .join(IdeaVote, IdeaVote.idea_id == member.c.id)
        .where(IdeaVote.customer_id == customer_id)
    )
    return (
        select(Idea)
        .where(Idea.id.in_(voted), Idea.hidden.is_(False))
        .order_by(Idea.updated_at.desc(), Idea.id.desc())
    )


def follower_ids(root_id: int) -> list[int]:
    """Users following the idea's group (each once)."""
    member = select(Idea.id).where(Idea.root_id == root_id)
    return list(
        db.session.scalars(select(IdeaFollower.user_id).where(IdeaFollower.idea_id.in_(member)).distinct())
    )


def links_of(idea_id: int) -> list[IdeaLink]:
    """The cases and notices linked to an idea."""
    return list(db.session.scalars(select(IdeaLink).where(IdeaLink.idea_id == idea_id).order_by(IdeaLink.id)))


def ideas_linked_to(*, followup_id: int | None = None, notice_id: int | None = None) -> list[Idea]:
    """The ideas linked to a case or a notice (the other side of the link)."""
    if followup_id is None and notice_id is None:
        return []
    where = (
        IdeaLink.followup_id == followup_id if followup_id is not None else IdeaLink.notice_id == notice_id
    )
    return list(
        db.session.scalars(
            select(Idea).join(IdeaLink, IdeaLink.idea_id == Idea.id).where(where).order_by(Idea.id)
        )
    )


def changelog():
    """ "You asked, we did", newest first."""
    shown = or_(ChangelogEntry.idea_id.is_(None), and_(on_board(), Idea.status == IdeaStatus.DONE))
    return (
        select(ChangelogEntry)
        .outerjoin(Idea, Idea.id == ChangelogEntry.idea_id)
        .where(shown)
        .order_by(ChangelogEntry.published_at.desc(), ChangelogEntry.id.desc())
    )
