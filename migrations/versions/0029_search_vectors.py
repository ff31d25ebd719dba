"""search_vectors: on PostgreSQL, the words of ``feedback.comment`` and ``followup_events.body``
stored in a generated column ``search_vector`` (``strip(to_tsvector('simple', …))``), the GIN
index of migration 0026 rebuilt on that column instead of on the expression.

Why: the queue's search of a common word reads the open cases' texts and tests each; a stored
``tsvector`` is tested in a fraction of a microsecond, ``to_tsvector`` is computed in several (at
1M cases the search of a word in one reply of six took 160 ms, with the column about 20 ms;
feedback/core/fulltext.py). ``strip``: no positions, which only a phrase search would read, so
the column takes about a third less room.

Adding a stored column rewrites the table under an exclusive lock: at 1M cases (2.8M case events)
about a minute (bench/README.md, ``search_index_build_s``). SQLite keeps its FTS5 tables (0026):
nothing changes there.

Revision ID: 0029
Revises: 0028
"""

from alembic import op

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None

# (table, text column): as feedback.core.fulltext.SEARCHABLE at this revision; VECTOR_COLUMN there.
SEARCHABLE = (("feedback", "comment"), ("followup_events", "body"))
VECTOR = "search_vector"


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, col in SEARCHABLE:
        op.execute(f"DROP INDEX ix_{table}_{col}_search")
        op.execute(
            f"ALTER TABLE {table} ADD COLUMN {VECTOR} tsvector "
            f"GENERATED ALWAYS AS (strip(to_tsvector('simple', {col}))) STORED"
        )
        op.execute(f"CREATE INDEX ix_{table}_{col}_search ON {table} USING gin ({VECTOR})")
        # The planner reads how common a word is from the column's statistics, which only ANALYZE
        # gathers: without them the search's plan is a guess until autovacuum comes round.
        op.execute(f"ANALYZE {table}")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, col in SEARCHABLE:
        op.execute(f"ALTER TABLE {table} DROP COLUMN {VECTOR}")  # its index goes with it
        op.execute(f"CREATE INDEX ix_{table}_{col}_search ON {table} USING gin (to_tsvector('simple', {col}))")
        op.execute(f"ANALYZE {table}")
