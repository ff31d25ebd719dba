"""The dispatcher: claim due outbox rows, send them, record the outcome.

Unlike request code, the dispatcher commits as it goes: a claim is committed before the
SMTP conversation and each outcome right after it (with the next row's renewal), so a crash
loses at most one message's bookkeeping. A claim is a lease: rows left ``sending`` by a
killed worker go back to ``pending`` once the lease runs out (:func:`requeue_stuck`), and are sent again.

A dispatcher renews its claim on each row just before sending it, and skips a row whose
claim it lost: a run slower than the lease (a tarpitting server, a long queue) hands rows it
has not reached to another dispatcher instead of sending them alongside it.

A run sends until nothing is due or ``MAIL_DISPATCH_SECONDS`` has passed (then asks for
another run), in ``MAIL_SEND_CONCURRENCY`` threads, each claiming its own batches of
``MAIL_BATCH_SIZE`` and sending a batch over one SMTP connection.

With no mail server configured (``MAIL_SERVER`` unset, as in ``make run``) nothing is tried:
messages stay ``pending`` with no attempt spent, shown as held, and go out normally once a
server is configured — none is lost or failed for lack of one.
"""

import contextlib
import json
import logging
import smtplib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parseaddr

from flask import Flask, current_app
from flask_mail import Message
from sqlalchemy import select, update
from sqlalchemy.exc import SQLAlchemyError

from ..core.jobs import Job
from ..core.time import utcnow
from ..extensions import db
from . import smtp
from .deferred import render_pending
from .models import OutboxMessage, OutboxStatus
from .queries import held_count
from .sending import SendRun
from .services import SESSION_FLAG

log = logging.getLogger(__name__)
GIVE_UP_AFTER = timedelta(hours=24)  # of failing, counted from the first attempt's message
MIN_ATTEMPTS = 3  # even an old message gets this many tries before it is marked failed


@dataclass
class DispatchResult:
    """What one dispatcher run did."""

    sent: int = 0
    deferred: int = 0
    failed: int = 0
    requeued: int = 0
    held: int = 0  # waiting because no mail server is configured
    next_due: datetime | None = None


class PermanentFailure(Exception):
    """The server refused this message for good (5xx): retrying cannot help."""


