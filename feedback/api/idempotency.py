"""Safe retries: an ``Idempotency-Key`` header on any API POST makes a retry return the first answer.

A client whose connection dropped after the server committed cannot know whether its rating was
stored; it retries with the same key and gets the first answer again, and nothing is written twice.

The rule, applied to every POST of the blueprint by its hooks (``blueprint.py``), so a new POST
cannot forget it:

- the key row is inserted first, in the request's one transaction, and the answer is stored in it
  before that transaction commits: the write and its key commit together or not at all;
- a second request with the key (same user) finds the row. Same method, path and body (SHA-256):
  the stored answer again, with ``Idempotent-Replayed: true``. Anything else: 422
  ``idempotency_key_reused``. A row without an answer (held by a request that has not committed,
  which only a view committing before its answer could leave visible): 409;
- on PostgreSQL two requests sending the key at once do not both write: the second's INSERT waits
  for the first's transaction, then finds its stored answer (or, if it rolled back, runs itself).
  It waits at most ``IDEMPOTENCY_WAIT_SECONDS`` (``lock_timeout``, for that one statement), then
  answers 409 with Retry-After: a first request stuck on something slow does not pile up its
  retries as waiting threads and connections. (A first request whose process was killed holds
  nothing: PostgreSQL ends its transaction when the connection drops.)
- only 2xx answers are stored. A 4xx wrote nothing (the error handler rolls back, and the key with
  it), so a retry runs again: after a 429's Retry-After, or once a missing category exists, it can
  succeed. A 5xx rolls back too, so a retry runs again. (Stripe also stores 4xx answers; storing
  them would answer a rate-limited retry with its old 429 for a day.)
- keys last :data:`TTL` (24 h): an older row is ignored, replaced on reuse, and purged hourly.
"""

import hashlib
import re
from datetime import datetime, timedelta

from flask import Response, current_app, g, request
from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint, delete, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Mapped, mapped_column

from ..core.db import UTCDateTime, conflict_insert
from ..core.errors import json_error
from ..core.time import utcnow
from ..extensions import db

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
TTL = timedelta(hours=24)
MAX_LENGTH = 255
REUSED_CODE = "idempotency_key_reused"
IN_PROGRESS_CODE = "idempotency_key_in_progress"
# Printable ASCII (space to tilde), 1 to MAX_LENGTH characters; not starting or ending with a
# space, which HTTP strips from header values (a client could not send the key it means).
PATTERN = r"^[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?$"
_VALID = re.compile(PATTERN)
# Headers of the first answer a replay repeats (the body and status are repeated whole).
_KEPT_HEADERS = ("Location", "Retry-After")
# PostgreSQL's SQLSTATE for a lock wait that ran out of lock_timeout (lock_not_available).
_LOCK_NOT_AVAILABLE = "55P03"
# Seconds a client waits before retrying a key another request holds.
IN_PROGRESS_RETRY_AFTER = 1


class IdempotencyKey(db.Model):
    """One key a user sent with a POST, the request it came with, and the answer it got."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("user_id", "key", name="uq_idempotency_keys_user_id_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(MAX_LENGTH))
    # SHA-256 (hex) of the method, path and raw body: the same key with another request is refused.
    request_hash: Mapped[str] = mapped_column(String(64))
    # The stored answer; NULL only inside the transaction that claimed the key.
    status: Mapped[int | None] = mapped_column(Integer)
    body: Mapped[str | None] = mapped_column(Text)
    headers: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


def request_hash() -> str:
    """SHA-256 of this request's method, path (with query string) and raw body bytes."""
    digest = hashlib.sha256()
    digest.update(f"{request.method} {request.full_path}\n".encode())
    digest.update(request.get_data(cache=True))
    return digest.hexdigest()


