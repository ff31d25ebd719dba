"""A new rating and its follow-up written with Core statements, not an ORM flush.

Every channel stores ratings here, and an API under load stores hundreds a second: the ORM
flush of a rating, its case and its first event, with the two rollup hooks, cost about 3 ms of
CPU and six round trips per negative rating. Here the rows are built by the same code as before
(``Feedback(...)``, ``followups.services.new_followup``), their column values are inserted with
statements compiled once per process, and the objects then join the session as if just loaded.

Other features that keep figures of every rating (the reports' rollups, the retention store)
take part through :func:`join_rating_write`, as they take part in ORM flushes through session
hooks, so this feature does not depend on them:

- **PostgreSQL**: one statement. Data-modifying CTEs insert the rating, its case and the case's
  event, and each taking-part feature adds its own (the rollup upserts). Each shape of the
  statement is built once per process, and stays under psycopg's limits for caching its
  conversion (4,096 characters, 50 parameters): NULL columns are left out.
- **SQLite** (no data-modifying CTEs): the same inserts one after another, then each taking-part
  feature's own statements.
"""

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import bindparam, insert, inspect, literal_column, select, true
from sqlalchemy.orm import Session, make_transient_to_detached

from ..extensions import db
from ..followups.models import Followup, FollowupEvent
from .models import Feedback

_STATEMENTS: dict[tuple, object] = {}  # the columns given (rating, case, event) → statement


@dataclass(frozen=True)
class Companion:
    """Another feature's part in writing a new rating; see :func:`join_rating_write`."""

    prepare: Callable  # (session, feedback, followup) → dict of bind parameters
    clause: Callable | None = None  # (new_feedback, new_followup | None) → DML or None
    run: Callable | None = None  # (session, feedback, followup) → None


_COMPANIONS: dict[str, Companion] = {}


def join_rating_write(name: str, companion: Companion) -> None:
    """Have ``companion`` take part in every rating written from now on (again under the same
    ``name`` replaces it). For each rating, before anything is inserted, ``prepare`` gets the
    transient ``feedback`` and ``followup`` (None without a case) and returns its parameters
    (names of its own). On PostgreSQL ``clause`` gets the CTEs of the new rating (columns ``id``
    and ``plan``) and case (``id``) and returns the statement to add as one more CTE (None: nothing
    for this shape); elsewhere ``run`` does its writes once the rows are inserted."""
    _COMPANIONS[name] = companion
    _STATEMENTS.clear()


def _insertable(table) -> list:
    return [c for c in table.columns if not c.primary_key]


def _values(obj) -> dict:
    """``obj``'s column values as a flush would insert them, but only those that are not NULL:
    what the constructor set, else the column's constant default. The values not set are set on
    ``obj`` (None included), so reading them later runs no query."""
    state, out = obj.__dict__, {}
    for column in _insertable(obj.__table__):
        value = state.get(column.key)
        if value is None and column.default is not None and column.default.is_scalar:
            value = column.default.arg
        elif value is None and (column.default is not None or column.server_default is not None):
            # A flush would call the default or let the database fill it; this write would insert
            # NULL and hold None. Set the value when building the object instead.
            raise ValueError(f"{obj.__table__.name}.{column.key} must be set before the rating write")
        if column.key not in state:
            setattr(obj, column.key, value)
        if value is not None:
            out[column.key] = value
    return out


def _insert(table, names, prefix: str = ""):
    """``INSERT INTO table`` of the columns ``names`` from bind parameters ``prefix`` + name."""
    return insert(table).values({name: bindparam(prefix + name, type_=table.c[name].type) for name in names})


def _feedback_insert(names):
    """The rating's INSERT; its plan is the customer's at this moment, read by the INSERT itself."""
    return _insert(Feedback.__table__, names).values(plan=Feedback.plan_now(bindparam("customer_id")))


