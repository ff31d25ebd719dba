"""Keep ``followup_rollups`` current on every write of a follow-up, and rebuild it from raw rows.

The support report reads these rollups instead of every follow-up of the range. A follow-up
contributes, under its priority:

- on the UTC day it was created: ``created``; ``first`` and ``resolution`` in the histogram bin
  of its first-response and resolution durations, once it has them;
- on the day of its first-response deadline: ``first_due``, ``first_met`` (answered by then),
  ``first_breach`` (flagged); on the day of its resolution deadline: ``res_due``, ``res_met``
  (resolved without breach), ``res_breach`` (flagged).

Each fact is counted twice, under grain "day" and under grain "month" (day = the month's 1st),
so a long range sums a row per month and bin instead of a row per day and bin.

The ``*_due`` counts treat every deadline as decided (met, or passed). That holds for deadlines
before ``now``; the report reads the days before today from here and today onwards live.

Durations go into bins of ``BIN_RATIO`` (1 %) relative width: a percentile estimated from them
(``percentile``) is within 1 % (or 1 second, below one second) of the exact one.

ORM flush hooks keep the rollups right, as ``rollups.py`` does for ratings: before a flush the
follow-ups about to change or go are read back locked, after it the rows as written, and the
difference goes in with one upsert. A case opened by a new rating is written round the flush
(``surveys.rating_write``, joined in ``register``): its contributions go in with the rating's
statement. Core writes (``bench/bulk_followups.py``) call ``rebuild_followup_rollups`` afterwards.
"""

import math
from collections import defaultdict
from datetime import date, datetime, timedelta
from types import SimpleNamespace

from sqlalchemy import bindparam, delete, event, func, inspect, or_, select, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from ..core.dates import month_end
from ..core.db import bulk_insert, conflict_insert
from ..core.time import as_utc
from ..extensions import db
from ..followups.models import Followup
from ..surveys.rating_write import Companion, join_rating_write
from .models import FollowupRollup

BIN_RATIO = 1.01  # histogram bins [BIN_RATIO**(k-1), BIN_RATIO**k) seconds, k ≥ 1; bin 0 is [0, 1)
_LOG_RATIO = math.log(BIN_RATIO)
CREATED, FIRST, RESOLUTION = "created", "first", "resolution"
FIRST_DUE, FIRST_MET, FIRST_BREACH = "first_due", "first_met", "first_breach"
RES_DUE, RES_MET, RES_BREACH = "res_due", "res_met", "res_breach"
DECIDED_BY_NOW = (FIRST_DUE, FIRST_MET, RES_DUE, RES_MET)  # counts that assume the deadline passed
DAY, MONTH = "day", "month"
KEY = ("grain", "day", "priority", "measure", "bin")
ROW_COLUMNS = (*KEY, "n", "total_ms")  # an upsert row's
# A change to any of these moves a follow-up's contributions.
COLUMNS = (
    "priority",
    "created_at",
    "first_response_at",
    "resolved_at",
    "paused_seconds",
    "first_response_due",
    "resolution_due",
    "first_response_breached",
    "resolution_breached",
)
_OLD = "followup_rollups_old"  # session.info key: contributions of rows as they were before this flush


def bin_of(seconds: float) -> int:
    """The histogram bin of a duration; 0 for anything under a second (negative too)."""
    if seconds < 1:
        return 0
    return 1 + int(math.log(seconds) / _LOG_RATIO)


def bin_bounds(k: int) -> tuple[float, float]:
    """The seconds ``[low, high)`` bin ``k`` covers."""
    if k <= 0:
        return 0.0, 1.0
    return BIN_RATIO ** (k - 1), BIN_RATIO**k


def _estimate(bins: list[tuple[int, int, int]], rank: int) -> float:
    """The value of the ``rank``-th smallest duration (0-based): the mean of its bin."""
    seen = 0
    for _, n, total_ms in bins:
        if rank < seen + n:
            return total_ms / n / 1000
        seen += n
    raise IndexError(rank)


def percentile(bins: dict[int, tuple[int, int]], q: float) -> float | None:
    """The ``q`` quantile (linear between ranks, as pandas computes it) of the durations in ``bins``
    (bin → (count, sum in milliseconds)).

    Every rank is estimated by the mean of its bin, which lies in the same bin as the true value,
    so the result is within ``BIN_RATIO - 1`` relative (or 1 s absolute, under a second) of the
    exact quantile; exact when each bin involved holds one value or equal values. None when empty.
    """
    ordered = sorted((k, n, ms) for k, (n, ms) in bins.items() if n)
    total = sum(n for _, n, _ in ordered)
    if not total:
        return None
    h = (total - 1) * q
    below = math.floor(h)
    value = _estimate(ordered, below)
    if h > below:
        value += (h - below) * (_estimate(ordered, below + 1) - value)
    return value


