"""The e-mail followers get when an idea's status changes: one per change, per follower.

Followers are those of the idea's whole group (a customer who followed two ideas later merged
is mailed once). Who changed the status is not mailed about it. Each message is rendered in
its recipient's language and zone by the mailer; a dedupe key per event and recipient makes a
second run (or a run after a crash half-way) queue nothing twice.
"""

from datetime import datetime

from flask_babel import gettext
from sqlalchemy import select

from ..auth.models import User
from ..core.urls import external_url
from ..extensions import db
from ..i18n.marks import shipped_or_typed
from ..mailer.services import queue_email
from .labels import SHIPPED
from .models import Idea, IdeaEvent, IdeaStatus
from .queries import follower_ids

TEMPLATE = "ideas/status_changed"


def dedupe_key(event: IdeaEvent, user: User) -> str:
    """The outbox key of one follower's mail about one status change."""
    return f"idea-status:{event.id}:{user.id}"


def idea_url(idea_id: int, staff: bool) -> str:
    """The absolute link to an idea: the staff's triage page for staff, the board's page else."""
    return external_url("idea_triage.show" if staff else "ideas.show", idea_id=idea_id)


def _authors(root_id: int) -> set[int]:
    rows = db.session.scalars(select(Idea.author_id).where(Idea.root_id == root_id))
    return {author for author in rows if author is not None}


def mail_followers(event: IdeaEvent, labels: dict[IdeaStatus, str], now: datetime) -> int:
    """Queue the status-change mail of ``event`` for every follower of the idea's group except
    its actor, and mark the event mailed. Returns how many were queued."""
    idea = event.idea
    root_id = idea.root_id or idea.id
    if idea.hidden:  # spam: nobody is told about it (its page is gone for customers)
        event.mailed_at = now
        return 0
    status = event.status
    label = labels.get(status, status.value)
    ids = [uid for uid in follower_ids(root_id) if uid != event.actor_id]
    users = db.session.scalars(select(User).where(User.id.in_(ids)).order_by(User.id)).all() if ids else []
    authors = _authors(root_id)
    body = event.body or ""
    queued = 0
    for user in users:
        mine = user.id in authors

        def subject(mine=mine):
            text = shipped_or_typed(label, SHIPPED)
            if mine:
                return gettext("Your idea is now %(status)s: %(title)s", status=text, title=idea.title)
            return gettext("An idea you follow is now %(status)s: %(title)s", status=text, title=idea.title)

        message = queue_email(
            user,
            TEMPLATE,
            subject,
            context={
                "idea": idea,
                "event": event,
                "mine": mine,
                # Called inside the mailer's locale: the label in the recipient's language.
                "status_label": lambda: shipped_or_typed(label, SHIPPED),
                "declined": status == IdeaStatus.DECLINED,
                "done": status == IdeaStatus.DONE,
                "reason": body if status == IdeaStatus.DECLINED else "",
                "changelog": body if status == IdeaStatus.DONE else "",
                "idea_url": idea_url(root_id, user.is_staff),
            },
            optional=True,
            dedupe_key=dedupe_key(event, user),
            now=now,
        )
        queued += message is not None
    event.mailed_at = now
    return queued
