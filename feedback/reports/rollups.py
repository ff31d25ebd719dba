"""Keep ``rating_rollups`` current on every write of a rating, and rebuild it from raw rows.

The satisfaction report reads the rollups, so they must equal the raw ratings at any moment.

- **New ratings** (dashboard, API, survey links): written round the ORM flush by
  ``surveys.rating_write``, which this module joins (``register``): the rating's figures are
  added in the statement that inserts it (``new_rating_upsert``).
- **Other ORM writes** (edits, deletes, imports, demo): session events. Before a flush the rows
  about to be updated or deleted are read back from the database (locked, so two edits of one
  row cannot both subtract its old figures), after the flush the rows as written are read, and
  the difference per rollup key is applied with one atomic
  ``INSERT … ON CONFLICT DO UPDATE SET col = col + excluded.col``.
- **Core bulk inserts** (``feedback.demo.bulk``) bypass both: they call ``rebuild_rollups`` for
  the range they wrote.
"""

from collections import defaultdict
from datetime import date

from sqlalchemy import (
    Date,
    String,
    and_,
    bindparam,
    delete,
    event,
    func,
    inspect,
    literal_column,
    select,
    text,
    type_coerce,
)
from sqlalchemy.orm import Session

from ..core.db import conflict_insert, count_if
from ..core.scales import detractor_sql, is_detractor, is_promoter, is_satisfied, promoter_sql, satisfied_sql
from ..core.time import as_utc
from ..extensions import db
from ..surveys.models import Feedback, FeedbackKind
from ..surveys.rating_write import Companion, join_rating_write
from .models import RatingRollup

COUNTS = ("ratings", "csat_n", "csat_satisfied", "csat_sum", "nps_n", "promoters", "detractors")
KEY = ("day", "category_key", "plan", "channel")
# A change to any of these moves a rating between rollup keys or changes its figures.
TRACKED = (
    "kind",
    "csat",
    "nps",
    "category_id",
    "category",
    "channel",
    "created_at",
    "plan",
)
_NEW_ROWS_UPSERT: dict = {}  # dialect name → statement, see _new_rows_upsert
_OLD = "rating_rollups_old"  # session.info key: figures of rows as they were before this flush


def day_expr(column, dialect_name: str):
    """The UTC calendar day of a timestamp column, typed as a date on both databases."""
    if dialect_name == "postgresql":
        return func.timezone("UTC", column).cast(Date)
    return func.date(column, type_=Date)


def _contribution_select(dialect_name: str):
    """One row per rating: its rollup key and its figures (0/1 flags and the CSAT score)."""
    f = Feedback.__table__
    return select(
        f.c.id,
        day_expr(f.c.created_at, dialect_name).label("day"),
        func.coalesce(f.c.category_id, 0).label("category_key"),
        _plan_key(f).label("plan"),
        f.c.channel,
        f.c.csat,
        f.c.nps,
    ).where(f.c.kind == FeedbackKind.RATING)


def _plan_key(f):
    """The rating's plan at the time it was given, "none" for a customer without an account."""
    return func.coalesce(type_coerce(f.c.plan, String(20)), "none")


def _figures(csat, nps) -> tuple[int, ...]:
    """A rating's figures in ``COUNTS`` order, as ``_aggregate_select`` counts them in SQL."""
    return (
        1,
        int(csat is not None),
        int(is_satisfied(csat)),
        csat or 0,
        int(nps is not None),
        int(is_promoter(nps)),
        int(is_detractor(nps)),
    )


def _read(session: Session, ids: list[int], lock: bool) -> dict[int, tuple]:
    """Rollup key and figures of the given feedback rows as the database holds them now."""
    if not ids:
        return {}
    conn = session.connection()
    stmt = _contribution_select(conn.dialect.name).where(Feedback.__table__.c.id.in_(ids))
    if lock:
        stmt = stmt.with_for_update(of=Feedback.__table__)
    out = {}
    for row in conn.execute(stmt):
        plan = getattr(row.plan, "value", row.plan)
        channel = getattr(row.channel, "value", row.channel)
        out[row.id] = ((row.day, row.category_key, plan, channel), _figures(row.csat, row.nps))
    return out