def _fact(day: date, priority: str, measure: str, seconds: float | None = None) -> tuple:
    if seconds is None:
        return (day, priority, measure, 0, 0)
    return (day, priority, measure, bin_of(seconds), round(seconds * 1000))


def contributions(row) -> list[tuple[date, str, str, int, int]]:
    """A follow-up's facts as (day, priority, measure, bin, milliseconds), from its stored columns."""
    priority = getattr(row.priority, "value", row.priority)
    created = as_utc(row.created_at)
    out = [_fact(created.date(), priority, CREATED)]
    if row.first_response_at is not None:
        seconds = (as_utc(row.first_response_at) - created).total_seconds()
        out.append(_fact(created.date(), priority, FIRST, seconds))
    if row.resolved_at is not None:
        seconds = (as_utc(row.resolved_at) - created).total_seconds() - (row.paused_seconds or 0)
        out.append(_fact(created.date(), priority, RESOLUTION, seconds))
    if row.first_response_due is not None:
        due = as_utc(row.first_response_due)
        out.append(_fact(due.date(), priority, FIRST_DUE))
        if row.first_response_at is not None and as_utc(row.first_response_at) <= due:
            out.append(_fact(due.date(), priority, FIRST_MET))
        if row.first_response_breached:
            out.append(_fact(due.date(), priority, FIRST_BREACH))
    if row.resolution_due is not None:
        day = as_utc(row.resolution_due).date()
        out.append(_fact(day, priority, RES_DUE))
        if row.resolved_at is not None and not row.resolution_breached:
            out.append(_fact(day, priority, RES_MET))
        if row.resolution_breached:
            out.append(_fact(day, priority, RES_BREACH))
    return out


def _keyed(facts, sign: int, into: dict) -> None:
    """Add (``sign`` = 1) or take away (-1) ``facts`` under their day and month keys, as [count, ms]."""
    for day, priority, measure, k, ms in facts:
        for key in ((DAY, day, priority, measure, k), (MONTH, day.replace(day=1), priority, measure, k)):
            figures = into[key]
            figures[0] += sign
            figures[1] += sign * ms


def _rows(figures: dict) -> list[dict]:
    """Insert rows from ``_keyed`` figures, sorted by key, without the keys that net to nothing."""
    return [
        dict(zip(KEY, key, strict=True)) | {"n": n, "total_ms": ms}
        for key, (n, ms) in sorted(figures.items())
        if n or ms
    ]


def _select():
    t = Followup.__table__
    return select(t.c.id, *(t.c[name] for name in COLUMNS))


def _read(session: Session, ids, lock: bool) -> dict[int, list]:
    """Contributions of the given follow-ups as the database holds them."""
    if not ids:
        return {}
    t = Followup.__table__
    stmt = _select().where(t.c.id.in_(list(ids)))
    if lock:
        stmt = stmt.with_for_update(of=t)
    return {row.id: contributions(row) for row in session.connection().execute(stmt)}


def _changed(state) -> bool:
    return any(state.attrs[name].history.has_changes() for name in COLUMNS)


def _before_flush(session: Session, flush_context, instances) -> None:
    # The identity, not ``obj.id``: reading an attribute of an expired row would load it again.
    ids = [
        state.identity[0]
        for state in (inspect(obj) for obj in list(session.dirty) + list(session.deleted))
        if isinstance(state.obj(), Followup)
        and state.identity is not None
        and (state.obj() in session.deleted or _changed(state))
    ]
    # Replaced on every flush: a failed flush must not leave stale figures for the next one.
    session.info[_OLD] = _read(session, ids, lock=True)


def _after_flush(session: Session, flush_context) -> None:
    old = session.info.pop(_OLD, {})
    deltas: dict = defaultdict(lambda: [0, 0])
    unread = list(old)
    for obj in session.new:
        if not isinstance(obj, Followup):
            continue
        state = inspect(obj)
        if state.expired_attributes.isdisjoint(COLUMNS):
            # As just written, no need to read it back: a column missing from a new row's dict was
            # never set and has no Python default, so it went in as NULL (none has a server default).
            _keyed(contributions(SimpleNamespace(**{c: state.dict.get(c) for c in COLUMNS})), 1, deltas)
        else:
            unread.append(obj.id)
    for facts in _read(session, unread, lock=False).values():
        _keyed(facts, 1, deltas)
    for facts in old.values():
        _keyed(facts, -1, deltas)
    apply_deltas(session, deltas)


