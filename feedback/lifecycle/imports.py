"""Subscription imports from upload to outcome: stored, queued, run by the worker, all or nothing.

The web page stores the uploaded file in the database (a chunk per megabyte, so a Celery worker
on another machine can read it) and queues an import; the ``subscription_imports`` job claims
it and runs it in two passes, each reading a batch at a time (memory does not grow with the
file):

1. *reading*: every line is parsed and checked; good rows go to a staging table, rejected
   lines to the rejections table, a batch per commit (:mod:`.staging`);
2. *saving*: each service's history is replayed with its new rows and recorded, in one
   transaction (:mod:`.histories`). At the first impossible history, or when the first pass
   rejected a line, it is *checking* instead: nothing is recorded, every line at fault is
   named, a batch per commit.

Reading and checking commit their progress with their batches; saving reports it aside on
PostgreSQL (see :class:`_Tracker`). The command line runs the same passes on a local file
(:func:`import_file`).
"""

import io
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import BinaryIO

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import delete, exists, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from ..auth.models import User
from ..core.security import new_token
from ..core.wake import wake_after_commit
from ..extensions import db
from .histories import check_client_ids, mark_recorded, replay_services, set_billing_accounts, sync_customers
from .importer import CsvFile
from .models import ImportChunk, ImportRejection, ImportRow, ImportStage, ImportStatus, SubscriptionImport
from .staging import Rejections, stage_file

log = logging.getLogger(__name__)

JOB = "subscription_imports"
CHUNK_BYTES = 1024 * 1024
STALE_AFTER = timedelta(minutes=10)  # a running import silent this long lost its worker
MAX_ATTEMPTS = 3  # runs an import may start (a worker killed each time) before it is failed
_SAVE_ATTEMPTS = 3  # rounds when other writers keep recording the same events meanwhile
Progress = Callable[[ImportStage, int, int], None]


class _LostClaim(Exception):
    """Another run holds the import now (this one was taken for dead): stop, commit nothing."""


def check_upload(stream: BinaryIO, now: datetime) -> None:
    """Raise ValueError when the file's header makes it unusable; rewind the stream either way."""
    try:
        CsvFile(stream, now).header()
    finally:
        stream.seek(0)


def queue_import(
    stream: BinaryIO, filename: str, user: User | None, now: datetime, locale: str | None = None
) -> SubscriptionImport:
    """Store an uploaded file and queue its import for the worker (adds and flushes; runs after commit).

    ``locale``: the uploader's language, which the rejected lines' reasons will be written in.
    """
    record = SubscriptionImport(filename=_printable(filename), created_by=user, created_at=now, locale=locale)
    db.session.add(record)
    db.session.flush()
    seq = size = 0
    while chunk := stream.read(CHUNK_BYTES):
        db.session.execute(insert(ImportChunk).values(import_id=record.id, seq=seq, data=chunk))
        seq, size = seq + 1, size + len(chunk)
    record.size_bytes = size
    wake_after_commit(JOB)
    return record


def _printable(filename: str) -> str:
    """The file's name as shown on the pages: no control characters (PostgreSQL refuses NUL)."""
    return "".join(c for c in filename if c.isprintable())[:255] or "upload.csv"


def run_queued(now: datetime, progress: Progress | None = None) -> int:
    """The job: give stale imports back to the queue, then run the queued ones, oldest first."""
    _requeue_stale(now)
    ran = 0
    while (claimed := _claim_next(now)) is not None:
        run_import(*claimed, now, progress=progress)
        ran += 1
    return ran


def _requeue_stale(now: datetime) -> None:
    stale = (SubscriptionImport.status == ImportStatus.RUNNING) & (
        SubscriptionImport.heartbeat_at < now - STALE_AFTER
    )
    db.session.execute(
        update(SubscriptionImport)
        .where(stale, SubscriptionImport.attempts >= MAX_ATTEMPTS)
        .values(
            status=ImportStatus.FAILED,
            claim=None,
            finished_at=now,
            error=f"WorkerLost: stopped {MAX_ATTEMPTS} times",  # for the administrator, like a class name
        )
    )
    db.session.execute(update(SubscriptionImport).where(stale).values(status=ImportStatus.QUEUED, claim=None))
    db.session.commit()