def _changed(state) -> bool:
    return any(state.attrs[name].history.has_changes() for name in TRACKED)


def _before_flush(session: Session, flush_context, instances) -> None:
    # The identity, not ``obj.id``: reading an attribute of an expired row would load it again.
    states = [
        inspect(obj) for obj in list(session.dirty) + list(session.deleted) if isinstance(obj, Feedback)
    ]
    touched = [
        state.identity[0]
        for state in states
        if state.identity is not None and (state.deleted or state.obj() in session.deleted or _changed(state))
    ]
    # Replaced on every flush: a failed flush must not leave stale figures for the next one.
    session.info[_OLD] = _read(session, touched, lock=True)


def _after_flush(session: Session, flush_context) -> None:
    old = session.info.pop(_OLD, {})
    inserted = [obj.id for obj in session.new if isinstance(obj, Feedback)]
    if not old:
        # The common case, a new rating: aggregate and upsert in one statement, one round trip.
        add_new_ratings(session, inserted)
        return
    # Rows deleted in this flush are gone, and rows that stopped being ratings are filtered out:
    # for both only the old figures are subtracted.
    new = _read(session, inserted + list(old), lock=False)
    deltas: dict[tuple, list[int]] = defaultdict(lambda: [0] * len(COUNTS))
    for sign, rows in ((1, new), (-1, old)):
        for key, figures in rows.values():
            for n, value in enumerate(figures):
                deltas[key][n] += sign * value
    apply_deltas(session, {k: v for k, v in deltas.items() if any(v)})


def _upsert(dialect_name: str, source):
    """``INSERT … ON CONFLICT (key) DO UPDATE SET count = count + excluded.count`` from ``source``
    (rows or a ``select()``), in the dialect named."""
    table = RatingRollup.__table__
    stmt = conflict_insert(dialect_name, table)
    stmt = stmt.values(source) if isinstance(source, list) else stmt.from_select([*KEY, *COUNTS], source)
    return stmt.on_conflict_do_update(
        index_elements=[table.c[k] for k in KEY],
        set_={c: table.c[c] + stmt.excluded[c] for c in COUNTS},
    )


def _new_rows_upsert(conn):
    """The upsert that adds rows named by the expanding parameter ``ids``; built once per dialect,
    because building the construct costs more than running it on every rating written."""
    name = conn.dialect.name
    if name not in _NEW_ROWS_UPSERT:
        # Sorted by key, so concurrent writers lock rollup rows in one order and cannot deadlock.
        source = _aggregate_select(name, ids=bindparam("ids", expanding=True)).order_by(
            *(literal_column(str(n)) for n in (1, 2, 3, 4))
        )
        _NEW_ROWS_UPSERT[name] = _upsert(name, source)
    return _NEW_ROWS_UPSERT[name]


def new_rating_upsert(dialect_name: str, source):
    """The upsert that adds one new rating to the rollups in the statement that inserts it: its key
    and figures are bind parameters (``new_rating_params``), its plan is read from ``source`` (a
    CTE of the INSERT returning ``plan``), since the INSERT reads the plan from the account."""
    table = RatingRollup.__table__
    row = select(
        bindparam("rr_day", type_=table.c.day.type),
        bindparam("rr_category_key", type_=table.c.category_key.type),
        _plan_key(source),
        bindparam("rr_channel", type_=table.c.channel.type),
        *(bindparam("rr_" + name, type_=table.c[name].type) for name in COUNTS),
    )
    return _upsert(dialect_name, row)


def new_rating_params(rating) -> dict:
    """The parameters of ``new_rating_upsert`` for ``rating`` (a new rating, not yet read back)."""
    figures = dict(zip(COUNTS, _figures(rating.csat, rating.nps), strict=True))
    return {
        "rr_day": as_utc(rating.created_at).date(),
        "rr_category_key": rating.category_id or 0,
        "rr_channel": getattr(rating.channel, "value", rating.channel),
    } | {"rr_" + name: value for name, value in figures.items()}


