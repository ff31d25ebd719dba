"""queue_search: word search over the ratings' comments and the cases' replies and notes, for the
staff queue's search box (issue 16; feedback/core/fulltext.py asks these indexes).

- PostgreSQL: GIN indexes on ``to_tsvector('simple', …)`` of ``feedback.comment`` and
  ``followup_events.body``, built over the existing rows here. Not partial: the planner estimates
  how many rows a word finds from the statistics of a whole-table index's expression only.
- SQLite: FTS5 tables ``feedback_search`` and ``followup_events_search`` with the tables as their
  external content (the index only, no copy of the text), filled from the existing rows here and
  kept in step by triggers on insert, delete and update of the text. One trigger per update does
  the index's delete of the old text before the insert of the new: FTS5 must be told the old text
  exactly, and in that order.

A later migration that rebuilds ``feedback`` or ``followup_events`` on SQLite (``batch_alter_table``
copies the table and drops the old one, and its triggers with it) must create the triggers again;
``tests/followups/test_queue_search_index.py`` fails when they are missing at head.

Revision ID: 0026
Revises: 0025
"""

from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

# (table, text column): as feedback.core.fulltext.SEARCHABLE at this revision.
SEARCHABLE = (("feedback", "comment"), ("followup_events", "body"))


def _sqlite_create(table: str, col: str) -> list[str]:
    fts = f"{table}_search"
    return [
        f"CREATE VIRTUAL TABLE {fts} USING fts5({col}, content='{table}', content_rowid='id', "
        "tokenize='unicode61 remove_diacritics 0')",
        f"INSERT INTO {fts} (rowid, {col}) SELECT id, {col} FROM {table} WHERE {col} <> ''",
        f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {table} WHEN new.{col} <> '' BEGIN "
        f"INSERT INTO {fts} (rowid, {col}) VALUES (new.id, new.{col}); END",
        f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {table} WHEN old.{col} <> '' BEGIN "
        f"INSERT INTO {fts} ({fts}, rowid, {col}) VALUES ('delete', old.id, old.{col}); END",
        f"CREATE TRIGGER {fts}_update AFTER UPDATE OF {col} ON {table} BEGIN "
        f"INSERT INTO {fts} ({fts}, rowid, {col}) SELECT 'delete', old.id, old.{col} WHERE old.{col} <> ''; "
        f"INSERT INTO {fts} (rowid, {col}) SELECT new.id, new.{col} WHERE new.{col} <> ''; END",
    ]


def upgrade():
    dialect = op.get_bind().dialect.name
    for table, col in SEARCHABLE:
        if dialect == "postgresql":
            op.execute(f"CREATE INDEX ix_{table}_{col}_search ON {table} USING gin (to_tsvector('simple', {col}))")
            # The planner reads how common a word is from the statistics of the index's expression,
            # which only ANALYZE gathers: without them the search's plan is a guess until autovacuum.
            op.execute(f"ANALYZE {table}")
        elif dialect == "sqlite":
            for statement in _sqlite_create(table, col):
                op.execute(statement)


def downgrade():
    dialect = op.get_bind().dialect.name
    for table, col in SEARCHABLE:
        if dialect == "postgresql":
            op.execute(f"DROP INDEX ix_{table}_{col}_search")
        elif dialect == "sqlite":
            fts = f"{table}_search"
            for trigger in ("insert", "delete", "update"):
                op.execute(f"DROP TRIGGER {fts}_{trigger}")
            op.execute(f"DROP TABLE {fts}")