def _postgresql_statement(feedback_names: tuple, case_names: tuple | None, event_names: tuple | None):
    key = (feedback_names, case_names, event_names)
    if (statement := _STATEMENTS.get(key)) is not None:
        return statement
    f = Feedback.__table__
    fb = _feedback_insert(feedback_names).returning(f.c.id, f.c.plan).cte("new_feedback")
    stmt, fu = select(fb.c.id, fb.c.plan), None
    if case_names is not None:
        fu_table, ev_table = Followup.__table__, FollowupEvent.__table__
        fu = _insert_after(fu_table, case_names, "fu_", "feedback_id", fb.c.id).cte("new_followup")
        ev = _insert_after(ev_table, event_names, "ev_", "followup_id", fu.c.id).cte("new_event")
        stmt = select(
            fb.c.id, fb.c.plan, fu.c.id.label("followup_id"), ev.c.id.label("event_id")
        ).select_from(fb.join(fu, true()).join(ev, true()))
    ctes = []
    for name, companion in tuple(_COMPANIONS.items()):
        clause = companion.clause(fb, fu) if companion.clause is not None else None
        if clause is not None:
            ctes.append(clause.returning(literal_column("1")).cte(name))
    _STATEMENTS[key] = stmt.add_cte(*ctes)
    return _STATEMENTS[key]


def _insert_after(table, names, prefix: str, parent_column: str, parent_id):
    """``INSERT INTO table`` of one row: ``parent_column`` from the CTE's ``parent_id``, the rest
    from bind parameters; returning the new id. (VALUES, not INSERT … SELECT: no column labels,
    a shorter statement.)"""
    values = {parent_column: select(parent_id).scalar_subquery()}
    return _insert(table, names, prefix).values(values).returning(table.c.id)


def _write_postgresql(session: Session, feedback: Feedback, fu: Followup | None, params: dict) -> None:
    rating = _values(feedback)
    case_names = event_names = None
    params |= rating
    if fu is not None:
        event = fu.events[0]
        fu_values, ev_values = _values(fu), _values(event)
        case_names, event_names = tuple(fu_values), tuple(ev_values)
        params |= {"fu_" + k: v for k, v in fu_values.items()} | {"ev_" + k: v for k, v in ev_values.items()}
    statement = _postgresql_statement(tuple(rating), case_names, event_names)
    row = session.connection().execute(statement, params).one()
    feedback.id, feedback.plan = row.id, row.plan
    if fu is not None:
        fu.id, fu.feedback_id = row.followup_id, row.id
        event.id, event.followup_id = row.event_id, row.followup_id


def _write_sqlite(session: Session, feedback: Feedback, fu: Followup | None) -> None:
    conn = session.connection()
    values = _values(feedback)
    f = Feedback.__table__
    statement = _feedback_insert(tuple(values)).returning(f.c.id, f.c.plan)
    feedback.id, feedback.plan = conn.execute(statement, values).one()
    if fu is not None:
        event = fu.events[0]
        fu.feedback_id = feedback.id
        fu.id = _insert_returning_id(conn, fu)
        event.followup_id = fu.id
        event.id = _insert_returning_id(conn, event)
    for companion in tuple(_COMPANIONS.values()):
        if companion.run is not None:
            companion.run(session, feedback, fu)


def _insert_returning_id(conn, obj) -> int:
    values, table = _values(obj), obj.__table__
    return conn.execute(_insert(table, values).returning(table.c.id), values).scalar_one()


def insert_rating(feedback: Feedback, followup: Followup | None) -> None:
    """Insert the new (transient) ``feedback`` and, when given, its ``followup`` with its one event
    (built by ``new_followup``); add their rollups; then put the objects in the session as persistent,
    unmodified rows, so reading them (the answer, the receipt) runs no query."""
    session = db.session()
    # What the request changed before goes first, as the flush of the rating used to take it: the
    # INSERT reads the customer's plan, and a warm reference cache means no query autoflushed it.
    session.flush()
    params = {}
    for companion in tuple(_COMPANIONS.values()):
        params |= companion.prepare(session, feedback, followup)
    if session.get_bind().dialect.name == "postgresql":
        _write_postgresql(session, feedback, followup, params)
    else:
        # Several statements: an error part-way propagates, and the request's (or command's)
        # rollback takes the rows written so far. No caller catches it and commits.
        _write_sqlite(session, feedback, followup)
    rows = [feedback] if followup is None else [feedback, followup, *followup.events]
    for obj in rows:  # all first: adding one cascades to the others, which must not look new
        make_transient_to_detached(obj)
    session.add_all(rows)
    # Recorded as rows this transaction inserted, as a flush records its own: a rollback then takes
    # them out of the session instead of leaving objects whose rows do not exist (SQLite even
    # reuses their ids). SQLAlchemy has no public call for rows inserted round the flush.
    transaction = session._transaction
    for obj in rows:
        transaction._new[inspect(obj)] = True
