"""Writes for ideas: post, vote, follow, and the staff's triage (status, answer, notes, edits,
moves, locks, spam, links). Merges live in :mod:`.merge`. Nothing here commits; followers'
e-mail goes out from the ideas job (:mod:`.jobs`) after the commit.
"""

import json
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select, update

from ..auth.models import User
from ..core.app_settings import AppSetting
from ..core.db import conflict_insert
from ..core.time import utcnow
from ..core.wake import wake_after_commit
from ..extensions import db
from ..followups.models import Category, Followup
from ..notices.models import Notice
from .labels import DEFAULT_LABELS, LABEL_KEY, MAX_LABEL
from .models import (
    ChangelogEntry,
    Idea,
    IdeaEvent,
    IdeaEventKind,
    IdeaFollower,
    IdeaLink,
    IdeaStatus,
    IdeaVote,
)
from .queries import groups_with
from .search import searchable

MAX_TITLE = 200
MIN_TITLE = 4
MAX_TEXT = 5000
MAX_NOTE = 5000
JOB = "ideas"  # the job that mails followers (see jobs.py)


class IdeaError(ValueError):
    """A change that cannot be made; ``fields`` maps field names to messages."""

    def __init__(self, fields: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in fields.items()))
        self.fields = fields


def _clean(title: str | None, description: str | None) -> tuple[str, str]:
    title, description = (title or "").strip(), (description or "").strip()
    errors: dict[str, str] = {}
    if not title:
        errors["title"] = _l("Give your idea a title.")
    elif len(title) < MIN_TITLE:
        errors["title"] = _l("Say a little more in the title (at least %(n)d characters).", n=MIN_TITLE)
    elif len(title) > MAX_TITLE:
        errors["title"] = _l("Keep the title under %(limit)d characters.", limit=MAX_TITLE)
    if len(description) > MAX_TEXT:
        errors["description"] = _l("Keep the text under %(limit)d characters.", limit=MAX_TEXT)
    if errors:
        raise IdeaError(errors)
    return title, description


def _event(
    idea: Idea, kind: IdeaEventKind, actor: User | None, now: datetime, body: str = "", detail: str = ""
):
    event = IdeaEvent(idea=idea, kind=kind, actor=actor, body=body, detail=detail[:200], created_at=now)
    db.session.add(event)
    return event


def live(idea: Idea) -> Idea:
    """The idea votes and follows go to: ``idea`` itself, or the one it was merged into."""
    if idea.merged_into_id is None:
        return idea
    return db.session.get(Idea, idea.root_id) or idea


def group_ids(root_id: int):
    """SQL: the ids of ``root_id`` and every idea merged into it (at any depth)."""
    return select(Idea.id).where(Idea.root_id == root_id)


def post_idea(
    author: User,
    *,
    title: str,
    description: str = "",
    category: Category | None = None,
    anonymous: bool = False,
    now: datetime | None = None,
) -> Idea:
    """Post a new idea; its author votes for it and follows it."""
    title, description = _clean(title, description)
    now = now or utcnow()
    idea = Idea(
        author=author,
        title=title,
        description=description,
        search_text=searchable(title, description),
        category=category,
        anonymous=bool(anonymous),
        status=IdeaStatus.NEW,
        created_at=now,
        updated_at=now,
    )
    db.session.add(idea)
    db.session.flush()
    idea.root_id = idea.id
    _event(idea, IdeaEventKind.CREATED, author, now)
    if author.is_customer:
        vote(idea, author, now=now)
    else:
        follow(idea, author, now=now)
    return idea


def _locked_root(idea: Idea) -> Idea:
    """The live idea of ``idea``'s group, its row locked until the commit on PostgreSQL, so two
    votes by one customer (double click, retry) are decided one after the other."""
    root_id = live(idea).id
    return db.session.scalars(
        select(Idea).where(Idea.id == root_id).with_for_update().execution_options(populate_existing=True)
    ).one()


def _in_group(model, user_column, idea: Idea, user_id: int) -> bool:
    """Whether a row of ``model`` links the user to ``idea``'s group (any idea of it)."""
    root_id = live(idea).id
    return root_id in groups_with(model, user_column, user_id, [root_id])


