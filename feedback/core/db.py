"""Column types shared by the models, and SQL helpers shared by the queries."""

import enum
import unicodedata
from datetime import datetime

from sqlalchemy import Connection, DateTime, Enum, String, Table, and_, case, func, insert, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeDecorator

from .time import as_utc


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always read back as an aware UTC datetime.

    SQLite drops the zone on the way in and out; this type makes both
    databases behave like PostgreSQL's ``timestamptz``.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        value = as_utc(value)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        return as_utc(value)


def enum_column(cls, name: str) -> Enum:
    """An enum column storing the readable value.

    Not a native PostgreSQL enum, so adding a member later is a plain migration.
    """
    return Enum(cls, name=name, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])


def count_if(condition):
    """SQL: how many rows (of the group) meet ``condition``; 0, never NULL, when none do."""
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def conflict_insert(bind, table):
    """``INSERT`` into ``table`` in ``bind``'s dialect (or a dialect name), which offers
    ``on_conflict_do_nothing`` and ``on_conflict_do_update`` (PostgreSQL and SQLite spell
    ``ON CONFLICT`` alike)."""
    name = bind if isinstance(bind, str) else bind.dialect.name
    return (postgresql if name == "postgresql" else sqlite).insert(table)


def bulk_insert(connection: Connection, table: Table, rows: list[dict]) -> None:
    """Insert many rows at once, in the connection's transaction: COPY on PostgreSQL, else executemany.

    Every row has the same keys, in the same order, and gives every NOT NULL column: COPY applies
    no Python-side default. COPY sends the rows as one stream instead of a statement each,
    several times faster for the tens of thousands of rows a bulk import writes.
    """
    if not rows:
        return
    if connection.dialect.name != "postgresql" or connection.dialect.driver != "psycopg":
        connection.execute(insert(table), rows)
        return
    names = list(rows[0])
    # COPY bypasses the column types: enum columns get the member's value, as enum_column stores it.
    enums = [i for i, name in enumerate(names) if isinstance(table.c[name].type, Enum)]
    quote = connection.dialect.identifier_preparer.quote
    sql = f"COPY {quote(table.name)} ({', '.join(quote(n) for n in names)}) FROM STDIN"
    with connection.connection.cursor() as cursor, cursor.copy(sql) as copy:
        for row in rows:
            values = list(row.values())  # in the order of ``names``: every row has the same keys
            for i in enums:
                if isinstance(values[i], enum.Enum):
                    values[i] = values[i].value
            copy.write_row(values)


class bytewise(FunctionElement):  # noqa: N801 (an SQL function, named like one)
    """SQL: an expression compared byte by byte (code point order), whatever the database's
    collation: ``COLLATE "C"`` on PostgreSQL, SQLite's default BINARY as it is.

    A prefix search is then a range (see :func:`starts_with`) that a B-tree index on the same
    expression, or on a :func:`bytewise_string` column, answers on both databases; PostgreSQL's
    usual linguistic collations would neither give a prefix's rows as one range nor let
    ``LIKE 'x%'`` use a plain index.
    """

    type = String()
    name = "bytewise"
    inherit_cache = True


@compiles(bytewise)
def _bytewise(element, compiler, **kw):
    return compiler.process(element.clauses, **kw)


@compiles(bytewise, "postgresql")
def _bytewise_postgresql(element, compiler, **kw):
    return f'({compiler.process(element.clauses, **kw)}) COLLATE "C"'


def bytewise_string(length: int) -> String:
    """A string column compared byte by byte (code point order) on both databases: ``COLLATE "C"``
    on PostgreSQL, SQLite's BINARY as it is. Its plain index answers :func:`starts_with` as a range,
    and it sorts the same on both."""
    return String(length).with_variant(String(length, collation="C"), "postgresql")


def starts_with(expression, prefix: str):
    """SQL: ``expression`` starts with ``prefix``, as an index range on ``bytewise(expression)``.

    ``prefix`` must not be empty. Same answer on SQLite and PostgreSQL: both compare code points.
    """
    if not prefix:
        raise ValueError("an empty prefix matches everything: leave the condition out")
    key = bytewise(expression)
    upper = _next_prefix(prefix)
    return and_(key >= prefix, key < upper) if upper is not None else key >= prefix


def search_key(text: str) -> str:
    """``text`` as a caseless search key: NFKC-normalised, then case-folded (``str.casefold``),
    then NFKC again (folding can undo the composition).

    Stored beside a column (``users.name_key``) and applied to the search term, so a prefix search
    is a plain code-point comparison (:func:`starts_with`) with the same answer on SQLite, whose
    ``lower()`` folds ASCII only, and PostgreSQL. Full Unicode folding: "Élodie" and "ÉLODIE" both
    give "élodie", "Дмитрий" gives "дмитрий", and "Straße" gives "strasse" (so "strasse",
    "STRASSE" and "straße" all find it). NFKC makes a composed "é" and "e" + combining accent, or
    full-width letters and plain ones, the same key. Accents stay: "elodie" does not find "Élodie".
    """
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())


def _next_prefix(prefix: str) -> str | None:
    """The smallest string above every string that starts with ``prefix`` (None: there is none)."""
    while prefix:
        last = ord(prefix[-1]) + 1
        if 0xD800 <= last <= 0xDFFF:
            last = 0xE000  # surrogates cannot be encoded for the database
        if last <= 0x10FFFF:
            return prefix[:-1] + chr(last)
        prefix = prefix[:-1]
    return None


def no_jit(session) -> None:
    """Turn PostgreSQL's JIT compilation off for the rest of ``session``'s transaction (``SET LOCAL``).

    The planner prices a query over many rows above ``jit_above_cost`` and compiling the plan then
    costs more than running it (tens of ms for the queue search, seconds for the renewal queue's
    per-customer lookups). Nothing on SQLite.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL jit = off"))


# What the planner counts for a page read out of order (a sequential one costs 1) when the rows a
# statement reads sit in memory or on an SSD. PostgreSQL's default, 4, is for spinning disks.
CACHED_RANDOM_PAGE_COST = 1.1


def plan_for_cached_reads(session) -> None:
    """For the rest of ``session``'s transaction: JIT off (as :func:`no_jit`) and a page read out
    of order priced at most ``CACHED_RANDOM_PAGE_COST`` (a server set lower keeps its price), in
    one statement. Nothing on SQLite.

    At the default price the planner takes ten thousand lookups by index (the open cases' replies,
    20 ms at 1M cases) for dearer than reading the 167,000 rows holding a common word (300 ms):
    the queue search's choice (core/fulltext.py).
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text(
                "SELECT set_config('jit', 'off', true), set_config('random_page_cost', "
                "least(current_setting('random_page_cost')::float8, :cost)::text, true)"
            ),
            {"cost": CACHED_RANDOM_PAGE_COST},
        )
