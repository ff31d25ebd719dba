"""Stored retention months: each figure of a month that can no longer change is computed once.

The report is made of per-month figures (renewals, churn, MRR, satisfaction splits) and per-cohort
rows. A month that ended, and a cohort row whose check days have all passed, depend only on facts
dated before some day (``RetentionMonth.valid_through``). The page stores them the first time it
needs them (with the same functions that compute the open months live, metrics.py) and reads them
afterwards: a view's work then grows with the current month, not with the history.

Correctness: every write that changes a fact effective on day ``d`` in the past deletes the stored
rows with ``valid_through > d`` (``invalidate_from``):

- ORM writes, through a flush hook (``register``): subscription events and subscriptions
  (their dates, old and new), deleted customers, ratings with an NPS answer, follow-ups whose
  ``breached`` flag changes (the breach counts from the case's creation);
- Core bulk writes call ``invalidate_from`` themselves: the subscription import
  (``lifecycle.signals.history_written``) and the demo bulk loader;
- ``flask reports rebuild-retention`` forgets everything (after a repair by hand).

Writes dated today or later change nothing stored (only rows with ``valid_through <= today``
are stored), so the everyday write path (a rating now) skips the hook's work; the one exception
is today's revenue at stake (kind "stake", from today's active subscriptions and prices), which
any subscription write forgets (``forget_today``).

A view that computed a month while a backdated write committed must not store it: each
invalidation bumps ``retention_epoch``, and ``save`` inserts only if the epoch is still the one
read before computing, reading it ``FOR SHARE`` (an invalidating writer holds the row until it
commits, so the two cannot interleave on PostgreSQL; SQLite has one writer at a time).
"""

from datetime import date, timedelta

from sqlalchemy import delete, event, insert, inspect, select, update
from sqlalchemy.orm import Session

from ...auth.models import User
from ...core.db import conflict_insert
from ...core.time import utcnow
from ...extensions import db
from ...followups.models import Followup
from ...lifecycle.models import Subscription, SubscriptionEvent
from ...lifecycle.signals import history_written
from ...surveys.models import Feedback
from ...surveys.rating_write import Companion, join_rating_write
from .models import RetentionEpoch, RetentionMonth

MONTH, START, COHORT, STAKE = "month", "start", "cohort", "stake"
# A write dated today forgets nothing (see _before_flush), so a row is stored only once the facts
# it depends on are a day old: a write dated just before midnight, committed just after it or
# flushed by a process whose clock is a little behind, is then in every view that stores.
SETTLED = timedelta(days=1)


def epoch() -> int:
    """The invalidation count now (0 when the row is missing, as after a test's wipe)."""
    return db.session.scalar(select(RetentionEpoch.n).where(RetentionEpoch.id == 1)) or 0


def load(kind: str, months: list[date]) -> dict[date, dict]:
    """Stored figures of ``kind`` for these months (first days), by month."""
    if not months:
        return {}
    rows = db.session.execute(
        select(RetentionMonth.month, RetentionMonth.figures).where(
            RetentionMonth.kind == kind, RetentionMonth.month.in_(months)
        )
    )
    return {month: figures for month, figures in rows}


def save(kind: str, rows: list[tuple[date, date, dict]], seen_epoch: int) -> bool:
    """Store ``(month, valid_through, figures)`` rows computed after reading ``seen_epoch``, and
    commit; nothing is stored when an invalidation happened in between, nor rows whose facts are
    not yet a day old (``SETTLED``). True when stored."""
    if kind != STAKE:  # today's revenue at stake is forgotten by any subscription write instead
        settled = utcnow().date() - SETTLED
        rows = [row for row in rows if row[1] <= settled]
    if not rows:
        return False
    stmt = select(RetentionEpoch.n).where(RetentionEpoch.id == 1)
    if db.session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(read=True)
    if (db.session.scalar(stmt) or 0) != seen_epoch:
        db.session.commit()  # lets the epoch row go; the request's own writes, if any, stand
        return False
    if kind == STAKE:  # yesterday's figures are never read again
        first = min(m for m, _through, _figures in rows)
        db.session.execute(
            delete(RetentionMonth).where(RetentionMonth.kind == STAKE, RetentionMonth.month < first)
        )
    values = [{"kind": kind, "month": m, "valid_through": through, "figures": f} for m, through, f in rows]
    stmt = conflict_insert(db.session.get_bind(), RetentionMonth.__table__).values(values)
    # A concurrent view may have stored the same month: the newer computation wins.
    stmt = stmt.on_conflict_do_update(
        index_elements=["kind", "month"],
        set_={"valid_through": stmt.excluded.valid_through, "figures": stmt.excluded.figures},
    )
    db.session.execute(stmt)
    db.session.commit()
    return True