def has_voted(idea: Idea, customer_id: int) -> bool:
    """Whether the customer voted on ``idea``'s group (on it or on an idea merged into it)."""
    return _in_group(IdeaVote, IdeaVote.customer_id, idea, customer_id)


def _insert_ignoring_duplicate(table, values: dict) -> bool:
    """INSERT the row unless the unique key already holds it; True when a row was added."""
    stmt = conflict_insert(db.session.get_bind(), table).values(**values).on_conflict_do_nothing()
    result = db.session.execute(stmt)
    return bool(result.rowcount)


def vote(idea: Idea, customer: User, now: datetime | None = None) -> bool:
    """Vote for ``idea`` (its live idea if merged); the voter follows it. True if the vote is new.

    Raises :class:`IdeaError` for staff (only customers vote) and for locked or hidden ideas.
    """
    if not customer.is_customer:
        raise IdeaError({"vote": _l("Only customers vote on ideas.")})
    now = now or utcnow()
    root = _locked_root(idea)
    if root.locked or root.hidden:
        raise IdeaError({"vote": _l("This idea is closed for voting.")})
    if has_voted(root, customer.id):
        return False
    added = _insert_ignoring_duplicate(
        IdeaVote.__table__, {"idea_id": root.id, "customer_id": customer.id, "created_at": now}
    )
    if added:
        # No session sync: the refresh below reads the new count (evaluating the UPDATE against
        # every object in a long session, the demo's, cost more than the vote itself).
        bump = update(Idea).where(Idea.id == root.id).values(vote_count=Idea.vote_count + 1)
        db.session.execute(bump.execution_options(synchronize_session=False))
        db.session.refresh(root, ["vote_count"])
        follow(root, customer, now=now)
    return added


def unvote(idea: Idea, customer: User) -> bool:
    """Take back the customer's vote on ``idea``'s group (also on ideas merged into it).

    They keep following it until they stop. True if there was a vote to take back.
    """
    root = _locked_root(idea)
    removed = db.session.execute(
        delete(IdeaVote).where(IdeaVote.idea_id.in_(group_ids(root.id)), IdeaVote.customer_id == customer.id)
    ).rowcount
    if removed:
        # No session sync: the refresh below reads the new count (evaluating the UPDATE against
        # every object in a long session, the demo's, cost more than the vote itself).
        bump = update(Idea).where(Idea.id == root.id).values(vote_count=Idea.vote_count - 1)
        db.session.execute(bump.execution_options(synchronize_session=False))
        db.session.refresh(root, ["vote_count"])
    return bool(removed)


def follow(idea: Idea, user: User, now: datetime | None = None) -> bool:
    """Follow ``idea``'s group: an e-mail on each status change. True if newly following."""
    root = live(idea)
    if is_following(root, user.id):
        return False
    return _insert_ignoring_duplicate(
        IdeaFollower.__table__, {"idea_id": root.id, "user_id": user.id, "created_at": now or utcnow()}
    )


def unfollow(idea: Idea, user: User) -> bool:
    """Stop following ``idea``'s group (a vote stays). True if they were following."""
    root = live(idea)
    return bool(
        db.session.execute(
            delete(IdeaFollower).where(
                IdeaFollower.idea_id.in_(group_ids(root.id)), IdeaFollower.user_id == user.id
            )
        ).rowcount
    )


def is_following(idea: Idea, user_id: int) -> bool:
    """Whether the user follows ``idea``'s group."""
    return _in_group(IdeaFollower, IdeaFollower.user_id, idea, user_id)


def _check_status_change(idea: Idea, status: IdeaStatus, reason: str, changelog: str) -> None:
    if idea.merged_into_id is not None:
        raise IdeaError({"status": _l("This idea was merged into another: change that one.")})
    if status == IdeaStatus.DECLINED and not reason:
        raise IdeaError({"reason": _l("Say why the idea is declined: its followers will read it.")})
    if len(reason) > MAX_TEXT or len(changelog) > MAX_TEXT:
        raise IdeaError({"reason": _l("Keep the text under %(limit)d characters.", limit=MAX_TEXT)})


