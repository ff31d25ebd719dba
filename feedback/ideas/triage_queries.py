"""Reads for the staff's triage: the filtered list of ideas, an idea's trail and counts, and
the live ideas an idea may be merged into."""

import json
from dataclasses import dataclass

from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.orm import joinedload

from ..auth.models import CustomerAccount, Plan
from ..extensions import db
from ..followups.models import Category
from .models import Idea, IdeaEvent, IdeaEventKind, IdeaFollower, IdeaStatus, IdeaVote, on_board
from .queries import similar
from .search import matches_all

CANDIDATE_LIMIT = 20


@dataclass(frozen=True)
class TriageFilter:
    """What the triage list shows; values that are not allowed are dropped by :meth:`from_args`."""

    status: IdeaStatus | None = None
    category_id: int | None = None
    plan: Plan | None = None
    answered: bool | None = None  # None: either
    q: str = ""
    hidden: bool = False  # include spam
    merged: bool = False  # include ideas merged into others

    @classmethod
    def from_args(cls, args) -> "TriageFilter":
        """Read the filter from query arguments."""
        status = args.get("status")
        plan = args.get("plan")
        return cls(
            status=IdeaStatus(status) if status in set(IdeaStatus) else None,
            category_id=args.get("category", type=int),
            plan=Plan(plan) if plan in set(Plan) else None,
            answered={"yes": True, "no": False}.get(args.get("answered", "")),
            q=(args.get("q") or "").strip()[:200],
            hidden=args.get("hidden") == "1",
            merged=args.get("merged") == "1",
        )


def voter_on_plan(plan: Plan):
    """SQL: a customer on ``plan`` voted for the row's idea (for a live idea: on any idea of its
    group; for a merged one: on that idea itself)."""
    member = Idea.__table__.alias("member")
    return exists(
        select(IdeaVote.id)
        .join(member, member.c.id == IdeaVote.idea_id)
        .join(CustomerAccount, CustomerAccount.user_id == IdeaVote.customer_id)
        .where(
            CustomerAccount.plan == plan,
            or_(and_(Idea.merged_into_id.is_(None), member.c.root_id == Idea.id), member.c.id == Idea.id),
        )
    )


def triage(flt: TriageFilter):
    """Ideas matching ``flt``: new ones on top (they wait for a first look), then newest first."""
    stmt = select(Idea).options(joinedload(Idea.author), joinedload(Idea.category))
    if not flt.merged:
        stmt = stmt.where(Idea.merged_into_id.is_(None))
    if not flt.hidden:
        stmt = stmt.where(Idea.hidden.is_(False))
    if flt.status:
        stmt = stmt.where(Idea.status == flt.status)
    if flt.category_id:
        stmt = stmt.where(Idea.category_id == flt.category_id)
    if flt.plan:
        stmt = stmt.where(voter_on_plan(flt.plan))
    if flt.answered is not None:
        stmt = stmt.where((Idea.official_answer != "") if flt.answered else (Idea.official_answer == ""))
    search = matches_all(Idea.search_text, flt.q)
    if search is not None:
        stmt = stmt.where(search)
    is_new = case((Idea.status == IdeaStatus.NEW, 0), else_=1)
    return stmt.order_by(is_new, Idea.created_at.desc(), Idea.id.desc())


def ideas_by_ids(ids: list[int]) -> list[Idea]:
    """The ideas with these ids (the bulk change's selection), in id order."""
    if not ids:
        return []
    return list(db.session.scalars(select(Idea).where(Idea.id.in_(ids)).order_by(Idea.id)))


def categories() -> list[Category]:
    """Every category, for the filter and the move form."""
    return list(db.session.scalars(select(Category).order_by(Category.position, Category.id)))


def follower_count(root_id: int) -> int:
    """How many people follow the idea's group."""
    member = select(Idea.id).where(Idea.root_id == root_id)
    return db.session.scalar(
        select(func.count(func.distinct(IdeaFollower.user_id))).where(IdeaFollower.idea_id.in_(member))
    )


def trail(idea: Idea) -> list[IdeaEvent]:
    """Every event of the idea, oldest first, with who did it."""
    return list(
        db.session.scalars(
            select(IdeaEvent)
            .options(joinedload(IdeaEvent.actor))
            .where(IdeaEvent.idea_id == idea.id)
            .order_by(IdeaEvent.created_at, IdeaEvent.id)
        )
    )


def before_edit(event: IdeaEvent) -> dict:
    """The title and description an EDITED event kept (empty if the record is unreadable)."""
    if event.kind != IdeaEventKind.EDITED:
        return {}
    try:
        before = json.loads(event.body or "{}")
    except ValueError:
        return {}
    return before if isinstance(before, dict) else {}


def merged_here(idea: Idea) -> set[int]:
    """Ids of the ideas merged straight into ``idea`` now (their merge can be undone here)."""
    return set(db.session.scalars(select(Idea.id).where(Idea.merged_into_id == idea.id)))


def merge_candidates(idea: Idea, q: str = "") -> list[Idea]:
    """Live ideas ``idea`` may be merged into: those matching ``q``, else those most like it."""
    if not (q or "").strip():
        return similar(f"{idea.title} {idea.description}", limit=CANDIDATE_LIMIT, exclude_id=idea.id)
    stmt = select(Idea).where(on_board(), Idea.id != idea.id)
    search = matches_all(Idea.search_text, q)
    if search is not None:
        stmt = stmt.where(search)
    return list(
        db.session.scalars(stmt.order_by(Idea.vote_count.desc(), Idea.id.desc()).limit(CANDIDATE_LIMIT))
    )
