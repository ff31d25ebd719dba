"""Merging duplicate ideas, and undoing it.

A merge moves no vote: the merged idea joins the kept idea's group (``root_id``) and the kept
idea counts the distinct customers voting anywhere in the group, so a customer who voted on
both counts once. Undoing a merge takes the idea (and whatever had been merged into it) back
out of the group: every vote is where it was cast, so it counts where it did before.
"""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from ..auth.models import User
from ..core.time import utcnow
from ..extensions import db
from .models import Idea, IdeaEventKind
from .services import IdeaError, _event, recount


def _lock(*idea_ids: int) -> None:
    """Lock the rows of the live ideas whose counts change (PostgreSQL; in id order, so two merges
    never wait on each other): a vote, which locks its live idea too, then waits for the merge
    instead of being counted from before it and overwritten."""
    db.session.execute(
        select(Idea.id).where(Idea.id.in_(sorted(set(idea_ids)))).order_by(Idea.id).with_for_update()
    )


def merge(duplicate: Idea, keep: Idea, actor: User, now: datetime | None = None) -> None:
    """Merge ``duplicate`` into ``keep``: its votes and followers count for ``keep`` from now on,
    and its page sends readers to ``keep`` with a notice."""
    if duplicate.id == keep.id:
        raise IdeaError({"keep": _l("Choose another idea to keep: an idea cannot be merged into itself.")})
    if duplicate.merged_into_id is not None or keep.merged_into_id is not None:
        raise IdeaError({"keep": _l("Both ideas must be on the board: one of them is already merged.")})
    if keep.hidden:
        raise IdeaError({"keep": _l("The idea to keep is hidden as spam: show it again first.")})
    _lock(duplicate.id, keep.id)
    now = now or utcnow()
    duplicate.merged_into_id, duplicate.merged_at = keep.id, now
    db.session.execute(update(Idea).where(Idea.root_id == duplicate.id).values(root_id=keep.id))
    keep.updated_at = now
    _event(duplicate, IdeaEventKind.MERGED_INTO, actor, now, detail=str(keep.id))
    _event(keep, IdeaEventKind.MERGED_IN, actor, now, detail=str(duplicate.id))
    db.session.flush()
    recount(keep.id)
    db.session.refresh(keep, ["vote_count", "root_id"])
    db.session.refresh(duplicate, ["root_id"])


def _subtree(idea: Idea) -> list[int]:
    """``idea`` and every idea merged into it, directly or through others."""
    rows = db.session.execute(select(Idea.id, Idea.merged_into_id).where(Idea.root_id == idea.root_id)).all()
    children: dict[int, list[int]] = {}
    for child, parent in rows:
        children.setdefault(parent, []).append(child)
    found, todo = [], [idea.id]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, ()))
    return found


def unmerge(idea: Idea, actor: User, now: datetime | None = None) -> Idea:
    """Undo the merge of ``idea``: it is back on the board with the votes cast on it (and on
    ideas merged into it). Returns the idea it had been merged into."""
    if idea.merged_into_id is None:
        raise IdeaError({"merge": _l("This idea is not merged.")})
    _lock(idea.root_id, idea.id)
    now = now or utcnow()
    kept = db.session.get(Idea, idea.merged_into_id)
    old_root = idea.root_id
    members = _subtree(idea)
    db.session.execute(update(Idea).where(Idea.id.in_(members)).values(root_id=idea.id))
    idea.merged_into_id, idea.merged_at, idea.updated_at = None, None, now
    _event(idea, IdeaEventKind.UNMERGED, actor, now, detail=str(kept.id))
    _event(kept, IdeaEventKind.UNMERGED, actor, now, detail=str(idea.id))
    db.session.flush()
    recount(old_root)
    recount(idea.id)
    for changed in (idea, kept):
        db.session.refresh(changed, ["vote_count", "root_id"])
    return kept