def set_status(
    idea: Idea,
    status: IdeaStatus,
    actor: User,
    *,
    reason: str = "",
    changelog: str = "",
    now: datetime | None = None,
) -> IdeaEvent | None:
    """Move ``idea`` to ``status``; None if it is already there.

    Declining needs a reason (told to followers). Done writes a changelog entry ("you asked,
    we did") from ``changelog`` or else the official answer. Followers are mailed by the job.
    """
    status = IdeaStatus(status)
    reason, changelog = (reason or "").strip(), (changelog or "").strip()
    _check_status_change(idea, status, reason, changelog)
    if status == idea.status:
        return None
    now = now or utcnow()
    old = idea.status
    idea.status, idea.status_changed_at, idea.updated_at = status, now, now
    idea.decline_reason = reason if status == IdeaStatus.DECLINED else ""
    idea.done_at = now if status == IdeaStatus.DONE else None
    # Only a decline's reason or a done idea's "what changed" is public text; anything typed in
    # the other box (hidden, not cleared, by the page) is not published with another status.
    body = {IdeaStatus.DECLINED: reason, IdeaStatus.DONE: changelog}.get(status, "")
    event = _event(idea, IdeaEventKind.STATUS, actor, now, body=body, detail=f"{old.value}>{status.value}")
    event.status = status
    if status == IdeaStatus.DONE:
        _write_changelog(idea, changelog or idea.official_answer, now)
    elif old == IdeaStatus.DONE:  # no longer done: "you asked, we did" no longer says so
        db.session.execute(delete(ChangelogEntry).where(ChangelogEntry.idea_id == idea.id))
    wake_after_commit(JOB)
    return event


def _write_changelog(idea: Idea, text: str, now: datetime) -> None:
    entry = db.session.scalar(select(ChangelogEntry).where(ChangelogEntry.idea_id == idea.id))
    if entry is None:
        entry = ChangelogEntry(idea=idea)
        db.session.add(entry)
    entry.title, entry.body, entry.published_at = idea.title, text, now


def bulk_set_status(ideas: list[Idea], status: IdeaStatus, actor: User, *, reason: str = "", now=None) -> int:
    """Move several ideas at once (one audit entry and one mail per follower for each idea).

    All or nothing: one refused idea (a merged one, a decline without reason) refuses the lot.
    Returns how many changed.
    """
    status, reason = IdeaStatus(status), (reason or "").strip()
    for idea in ideas:  # every idea is checked before any changes
        _check_status_change(idea, status, reason, "")
    now = now or utcnow()
    return sum(set_status(idea, status, actor, reason=reason, now=now) is not None for idea in ideas)


def answer(idea: Idea, text: str, actor: User, now: datetime | None = None) -> IdeaEvent | None:
    """Set the official (public) answer; an empty text removes it. None if unchanged."""
    text = (text or "").strip()
    if len(text) > MAX_TEXT:
        raise IdeaError({"answer": _l("Keep the text under %(limit)d characters.", limit=MAX_TEXT)})
    if text == idea.official_answer:
        return None
    now = now or utcnow()
    idea.official_answer = text
    idea.answered_at, idea.answered_by = (now, actor) if text else (None, None)
    idea.updated_at = now
    return _event(idea, IdeaEventKind.ANSWERED, actor, now, body=text)


def add_note(idea: Idea, text: str, actor: User, now: datetime | None = None) -> IdeaEvent:
    """An internal note: staff only, never shown to customers."""
    text = (text or "").strip()
    if not text:
        raise IdeaError({"note": _l("Write the note first.")})
    if len(text) > MAX_NOTE:
        raise IdeaError({"note": _l("Keep the text under %(limit)d characters.", limit=MAX_NOTE)})
    return _event(idea, IdeaEventKind.NOTE, actor, now or utcnow(), body=text)


