"""Reads for the outbox page, the held-mail banner and the demo inbox."""

import re

from flask_sqlalchemy.pagination import SelectPagination
from sqlalchemy import func, select

from ..core.pagination import paginate_as
from ..extensions import db
from .models import OutboxMessage, OutboxStatus


def outbox(status: OutboxStatus | None = None):
    """Messages, newest first; ``status`` narrows to one state."""
    stmt = select(OutboxMessage).order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
    if status is not None:
        stmt = stmt.where(OutboxMessage.status == status)
    return stmt


# Counting stops here: "sent" grows with every e-mail ever queued, and counting all of it on each
# view of the page costs as much as reading the table. Above the cap the page says "10000+".
COUNT_CAP = 10_000
# Few rows each (waiting, being sent, given up): counted exactly through the status index.
SMALL_STATES = (OutboxStatus.PENDING, OutboxStatus.SENDING, OutboxStatus.FAILED)


def _capped_count(stmt, bound: int) -> int:
    """Rows of ``stmt`` (a select of ids), counting at most ``bound + 1``."""
    return db.session.scalar(select(func.count()).select_from(stmt.limit(bound + 1).subquery()))


def small_state_counts():
    """``select()`` of (status, count) for the states that stay small, read from the status index."""
    return (
        select(OutboxMessage.status, func.count())
        .where(OutboxMessage.status.in_(SMALL_STATES))
        .group_by(OutboxMessage.status)
    )


def sent_ids():
    """``select()`` of the sent messages' ids (counted up to the cap)."""
    return select(OutboxMessage.id).where(OutboxMessage.status == OutboxStatus.SENT)


def counts() -> dict[str, int]:
    """How many messages are in each state (every state present, zero when empty). Sent ones are
    counted up to ``COUNT_CAP + 1`` only: more than the cap reads as ``COUNT_CAP + 1``
    (see :func:`capped`)."""
    found = {status.value: n for status, n in db.session.execute(small_state_counts()).all()}
    found[OutboxStatus.SENT.value] = _capped_count(sent_ids(), COUNT_CAP)
    return {status.value: found.get(status.value, 0) for status in OutboxStatus}


def capped(n: int) -> bool:
    """Whether a figure from :func:`counts` is a lower bound (the real number is larger)."""
    return n > COUNT_CAP


class CappedPagination(SelectPagination):
    """Pages of the outbox without counting all of it: the total is counted up to the cap or two
    pages past the current one, whichever is further, so "Next" always leads on. ``capped`` says
    the total is a lower bound (the pager then names no last page)."""

    capped = False

    def _query_count(self) -> int:
        bound = max(COUNT_CAP, (self.page + 2) * self.per_page)
        ids = self._query_args["select"].with_only_columns(OutboxMessage.id).order_by(None)
        n = _capped_count(ids, bound)
        self.capped = n > bound
        return min(n, bound)


def outbox_page(
    status: OutboxStatus | None, page: int | None = None, per_page: int | None = None
) -> CappedPagination:
    """One page of :func:`outbox` (``?page=`` unless given), newest first, with a capped total."""
    return paginate_as(CappedPagination, outbox(status), page=page, per_page=per_page)


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