def _claim_next(now: datetime) -> tuple[int, str] | None:
    """Claim the oldest queued import, unless one is running (imports of one host go one at a time)."""
    other = aliased(SubscriptionImport)
    oldest = db.session.scalar(
        select(SubscriptionImport.id)
        .where(SubscriptionImport.status == ImportStatus.QUEUED)
        .order_by(SubscriptionImport.created_at, SubscriptionImport.id)
        .limit(1)
    )
    if oldest is None:
        return None
    token = new_token()[:32]
    won = db.session.execute(
        update(SubscriptionImport)
        .where(
            SubscriptionImport.id == oldest,
            SubscriptionImport.status == ImportStatus.QUEUED,
            ~exists().where(other.status == ImportStatus.RUNNING),
        )
        # A heartbeat from the start: a worker killed before its first report still goes stale.
        .values(
            status=ImportStatus.RUNNING,
            claim=token,
            heartbeat_at=now,
            attempts=SubscriptionImport.attempts + 1,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return (oldest, token) if won else None


@dataclass
class _Tracker:
    """The import's progress, written to its row and told to ``callback``.

    Reading and checking commit it with their batches. Saving is one transaction, which must
    not commit before its end: on PostgreSQL its progress goes through a connection of its own
    (the row is not locked by the saving transaction until it finishes); SQLite has one writer
    at a time, so there the page shows the saving without a count.
    """

    import_id: int
    claim: str
    now: datetime
    callback: Progress | None
    stage: ImportStage = ImportStage.READING
    total: int = 0
    _started: float = field(default_factory=time.monotonic)

    def begin(self, stage: ImportStage, total: int) -> None:
        """A new stage, committed at once: it begins between transactions (even saving)."""
        self.stage, self.total = stage, total
        self.write(stage=stage, done=0, total=total)
        db.session.commit()
        if self.callback:
            self.callback(stage, 0, total)

    def report(self, done: int) -> None:
        values = {"stage": self.stage, "done": done, "total": self.total}
        if self.stage != ImportStage.SAVING:
            self.write(**values)
            db.session.commit()
        elif db.session.get_bind().dialect.name == "postgresql":
            with db.engine.connect() as aside:
                aside.execute(self._update(**values))
                aside.commit()
        if self.callback:
            self.callback(self.stage, done, self.total)

    def replayed(self, saving: bool, done: int) -> None:
        """The second pass's report: saving while every history is possible, else checking."""
        self.stage = ImportStage.SAVING if saving else ImportStage.CHECKING
        self.report(done)

    def write(self, **values) -> None:
        """Update the import's row if this run still holds it (heartbeat included); else _LostClaim."""
        if not db.session.execute(self._update(**values)).rowcount:
            raise _LostClaim

    def _update(self, **values):
        heartbeat = self.now + timedelta(seconds=time.monotonic() - self._started)
        return (
            update(SubscriptionImport)
            .where(SubscriptionImport.id == self.import_id, SubscriptionImport.claim == self.claim)
            .values(heartbeat_at=heartbeat, **values)
            .execution_options(synchronize_session=False)
        )


def run_import(
    import_id: int,
    claim: str,
    now: datetime,
    *,
    source: BinaryIO | None = None,
    progress: Progress | None = None,
) -> None:
    """Run a claimed import to its end: done, rejected or failed. Commits.

    ``source``: the file (the command line's); by default the stored upload. ``progress(stage,
    done, total)`` is told as the passes go (bytes while reading, rows while checking and saving).
    """
    tracker = _Tracker(import_id, claim, now, progress)
    locale = db.session.scalar(select(SubscriptionImport.locale).where(SubscriptionImport.id == import_id))
    try:
        _clear_scratch(import_id, rejections=True)  # what an earlier, killed attempt left
        tracker.write(started_at=now, stage=ImportStage.READING, done=0, total=0)
        db.session.commit()
        with force_locale(locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
            _run(tracker, source)
    except _LostClaim:
        db.session.rollback()
        log.warning("import %s was taken over by another run", import_id)
    except Exception as exc:
        db.session.rollback()
        log.exception("import %s failed", import_id)
        try:  # the rejections found so far would read as the whole story: they go too
            _clear_scratch(import_id, rejections=True)
            _finish(tracker, ImportStatus.FAILED, error=type(exc).__name__)
        except _LostClaim:
            db.session.rollback()


def _run(tracker: _Tracker, source: BinaryIO | None) -> None:
    import_id = tracker.import_id
    size = db.session.scalar(select(SubscriptionImport.size_bytes).where(SubscriptionImport.id == import_id))
    binary = source or io.BufferedReader(_ChunkReader(import_id), CHUNK_BYTES)
    rejections = Rejections(import_id)
    csv_file = CsvFile(binary, tracker.now)
    tracker.begin(ImportStage.READING, size or 0)
    try:
        csv_file.header()
    except ValueError as exc:
        rejections.add(1, str(exc))
        rejections.flush()
        _finish(tracker, ImportStatus.REJECTED, rejections=rejections)
        return
    counts = stage_file(import_id, csv_file, rejections, tracker.report)
    figures = {"rows": counts.rows, "blank_lines": counts.blank}
    for _attempt in range(_SAVE_ATTEMPTS):
        tracker.begin(ImportStage.CHECKING, counts.staged)
        mark_recorded(import_id)
        check_client_ids(import_id, rejections)
        rejections.flush()
        db.session.commit()
        save = not rejections.count  # a file with a rejected line already is only checked
        tracker.begin(ImportStage.SAVING if save else ImportStage.CHECKING, counts.staged)
        try:
            outcome = replay_services(import_id, rejections, tracker.replayed, save=save)
            if outcome.saved:
                sync_customers(outcome.customers)
                set_billing_accounts(import_id)
        except IntegrityError:  # another writer recorded one of these events or services meanwhile
            db.session.rollback()
            continue
        if not outcome.saved:
            _finish(tracker, ImportStatus.REJECTED, rejections=rejections, **figures)
            return
        _finish(
            tracker,
            ImportStatus.DONE,
            new_events=outcome.new_events,
            already_imported=outcome.already_imported,
            subscriptions_created=outcome.subscriptions_created,
            **figures,
        )
        return
    raise RuntimeError("the subscriptions kept changing while this file was imported")


def _finish(tracker: _Tracker, status: ImportStatus, rejections: Rejections | None = None, **values) -> None:
    """Record the outcome, drop the upload and the staged rows, and commit (in the caller's transaction)."""
    if rejections is not None:
        listed = db.session.scalar(
            select(func.count(func.distinct(ImportRejection.line))).where(
                ImportRejection.import_id == tracker.import_id
            )
        )
        values["rejected_lines"] = listed + rejections.count - rejections.listed
    if tracker.callback:
        tracker.callback(tracker.stage, tracker.total, tracker.total)
    tracker.write(status=status, claim=None, finished_at=tracker.now, done=tracker.total, **values)
    _clear_scratch(tracker.import_id)
    db.session.commit()


def _clear_scratch(import_id: int, rejections: bool = False) -> None:
    db.session.execute(delete(ImportRow).where(ImportRow.import_id == import_id))
    if rejections:
        db.session.execute(delete(ImportRejection).where(ImportRejection.import_id == import_id))
    else:  # finished: the upload goes too
        db.session.execute(delete(ImportChunk).where(ImportChunk.import_id == import_id))


class _ChunkReader(io.RawIOBase):
    """The stored upload as a file: one chunk (about 1 MB) in memory at a time."""

    def __init__(self, import_id: int):
        self._import_id, self._seq, self._chunk, self._at = import_id, 0, b"", 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self._at >= len(self._chunk):
            data = db.session.scalar(
                select(ImportChunk.data).where(
                    ImportChunk.import_id == self._import_id, ImportChunk.seq == self._seq
                )
            )
            if not data:
                return 0
            self._chunk, self._at, self._seq = bytes(data), 0, self._seq + 1
        n = min(len(buffer), len(self._chunk) - self._at)
        buffer[:n] = self._chunk[self._at : self._at + n]
        self._at += n
        return n


def import_file(
    source: BinaryIO, filename: str, now: datetime, progress: Progress | None = None
) -> SubscriptionImport:
    """Import a local file now, in this process (the command line): same passes, same record."""
    size = source.seek(0, io.SEEK_END) if source.seekable() else 0
    if source.seekable():
        source.seek(0)
    token = new_token()[:32]
    record = SubscriptionImport(
        filename=_printable(filename),
        size_bytes=size,
        status=ImportStatus.RUNNING,
        claim=token,
        heartbeat_at=now,
        attempts=1,
        created_at=now,
    )
    db.session.add(record)
    db.session.commit()
    run_import(record.id, token, now, source=source, progress=progress)
    db.session.refresh(record)
    return record


@dataclass
class ImportResult:
    """What an import did (or would have done): counts and the rejected lines."""

    rows: int = 0
    new_events: int = 0
    already_imported: int = 0
    subscriptions_created: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)

    @property
    def applied(self) -> bool:
        """True when the file was applied (no rejected row)."""
        return not self.rejected


def import_subscriptions(data: bytes, now: datetime, progress: Progress | None = None) -> ImportResult:
    """Import ``data`` now and return the outcome with every rejected line (small files: tests, scripts)."""
    record = import_file(io.BytesIO(data), "data.csv", now, progress)
    rejected = db.session.execute(
        select(ImportRejection.line, ImportRejection.reason)
        .where(ImportRejection.import_id == record.id)
        .order_by(ImportRejection.line, ImportRejection.id)
    ).all()
    if record.status == ImportStatus.FAILED:
        raise RuntimeError(f"import {record.id} failed: {record.error}")
    return ImportResult(
        record.rows,
        record.new_events,
        record.already_imported,
        record.subscriptions_created,
        [tuple(r) for r in rejected],
    )