def _bump(conn) -> None:
    """Count an invalidation: a view that read the epoch before it computes nothing it may store."""
    bumped = conn.execute(update(RetentionEpoch).where(RetentionEpoch.id == 1).values(n=RetentionEpoch.n + 1))
    if bumped.rowcount == 0:
        conn.execute(insert(RetentionEpoch).values(id=1, n=1))


def invalidate_from(day: date, connection=None) -> None:
    """Forget every stored row that depends on facts effective on ``day`` or later."""
    conn = connection if connection is not None else db.session.connection()
    _bump(conn)
    conn.execute(delete(RetentionMonth).where(RetentionMonth.valid_through > day))


def forget_today(connection=None) -> None:
    """Forget the stored revenue at stake (today's active subscriptions: any subscription write
    may change it, whatever its date)."""
    conn = connection if connection is not None else db.session.connection()
    _bump(conn)
    conn.execute(delete(RetentionMonth).where(RetentionMonth.kind == STAKE))


def forget_all() -> None:
    """Forget every stored month and cohort (``flask reports rebuild-retention``)."""
    invalidate_from(date.min)


# -- the write path -----------------------------------------------------------------------------


def _values(obj, attrs: tuple[str, ...]) -> list:
    """Current and previous values of ``attrs``."""
    state = inspect(obj)
    out = []
    for name in attrs:
        h = state.attrs[name].history
        out += [v for v in (*h.added, *h.unchanged, *h.deleted) if v is not None]
    return out


def _edited(obj, dates: tuple[str, ...], watched: tuple[str, ...]) -> list:
    """The dates from which an edit of ``obj`` changes retention facts.

    A fact that changed (a price, a plan, an NPS answer, a breach, the customer) counts from the
    row's dates; when only dates moved, from their old and new values alone: a subscription
    ended today changes no month that has ended, whenever it started.
    """
    state = inspect(obj)
    changed = [name for name in watched if state.attrs[name].history.has_changes()]
    if any(name not in dates for name in changed):
        return _values(obj, dates)
    out = []
    for name in changed:
        h = state.attrs[name].history
        out += [v for v in (*h.added, *h.deleted) if v is not None]
    return out


def _day(value) -> date:
    return value.date() if hasattr(value, "date") else value


# For each model: the date columns a write is effective from, and the columns whose change matters
# to the report (an update touching none of them changes nothing stored).
_WATCHED = (
    (SubscriptionEvent, ("occurred_on",), ("occurred_on", "kind", "plan", "monthly_price", "customer_id")),
    (Subscription, ("started_on", "ended_on"), ("started_on", "ended_on", "customer_id")),
    (Feedback, ("created_at",), ("nps", "created_at", "customer_id")),
    (Followup, ("created_at",), ("breached", "created_at", "customer_id")),
)


def _affected(obj, how: str) -> list:
    """The dates from which ``obj``'s write (``how``: new, dirty, deleted) changes retention facts."""
    if isinstance(obj, User):
        return [date.min] if how == "deleted" else []  # their subscriptions and ratings go with them
    for model, dates, watched in _WATCHED:
        if not isinstance(obj, model):
            continue
        if how == "dirty":
            return _edited(obj, dates, watched)
        if isinstance(obj, Feedback) and obj.nps is None:
            return []  # only NPS answers count (the latest before an instant)
        if isinstance(obj, Followup) and not obj.breached:
            return []  # only breached cases count
        return _values(obj, dates)
    return []


def rows_written(session: Session, new=(), dirty=(), deleted=()) -> None:
    """Forget the stored months that these written objects change (``new``, ``dirty``, ``deleted``
    as in a flush): the flush hook's work, called also by writes that go round the ORM."""
    days = []
    for how, objs in (("new", new), ("dirty", dirty), ("deleted", deleted)):
        for obj in objs:
            days += [_day(v) for v in _affected(obj, how)]
    if days and min(days) < utcnow().date():
        invalidate_from(min(days), session.connection())
    elif any(isinstance(o, Subscription) for o in (*new, *dirty, *deleted)):
        forget_today(session.connection())


def _before_flush(session: Session, _context, _instances) -> None:
    rows_written(session, session.new, session.dirty, session.deleted)


def _history_written(_sender, since: date, **_kw) -> None:
    if since < utcnow().date():
        invalidate_from(since)
    else:
        forget_today()


def _rating_written(session: Session, rating, _case) -> dict:
    rows_written(session, new=[rating])
    return {}


def register() -> None:
    """Attach the invalidation hooks (the flush's, the subscription import's and the rating write's),
    once however often this is called."""
    if not event.contains(Session, "before_flush", _before_flush):
        event.listen(Session, "before_flush", _before_flush)
    history_written.connect(_history_written)
    join_rating_write("retention_store", Companion(prepare=_rating_written))
