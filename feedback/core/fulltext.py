"""Word search in stored text: the rows whose text holds every word typed in a search box, through
PostgreSQL's full-text search or SQLite's FTS5, whichever the database is.

- PostgreSQL: a stored generated column ``search_vector``, ``strip(to_tsvector('simple', column))``
  (no stemming, no stop words: the words as written, lower-cased; without positions, which only a
  phrase search would read), with a GIN index on it, asked with ``plainto_tsquery('simple',
  typed)``: every word typed, whatever the punctuation around it. Nothing typed is query syntax.
- SQLite: an FTS5 table ``<table>_search`` over the column (external content: it holds the index,
  not a copy of the text), kept in step by triggers on the table. Each chunk typed (between spaces)
  is one quoted FTS5 string, all of them required, so ``"``, ``*``, ``-``, ``:`` and ``NEAR(`` are
  text to find, never syntax.

Plain words give the same answer on both: whole words, any case, all of them.

Why a stored column rather than an index on the expression (migration 0029): a common word (in a
reply of one case in six) is best found by reading the few open cases' texts and testing each, and
testing a stored ``tsvector`` costs a fraction of a microsecond where computing ``to_tsvector``
costs several (at 1M cases, the 28,000 replies and notes of the open cases: about 20 ms against
88 ms; reading the 167,000 rows holding the word instead: 160-300 ms). The planner takes that
road when random page reads are priced for memory (``core.db.plan_for_cached_reads``, which the
queue's search asks for); a rare word is still read from the GIN index first. It estimates how
many rows a word finds from the column's statistics.

Migrations 0026 and 0029 build the columns, indexes, tables and triggers named in
:data:`SEARCHABLE`; the models do not describe them, so :func:`include_name` keeps them out of the
schema comparison (``flask db check``, autogenerate).
"""

import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy import column, func, literal_column, select, table

MAX_TYPED = 200  # characters of a search box taken into account


@dataclass(frozen=True)
class Searchable:
    """One searchable text column and the names of what indexes it."""

    table: str
    column: str

    @property
    def fts_table(self) -> str:
        """SQLite: the FTS5 table (its shadow tables are ``<name>_data``, ``_idx``, …)."""
        return f"{self.table}_search"

    @property
    def gin_index(self) -> str:
        """PostgreSQL: the GIN index on :data:`VECTOR_COLUMN`."""
        return f"ix_{self.table}_{self.column}_search"


# PostgreSQL: the stored generated column each searchable table has, the words of its text column.
VECTOR_COLUMN = "search_vector"


# The rating's comment and the case timeline's replies and notes (issue 16: the queue search).
SEARCHABLE = (Searchable("feedback", "comment"), Searchable("followup_events", "body"))

# Unicode letters, numbers and private-use characters: what FTS5's unicode61 tokenizer keeps.
_WORD_CATEGORIES = ("L", "N", "Co")


def clean_typed(typed: str | None) -> str:
    """What a search box holds, fit for SQL: control characters (NUL among them, which PostgreSQL
    refuses in text) and lone surrogates (which no database encoding takes) turned into spaces, runs
    of spaces made one, at most ``MAX_TYPED`` characters."""
    text = "".join(
        " " if unicodedata.category(ch) in ("Cc", "Cs") else ch for ch in (typed or "")[: MAX_TYPED * 2]
    )
    return " ".join(text.split())[:MAX_TYPED].strip()


def _has_word(chunk: str) -> bool:
    return any(unicodedata.category(ch).startswith(_WORD_CATEGORIES) for ch in chunk)


def has_words(typed: str) -> bool:
    """Whether ``typed`` holds any word at all (letters or digits), so a word search can match."""
    return _has_word(typed)


def fts5_query(typed: str) -> str:
    '''``typed`` as an FTS5 query: each chunk between spaces that holds a word, as a quoted string
    (``"`` doubled), all required: ``K-220 "x"`` gives ``"K-220" """x"""``; ``* -`` gives ``""``.'''
    chunks = [chunk for chunk in re.split(r"\s+", typed) if _has_word(chunk)]
    return " ".join('"' + chunk.replace('"', '""') + '"' for chunk in chunks)


def words_match(id_column, text_column, typed: str, dialect: str):
    """SQL: the row's ``text_column`` holds every word of ``typed`` (see the module's docstring).

    ``id_column`` is the table's integer primary key (the FTS5 rowid on SQLite); ``typed`` comes
    from :func:`clean_typed` and :func:`has_words` is true of it; ``dialect`` is the database's
    name (``postgresql`` or ``sqlite``).
    """
    searchable = _searchable(text_column)
    if dialect == "postgresql":
        # The models do not map the column (SQLite has none); the table is not aliased (_searchable).
        vector = literal_column(f"{searchable.table}.{VECTOR_COLUMN}")
        simple = literal_column("'simple'")  # the column's configuration, which never varies
        return vector.op("@@")(func.plainto_tsquery(simple, typed))
    fts = table(searchable.fts_table, column("rowid"))
    hits = select(fts.c.rowid).where(literal_column(searchable.fts_table).op("MATCH")(fts5_query(typed)))
    return id_column.in_(hits)


def _searchable(text_column) -> Searchable:
    expression = text_column.__clause_element__()  # a model's attribute or a table's column
    name = (expression.table.name, expression.name)
    for searchable in SEARCHABLE:
        if (searchable.table, searchable.column) == name:
            return searchable
    raise ValueError(f"{name[0]}.{name[1]} has no search index (core.fulltext.SEARCHABLE)")


def include_name(name: str | None, type_: str, parent_names: dict) -> bool:
    """Alembic's ``include_name``: leave the search columns and indexes and the FTS5 tables (and
    their shadow tables) out of the comparison of the database with the models, which do not
    describe them."""
    if type_ == "column":
        return not (name == VECTOR_COLUMN and parent_names.get("table_name") in {s.table for s in SEARCHABLE})
    if type_ == "table" and name:
        return not any(name == s.fts_table or name.startswith(s.fts_table + "_") for s in SEARCHABLE)
    if type_ == "index":
        return name not in {s.gin_index for s in SEARCHABLE}
    return True
