"""Word search in stored text: the rows whose text holds every word typed in a search box, through
PostgreSQL's full-text search or SQLite's FTS5, whichever the database is.

- PostgreSQL: a GIN index on ``to_tsvector('simple', column)`` (no stemming, no stop words: the
  words as written, lower-cased), asked with ``plainto_tsquery('simple', typed)``: every word typed,
  whatever the punctuation around it. Nothing typed is query syntax.
- SQLite: an FTS5 table ``<table>_search`` over the column (external content: it holds the index,
  not a copy of the text), kept in step by triggers on the table. Each chunk typed (between spaces)
  is one quoted FTS5 string, all of them required, so ``"``, ``*``, ``-``, ``:`` and ``NEAR(`` are
  text to find, never syntax.

Plain words give the same answer on both: whole words, any case, all of them. The GIN index is
not partial: PostgreSQL estimates how many rows a word finds from the statistics of an index's
expression only when the index covers the whole table, and the search's plan depends on that
estimate (a common word: narrow the cases first; a rare one: read its few rows first).

Migration 0026 builds the indexes, tables and triggers named in :data:`SEARCHABLE`; the models do
not describe them, so :func:`include_name` keeps them out of the schema comparison (``flask db
check``, autogenerate).
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
        """PostgreSQL: the GIN index on the column's ``tsvector``."""
        return f"ix_{self.table}_{self.column}_search"


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
        simple = literal_column("'simple'")  # a literal, as in the index: a bound value would miss it
        return func.to_tsvector(simple, text_column).op("@@")(func.plainto_tsquery(simple, typed))
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
    """Alembic's ``include_name``: leave the search indexes and FTS5 tables (and their shadow
    tables) out of the comparison of the database with the models, which do not describe them."""
    if type_ == "table" and name:
        return not any(name == s.fts_table or name.startswith(s.fts_table + "_") for s in SEARCHABLE)
    if type_ == "index":
        return name not in {s.gin_index for s in SEARCHABLE}
    return True