def claim(user_id: int, now: datetime):
    """``before_request`` for a POST: nothing without the header, else claim the key for this
    request in its transaction, or answer now (400 bad key, stored answer, 409, 422)."""
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if len(key) > MAX_LENGTH or not _VALID.fullmatch(key):
        return json_error(
            400,
            f"{HEADER} must be 1 to {MAX_LENGTH} printable ASCII characters, "
            "not starting or ending with a space.",
            {HEADER: "Invalid key."},
        )
    digest = request_hash()
    table = IdempotencyKey.__table__
    # Insert, or take over a row older than TTL; a live row (or one another transaction holds,
    # which PostgreSQL waits for) makes this a no-op and is read below.
    stmt = conflict_insert(db.session.get_bind(), table).values(
        user_id=user_id, key=key, request_hash=digest, created_at=now
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["user_id", "key"],
        set_={"request_hash": digest, "created_at": now, "status": None, "body": None, "headers": None},
        where=table.c.created_at <= now - TTL,
    ).returning(table.c.id)
    try:
        claimed = _insert_waiting_at_most(stmt, current_app.config["IDEMPOTENCY_WAIT_SECONDS"])
    except OperationalError as exc:
        if getattr(exc.orig, "sqlstate", None) != _LOCK_NOT_AVAILABLE:
            raise
        db.session.rollback()  # the failed statement ended the transaction; nothing was written
        return _in_progress()
    if claimed is not None:
        g.idempotency_key_id = claimed
        return None
    # Plain values, not the ORM row: the rollback below would expire it and reload it.
    row = db.session.execute(
        select(
            IdempotencyKey.request_hash, IdempotencyKey.status, IdempotencyKey.body, IdempotencyKey.headers
        ).where(IdempotencyKey.user_id == user_id, IdempotencyKey.key == key)
    ).first()
    db.session.rollback()  # nothing of this request is to be written
    if row is None:  # purged between the two statements: let the client try again
        return _in_progress()
    if row.request_hash != digest:
        return json_error(
            422,
            f"This {HEADER} was already used with another request: send a new key for a new request.",
            code=REUSED_CODE,
        )
    if row.status is None:
        return _in_progress()
    response = Response(row.body, status=row.status, headers=row.headers or {}, mimetype="application/json")
    response.headers[REPLAYED_HEADER] = "true"
    g.idempotency_replayed = True
    return response


def _insert_waiting_at_most(stmt, seconds: float):
    """Run the key's INSERT; on PostgreSQL let it wait at most ``seconds`` for a lock, so only this
    statement is bounded (the request's other statements keep the server's lock_timeout)."""
    if db.session.get_bind().dialect.name != "postgresql":
        return db.session.execute(stmt).scalar()  # SQLite: one writer at a time, its busy timeout
    # At least 1 ms: PostgreSQL reads 0 as "wait for ever", the very thing this bounds.
    wait_ms = max(1, int(seconds * 1000))
    db.session.execute(text("SELECT set_config('lock_timeout', :ms, true)"), {"ms": f"{wait_ms}ms"})
    claimed = db.session.execute(stmt).scalar()
    db.session.execute(text("SET LOCAL lock_timeout TO DEFAULT"))
    return claimed


def _in_progress():
    return (
        *json_error(409, f"A request with this {HEADER} is in progress: retry later.", code=IN_PROGRESS_CODE),
        {"Retry-After": str(IN_PROGRESS_RETRY_AFTER)},
    )


def store(response: Response) -> None:
    """Before the request's commit: keep a 2xx answer in the key row this request claimed."""
    key_id = g.pop("idempotency_key_id", None)
    if key_id is None or not 200 <= response.status_code < 300:
        return
    db.session.execute(
        IdempotencyKey.__table__.update()
        .where(IdempotencyKey.id == key_id)
        .values(
            status=response.status_code,
            body=response.get_data(as_text=True),
            headers={name: response.headers[name] for name in _KEPT_HEADERS if name in response.headers},
        )
    )


def purge_expired_keys(now: datetime) -> int:
    """Delete keys older than :data:`TTL`; return how many. Idempotent."""
    return db.session.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at <= now - TTL)).rowcount
