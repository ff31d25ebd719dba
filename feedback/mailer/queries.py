"""Reads for the outbox page, the held-mail banner and the demo inbox."""

import re

from sqlalchemy import func, select

from ..extensions import db
from .models import OutboxMessage, OutboxStatus


def outbox(status: OutboxStatus | None = None):
    """Messages, newest first; ``status`` narrows to one state."""
    stmt = select(OutboxMessage).order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
    if status is not None:
        stmt = stmt.where(OutboxMessage.status == status)
    return stmt


def counts() -> dict[str, int]:
    """How many messages are in each state (every state present, zero when empty)."""
    rows = db.session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all()
    found = {status.value: n for status, n in rows}
    return {status.value: found.get(status.value, 0) for status in OutboxStatus}


def held_count() -> int:
    """Messages waiting to be sent: all of them are held while no mail server is configured."""
    return db.session.scalar(
        select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == OutboxStatus.PENDING)
    )


def message(message_id: int) -> OutboxMessage | None:
    """One message by id."""
    return db.session.get(OutboxMessage, message_id)


def inbox(user):
    """The demo inbox: mail queued for ``user`` at their current address, newest first."""
    return (
        select(OutboxMessage)
        .where(OutboxMessage.user_id == user.id, OutboxMessage.to_email == user.email)
        .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
    )


def inbox_message(user, message_id: int) -> OutboxMessage | None:
    """One message of ``user``'s demo inbox; None for anyone else's."""
    return db.session.scalar(inbox(user).where(OutboxMessage.id == message_id))


_URL = re.compile(r"https?://\S+")
# A signed token in a link (a one-click survey link acts as its recipient): a long run of URL-safe
# characters. Paths and ids of other links are far shorter.
_TOKEN = re.compile(r"[A-Za-z0-9_\-.~]{24,}")
MASK = "••••••"


def masked(text: str) -> str:
    """``text`` with the tokens in its links masked, for staff who read other people's mail."""
    return _URL.sub(lambda url: _TOKEN.sub(MASK, url.group(0)), text or "")