def add_new_ratings(session: Session, ids: list[int]) -> None:
    """Add the figures of the given (new) feedback rows, as the database holds them, to the rollups."""
    if not ids:
        return
    conn = session.connection()
    conn.execute(_new_rows_upsert(conn), {"ids": ids})


def apply_deltas(session: Session, deltas: dict[tuple, list[int]]) -> None:
    """Add ``deltas`` (rollup key → counts in ``COUNTS`` order) with one atomic upsert.

    Keys go in sorted order so concurrent writers lock rollup rows in the same order and
    cannot deadlock each other.
    """
    if not deltas:
        return
    conn = session.connection()
    rows = [
        dict(zip(KEY, key, strict=True)) | dict(zip(COUNTS, deltas[key], strict=True))
        for key in sorted(deltas)
    ]
    conn.execute(_upsert(conn.dialect.name, rows))


def register() -> None:
    """Attach the flush hooks to every ORM session, and join the write of new ratings (which goes
    round the flush), once however often this is called."""
    for name, fn in (("before_flush", _before_flush), ("after_flush", _after_flush)):
        if not event.contains(Session, name, fn):
            event.listen(Session, name, fn)
    join_rating_write(
        "rating_rollup",
        Companion(
            prepare=lambda _session, rating, _case: new_rating_params(rating),
            clause=lambda new_rating, _new_case: new_rating_upsert("postgresql", new_rating),
            run=lambda session, rating, _case: add_new_ratings(session, [rating.id]),
        ),
    )


def _aggregate_select(dialect_name: str, since=None, until=None, ids=None):
    """``INSERT … SELECT`` source: rollups computed from raw ratings in ``[since, until)`` (or ``ids``)."""
    f = Feedback.__table__
    day = day_expr(f.c.created_at, dialect_name)
    category_key = func.coalesce(f.c.category_id, 0)
    plan = _plan_key(f)
    conditions = [f.c.kind == FeedbackKind.RATING]
    if since is not None:
        conditions.append(f.c.created_at >= since)
    if until is not None:
        conditions.append(f.c.created_at < until)
    if ids is not None:
        conditions.append(f.c.id.in_(ids))

    return (
        select(
            day,
            category_key,
            plan,
            f.c.channel,
            func.count(),
            func.count(f.c.csat),
            count_if(satisfied_sql(f.c.csat)),
            func.coalesce(func.sum(f.c.csat), 0),
            func.count(f.c.nps),
            count_if(promoter_sql(f.c.nps)),
            count_if(detractor_sql(f.c.nps)),
        )
        .where(and_(*conditions))
        .group_by(day, category_key, plan, f.c.channel)
    )


def rebuild_rollups(start: date | None = None, end: date | None = None) -> int:
    """Recompute the rollups for the UTC days ``start``–``end`` (inclusive; None = unbounded).

    Deletes those days' rollup rows and inserts them again from one GROUP BY over the raw
    ratings, in the current transaction (the caller commits). Each rating counts under the
    plan it was given on (``feedback.plan``). On PostgreSQL the rollup table is locked for the rebuild, so a
    rating written meanwhile waits and then adds itself on top. Returns the rows written.
    """
    from .queries import utc_range  # late: queries imports nothing from here, but keep it one-way

    session = db.session
    conn = session.connection()
    name = conn.dialect.name
    if name == "postgresql":
        conn.execute(text("LOCK TABLE rating_rollups IN EXCLUSIVE MODE"))
    since = until = None
    if start is not None:
        since = utc_range(start, start)[0]
    if end is not None:
        until = utc_range(end, end)[1]
    table = RatingRollup.__table__
    clear = delete(table)
    if start is not None:
        clear = clear.where(table.c.day >= start)
    if end is not None:
        clear = clear.where(table.c.day <= end)
    conn.execute(clear)
    result = conn.execute(table.insert().from_select([*KEY, *COUNTS], _aggregate_select(name, since, until)))
    return result.rowcount