def backoff(attempts: int) -> timedelta:
    """Wait before the next try: 1, 2, 4 … minutes, at most an hour."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 60))


def lease() -> timedelta:
    """How long a claim holds before another dispatcher may take the row back."""
    return timedelta(seconds=current_app.config["MAIL_CLAIM_LEASE_SECONDS"])


def requeue_stuck(now: datetime) -> int:
    """Return rows whose claim expired (their dispatcher died) to the queue."""
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.SENDING, OutboxMessage.claimed_at < now - lease())
        .values(status=OutboxStatus.PENDING, claimed_at=None, next_attempt_at=now)
    )
    db.session.commit()
    return result.rowcount or 0


def _claim(now: datetime, limit: int, stamp: datetime) -> list[OutboxMessage]:
    candidates = db.session.scalars(
        select(OutboxMessage.id)
        .where(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    if not candidates:
        db.session.commit()
        return []
    # The conditional UPDATE is the claim on every database (SQLite has no row locks): only
    # rows still pending become ours. One statement for the batch, naming the rows it won.
    won = set(
        db.session.scalars(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(candidates), OutboxMessage.status == OutboxStatus.PENDING)
            .values(status=OutboxStatus.SENDING, claimed_at=stamp)
            .returning(OutboxMessage.id)
            .execution_options(synchronize_session=False)
        ).all()
    )
    claimed = [message_id for message_id in candidates if message_id in won]
    db.session.commit()
    if not claimed:
        return []
    rows = {
        row.id: row for row in db.session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(claimed)))
    }
    return [rows[i] for i in claimed]  # one query for the batch, in claim order


def _renew(message_id: int, held: datetime, at: datetime) -> bool:
    """Extend this run's claim (stamped ``held``) on a row to ``at``; False if it was lost.

    A lost claim outlived its lease and another dispatcher took the row back: that one
    sends it. The claim's time stamp tells the two claims apart.
    """
    won = db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.status == OutboxStatus.SENDING,
            OutboxMessage.claimed_at == held,
        )
        .values(claimed_at=at)
    ).rowcount
    db.session.commit()
    return bool(won)


def sender(name: str) -> str | tuple[str, str]:
    """``MAIL_DEFAULT_SENDER``'s address under the brand's ``name`` (kept as configured without one)."""
    configured = current_app.config["MAIL_DEFAULT_SENDER"]
    if not name:
        return configured
    address = configured[1] if isinstance(configured, tuple) else parseaddr(configured)[1]
    return (name, address)


def to_mail(row: OutboxMessage) -> Message:
    """The Flask-Mail message for an outbox row (text and HTML alternatives)."""
    message = Message(
        subject=row.subject,
        recipients=[(row.to_name, row.to_email)] if row.to_name else [row.to_email],
        body=row.body_text,
        html=row.body_html,
        sender=sender(row.sender_name),
        extra_headers={"X-Kontento-Outbox": str(row.id), **json.loads(row.headers or "{}")},
    )
    message.msgId = row.message_id
    return message


def _send(connection, row: OutboxMessage) -> None:
    try:
        # A deferred row is rendered now; its bodies commit with this row's outcome.
        render_pending(row)
    except SQLAlchemyError:
        raise  # the database, not the message: the row is tried again
    except Exception as exc:
        # Its recipient or its case was deleted meanwhile (LookupError), or its parameters or
        # template cannot make a mail: trying again would fail the same way, and hold the rows
        # after it in every batch until the lease ran out.
        raise PermanentFailure(f"cannot render the message: {exc}") from exc
    try:
        message = to_mail(row)
        message.as_bytes()  # build it first: a message that cannot be encoded never will be
    except (UnicodeError, ValueError, TypeError) as exc:
        # e.g. an address with non-ASCII characters our SMTP path cannot carry. Fail this one
        # message for good instead of stalling the whole queue behind it.
        raise PermanentFailure(f"cannot build the message: {type(exc).__name__}: {exc}") from exc
    try:
        connection.send(message)
    except (UnicodeError, ValueError) as exc:  # raised while encoding the envelope addresses
        raise PermanentFailure(f"cannot send to this address: {type(exc).__name__}: {exc}") from exc
    except smtplib.SMTPRecipientsRefused as exc:
        # 5xx: the mailbox does not exist. 4xx (greylisting, rate limits): try again later.
        if all(500 <= code < 600 for code, _text in exc.recipients.values()):
            raise PermanentFailure(f"recipient refused: {exc.recipients}") from exc
        raise
    except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
        if 500 <= exc.smtp_code < 600:
            raise PermanentFailure(f"{exc.smtp_code} {exc.smtp_error!r}") from exc
        raise


def _record_failure(row: OutboxMessage, error: str, now: datetime, permanent: bool) -> bool:
    """Count a failed attempt; return True when the message is given up on."""
    row.attempts += 1
    row.last_error = error[:2000]
    row.claimed_at = None
    gave_up = permanent or (row.attempts >= MIN_ATTEMPTS and now - row.created_at >= GIVE_UP_AFTER)
    row.status = OutboxStatus.FAILED if gave_up else OutboxStatus.PENDING
    row.next_attempt_at = now + backoff(row.attempts)
    return gave_up


def dispatch(now: datetime | None = None, limit: int | None = None) -> DispatchResult:
    """Send due messages until none is due, ``limit`` went, or the run's time is up.

    ``MAIL_SEND_CONCURRENCY`` threads send at once, each claiming its own batches (the claim
    keeps every message to one of them) over its own SMTP connection. A run that stops for
    time while mail is still due wakes the dispatcher again after its last commit. Safe to
    run in several workers at once.
    """
    config = current_app.config
    run = SendRun(now or utcnow(), limit, config["MAIL_DISPATCH_SECONDS"])
    result = DispatchResult(requeued=requeue_stuck(run.now))
    if not smtp.configured():
        # Trying would only spend the attempts and mark every message failed ("Connection
        # refused") for a server nobody set up; held, they all go once one is configured.
        result.held = held_count()
        return result
    threads = max(int(config["MAIL_SEND_CONCURRENCY"]), 1)
    if db.engine.dialect.name == "sqlite":
        # SQLite writes one transaction at a time: more senders would only wait on its lock
        # (and time out on it, leaving their claims to the lease).
        threads = 1
    if threads == 1:
        _sender(run, result)
    else:
        app = current_app._get_current_object()
        results = [DispatchResult() for _ in range(threads)]
        workers = [
            threading.Thread(target=_sender_in_app, args=(app, run, part), name=f"kontento-mail-{i}")
            for i, part in enumerate(results)
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        for part in results:
            result.sent += part.sent
            result.deferred += part.deferred
            result.failed += part.failed
    result.next_due = next_due()
    if run.out_of_time and result.next_due is not None and result.next_due <= run.clock():
        # More is due now: ask for another run instead of leaving it to the next period.
        db.session.info[SESSION_FLAG] = True
    db.session.commit()
    return result


def _sender_in_app(app: Flask, run: SendRun, result: DispatchResult) -> None:
    with app.app_context():  # its own app context: its own database session
        try:
            _sender(run, result)
        except Exception:  # the database went away: the claims' lease brings the rows back
            log.exception("a mail sender thread failed")
            run.stop()
        finally:
            db.session.remove()


def _sender(run: SendRun, result: DispatchResult) -> None:
    """Claim and send batches until none is due, or the run says stop."""
    size = max(int(current_app.config["MAIL_BATCH_SIZE"]), 1)
    while wanted := run.take(size):
        stamp = run.clock()
        batch = _claim(run.now, wanted, stamp)
        run.give_back(wanted - len(batch))
        if not batch:
            return
        if not _send_batch(batch, stamp, run.now, run.clock, result, run.stop):
            return  # the server is unreachable: the rest waits for the backoff


def _send_batch(
    batch: list[OutboxMessage],
    stamp: datetime,
    now: datetime,
    clock: Callable[[], datetime],
    result: DispatchResult,
    outage: Callable[[], bool],
) -> bool:
    """Send a claimed batch over one connection; False (after ``outage()``) if the server failed.

    ``outage`` stops the run's other senders and says whether this one is the first to find the
    server down: only that one spends an attempt, as a single sender would.
    """
    try:
        connection = smtp.connect().__enter__()
    except (OSError, smtplib.SMTPException) as exc:
        error = f"cannot reach the mail server: {exc}"
        if not outage():  # another sender found the server down first: wait without a try spent
            _defer_all(None, batch, stamp, error, now, result)
            return False
        first = batch[0] if _renew(batch[0].id, stamp, clock()) else None
        _defer_all(first, batch[1:], stamp, error, now, result)
        return False
    try:
        for index, row in enumerate(batch):
            if not _renew(row.id, stamp, clock()):
                continue  # held past the lease and taken back: another dispatcher sends it
            try:
                _send(connection, row)
            except PermanentFailure as exc:
                _record_failure(row, str(exc), now, permanent=True)
                result.failed += 1
            except (OSError, smtplib.SMTPException) as exc:
                outage()  # this row was really tried: it spends its attempt either way
                _defer_all(row, batch[index + 1 :], stamp, f"{type(exc).__name__}: {exc}", now, result)
                return False
            else:
                row.status = OutboxStatus.SENT
                row.sent_at = utcnow()
                row.attempts += 1
                row.claimed_at = None
                result.sent += 1
            # No commit of its own: the next row's renewal commits this outcome with it (one
            # commit a message, not two), and the last one is committed after the loop.
        db.session.commit()
    finally:
        with contextlib.suppress(OSError, smtplib.SMTPException):
            connection.__exit__(None, None, None)
    return True


def _defer_all(
    first: OutboxMessage | None,
    rest: list[OutboxMessage],
    stamp: datetime,
    error: str,
    now: datetime,
    result: DispatchResult,
) -> None:
    """``first`` (the row just tried) counts a failed attempt; the rest wait as long without
    spending one. Of the rest, only rows still under this run's claim (``stamp``) are touched."""
    wait_until = now + backoff(1)
    if first is not None:
        if _record_failure(first, error, now, permanent=False):
            result.failed += 1
        else:
            result.deferred += 1
        wait_until = first.next_attempt_at
    if rest:
        result.deferred += (
            db.session.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.id.in_([row.id for row in rest]),
                    OutboxMessage.status == OutboxStatus.SENDING,
                    OutboxMessage.claimed_at == stamp,
                )
                .values(status=OutboxStatus.PENDING, claimed_at=None, next_attempt_at=wait_until)
            ).rowcount
            or 0
        )
    db.session.commit()


def next_due() -> datetime | None:
    """When the dispatcher next has something to do (a pending row, or a claim to expire)."""
    pending = db.session.scalar(
        select(OutboxMessage.next_attempt_at)
        .where(OutboxMessage.status == OutboxStatus.PENDING)
        .order_by(OutboxMessage.next_attempt_at)
        .limit(1)
    )
    claimed = db.session.scalar(
        select(OutboxMessage.claimed_at)
        .where(OutboxMessage.status == OutboxStatus.SENDING)
        .order_by(OutboxMessage.claimed_at)
        .limit(1)
    )
    moments = [m for m in (pending, claimed + lease() if claimed else None) if m is not None]
    return min(moments, default=None)


# Not wrapped in a commit: the dispatcher commits each claim and each result as it goes.
DISPATCH_OUTBOX = Job("dispatch_outbox", timedelta(minutes=1), dispatch)
