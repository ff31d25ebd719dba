"""Reads for the outbox page."""

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


def message(message_id: int) -> OutboxMessage | None:
    """One message by id."""
    return db.session.get(OutboxMessage, message_id)