def apply_deltas(session: Session, deltas: dict) -> None:
    """Add ``deltas`` (key in ``KEY`` order → [count, ms]) with one upsert, keys in sorted order so
    concurrent writers lock rollup rows in one order and cannot deadlock."""
    rows = _rows(deltas)
    if rows:
        conn = session.connection()
        conn.execute(upsert(conn.dialect.name, rows))


def _new_case_deltas(fu) -> dict:
    """A new follow-up's contributions as ``apply_deltas`` takes them."""
    figures: dict = defaultdict(lambda: [0, 0])
    _keyed(contributions(fu), 1, figures)
    return figures


def upsert(dialect_name: str, rows: list[dict]):
    """``INSERT … ON CONFLICT DO UPDATE SET n = n + excluded.n, …`` of ``rows`` (dicts of ``KEY``
    columns, ``n`` and ``total_ms``, or a ``select()`` of them in that order) in the dialect named."""
    table = FollowupRollup.__table__
    stmt = conflict_insert(dialect_name, table)
    stmt = stmt.values(rows) if isinstance(rows, list) else stmt.from_select(ROW_COLUMNS, rows)
    return stmt.on_conflict_do_update(
        index_elements=[table.c[k] for k in KEY],
        set_={c: table.c[c] + stmt.excluded[c] for c in ("n", "total_ms")},
    )


def _new_case_params(_session, _rating, case) -> dict:
    """The new case's rollup rows as one array per column (``_new_case_upsert``'s parameters)."""
    if case is None:
        return {}
    rows = _rows(_new_case_deltas(case))
    return {"fr_" + k: [row[k] for row in rows] for k in ROW_COLUMNS}


def _new_case_upsert(_new_rating, new_case):
    """The upsert of a new case's rollup rows, given as arrays: any number of rows in one statement
    shape (a multi-row VALUES would be a new statement, compiled again, for each count)."""
    if new_case is None:
        return None
    table = FollowupRollup.__table__
    arrays = (bindparam("fr_" + k, type_=postgresql.ARRAY(table.c[k].type)) for k in ROW_COLUMNS)
    rows = func.unnest(*arrays).table_valued(*ROW_COLUMNS).render_derived("case_rows")
    return upsert("postgresql", select(*rows.c))


def _new_case_run(session: Session, _rating, case) -> None:
    if case is not None:
        apply_deltas(session, _new_case_deltas(case))


def register() -> None:
    """Attach the flush hooks to every ORM session, and join the write of new ratings (which goes
    round the flush), once however often this is called."""
    for name, fn in (("before_flush", _before_flush), ("after_flush", _after_flush)):
        if not event.contains(Session, name, fn):
            event.listen(Session, name, fn)
    join_rating_write("case_rollup", Companion(_new_case_params, _new_case_upsert, _new_case_run))


def rebuild_followup_rollups(start: date | None = None, end: date | None = None) -> int:
    """Recompute the follow-up rollups for the UTC days ``start``–``end`` (inclusive; None = unbounded).

    The range widens to whole months (month rows must stay whole). Those days' rows are deleted
    and written again from the follow-ups with any fact on them, in the current transaction (the
    caller commits); on PostgreSQL the rollup table is locked meanwhile, so a follow-up written
    concurrently waits and then adds itself on top. Returns the rows written.
    """
    return fill(db.session.connection(), start, end)


def fill(conn, start: date | None = None, end: date | None = None) -> int:
    """``rebuild_followup_rollups`` on the connection ``conn`` (the migration fills the new table with it)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("LOCK TABLE followup_rollups IN EXCLUSIVE MODE"))
    start = start.replace(day=1) if start is not None else None
    end = month_end(end) if end is not None else None
    table, t = FollowupRollup.__table__, Followup.__table__
    clear, source = delete(table), _select()
    if start is not None:
        clear = clear.where(table.c.day >= start)
    if end is not None:
        clear = clear.where(table.c.day <= end)
    conn.execute(clear)
    if start is not None or end is not None:
        since = as_utc(datetime.combine(start or date.min, datetime.min.time()))
        until = as_utc(datetime.combine(end or date(9998, 12, 31), datetime.min.time())) + timedelta(days=1)
        source = source.where(
            or_(
                *(
                    (t.c[name] >= since) & (t.c[name] < until)
                    for name in ("created_at", "first_response_due", "resolution_due")
                )
            )
        )
    counts: dict = defaultdict(lambda: [0, 0])
    for row in conn.execute(
        source.execution_options(yield_per=5000)
    ):  # on the statement: a Connection's own options would stick
        facts = contributions(row)
        _keyed(
            [f for f in facts if (start is None or f[0] >= start) and (end is None or f[0] <= end)], 1, counts
        )
    rows = _rows(counts)
    bulk_insert(conn, table, rows)
    return len(rows)