def edit(
    idea: Idea, actor: User, *, title: str, description: str, now: datetime | None = None
) -> IdeaEvent | None:
    """Staff edit the wording; the text before the edit stays in the trail. None if unchanged."""
    title, description = _clean(title, description)
    if (title, description) == (idea.title, idea.description):
        return None
    before = json.dumps({"title": idea.title, "description": idea.description}, ensure_ascii=False)
    idea.title, idea.description = title, description
    idea.search_text = searchable(title, description)
    return _event(idea, IdeaEventKind.EDITED, actor, now or utcnow(), body=before)


def move(idea: Idea, category: Category | None, actor: User, now: datetime | None = None) -> IdeaEvent | None:
    """Move ``idea`` to another category (None: no category). None if unchanged."""
    if (category.id if category else None) == idea.category_id:
        return None
    old = idea.category.slug if idea.category else "-"
    idea.category = category
    return _event(
        idea,
        IdeaEventKind.MOVED,
        actor,
        now or utcnow(),
        detail=f"{old}>{category.slug if category else '-'}",
    )


def set_locked(idea: Idea, locked: bool, actor: User, now: datetime | None = None) -> IdeaEvent | None:
    """Lock (no more votes) or unlock an idea. None if unchanged."""
    if idea.locked == bool(locked):
        return None
    idea.locked = bool(locked)
    return _event(idea, IdeaEventKind.LOCKED if locked else IdeaEventKind.UNLOCKED, actor, now or utcnow())


def set_hidden(idea: Idea, hidden: bool, actor: User, now: datetime | None = None) -> IdeaEvent | None:
    """Hide an idea as spam (off the board for customers, kept for the record) or show it again."""
    if idea.hidden == bool(hidden):
        return None
    idea.hidden = bool(hidden)
    return _event(idea, IdeaEventKind.HIDDEN if hidden else IdeaEventKind.SHOWN, actor, now or utcnow())


def link(
    idea: Idea, actor: User, *, followup: Followup | None = None, notice: Notice | None = None, now=None
):
    """Link ``idea`` to a follow-up case or a notice; None if already linked."""
    if (followup is None) == (notice is None):
        raise IdeaError({"link": _l("Choose a case or a notice to link.")})
    where = IdeaLink.followup_id == followup.id if followup else IdeaLink.notice_id == notice.id
    if db.session.scalar(select(IdeaLink.id).where(IdeaLink.idea_id == idea.id, where)):
        return None
    now = now or utcnow()
    row = IdeaLink(idea=idea, followup_id=followup and followup.id, notice_id=notice and notice.id,
                   created_by_id=actor.id, created_at=now)  # fmt: skip
    db.session.add(row)
    target = f"case:{followup.id}" if followup else f"notice:{notice.id}"
    _event(idea, IdeaEventKind.LINKED, actor, now, detail=target)
    return row


def unlink(row: IdeaLink, actor: User, now: datetime | None = None) -> None:
    """Remove a link (recorded in the idea's trail)."""
    target = f"case:{row.followup_id}" if row.followup_id else f"notice:{row.notice_id}"
    _event(row.idea, IdeaEventKind.UNLINKED, actor, now or utcnow(), detail=target)
    db.session.delete(row)


def set_status_labels(labels: dict[str, str]) -> None:
    """Relabel statuses (meanings stay fixed); an empty label goes back to the default."""
    errors = {
        k: _l("Keep it under %(limit)d characters.", limit=MAX_LABEL)
        for k, v in labels.items()
        if len(v.strip()) > MAX_LABEL
    }
    if errors:
        raise IdeaError(errors)
    for status in DEFAULT_LABELS:
        value = (labels.get(status.value) or "").strip()
        key = LABEL_KEY.format(status.value)
        row = db.session.get(AppSetting, key)
        if not value or value == DEFAULT_LABELS[status]:
            if row is not None:
                db.session.delete(row)
        elif row is None:
            db.session.add(AppSetting(key=key, value=value))
        else:
            row.value = value


def recount(root_id: int) -> int:
    """Recompute the live idea's vote count from the votes of its group (after a merge)."""
    count = db.session.scalar(
        select(func.count(func.distinct(IdeaVote.customer_id))).where(
            IdeaVote.idea_id.in_(group_ids(root_id))
        )
    )
    db.session.execute(update(Idea).where(Idea.id == root_id).values(vote_count=count))
    return count
