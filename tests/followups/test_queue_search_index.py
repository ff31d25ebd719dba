"""The word search's indexes (migrations 0026 and 0029, core/fulltext.py): there at head, in step with the
text through inserts, edits and deletes, built over the rows a database already holds, read by
the search, and gone after a downgrade."""

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, select, text

from feedback.core.fulltext import SEARCHABLE
from feedback.extensions import db
from feedback.followups import services
from feedback.followups.queries import QueueFilter, queue
from feedback.followups.search import matching_case_ids
from feedback.surveys.models import Feedback
from tests.factories import Factory, empty_database_app, query_plan

SCHEMA = "kt_queue_search_migration_test"


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _search_objects() -> set[str]:
    """The names of the search's indexes (PostgreSQL) or FTS tables and triggers (SQLite)."""
    if _dialect() == "postgresql":
        sql = "SELECT indexname AS name FROM pg_indexes WHERE schemaname = current_schema()"
    else:
        sql = "SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')"
    return {name for name in db.session.scalars(text(sql)) if "_search" in name}


def _expected_objects() -> set[str]:
    if _dialect() == "postgresql":
        return {s.gin_index for s in SEARCHABLE}
    return {
        name
        for s in SEARCHABLE
        for name in (s.fts_table, *(f"{s.fts_table}_{kind}" for kind in ("insert", "delete", "update")))
    } | {f"{s.fts_table}_{shadow}" for s in SEARCHABLE for shadow in ("data", "idx", "docsize", "config")}


def test_the_search_indexes_and_triggers_are_there_at_head(app):
    # A later migration that rebuilds feedback or followup_events on SQLite (batch_alter_table)
    # drops their triggers with the old table: this fails until it creates them again.
    assert _search_objects() == _expected_objects()


def test_the_index_stays_in_step_with_the_text(app, make):
    # SQLite: the triggers of 0026; PostgreSQL: the generated columns of 0029.
    staff, customer = make.staff(), make.customer()
    fb = make.rating(customer, csat=1, comment="first words")
    empty = make.rating(customer, csat=1, comment="")
    services.internal_note(fb.followup, staff, "a note")
    db.session.flush()
    fb.comment, empty.comment = "", "now there are words"
    db.session.flush()
    fb.comment = "back again"
    fb.followup.events[-1].body = "an edited note"
    db.session.flush()
    db.session.delete(empty.followup)
    db.session.delete(empty)
    db.session.flush()
    for s in SEARCHABLE if _dialect() == "sqlite" else ():  # FTS5 compares its index with the table
        db.session.execute(text(f"INSERT INTO {s.fts_table} ({s.fts_table}) VALUES ('integrity-check')"))
    found = lambda typed: set(db.session.scalars(matching_case_ids(typed)))  # noqa: E731
    assert found("back again") == {fb.followup.id}
    assert found("first") == found("now") == found("note a") == set()
    assert found("edited note") == {fb.followup.id}


def test_the_search_reads_its_indexes(app, make):
    customer = make.customer()
    for n in range(30):
        make.rating(customer, csat=1, comment=f"filler {n}")
    if _dialect() == "postgresql":
        db.session.execute(text("ANALYZE feedback"))
        db.session.execute(text("ANALYZE followup_events"))
        # At 30 rows the planner may rightly prefer walking a primary key with a filter (it did in
        # one full run, after other tests' statistics): with that and sequential scans priced out,
        # the plan shows whether the search's expressions can use their GIN indexes at all, which
        # is what this test is about. The bench shows the planner choosing them at 1M cases.
        db.session.execute(text("SET LOCAL enable_seqscan = off"))
        db.session.execute(text("SET LOCAL enable_indexscan = off"))
    plan = query_plan(queue(QueueFilter(status="all", q="kangaroo"), user_id=1).limit(25))
    if _dialect() == "postgresql":
        assert all(s.gin_index in plan for s in SEARCHABLE), plan
        assert "Seq Scan on feedback" not in plan and "Seq Scan on followup_events" not in plan, plan
    else:
        assert all("VIRTUAL TABLE INDEX" in line for line in plan.splitlines() if "_search" in line), plan
        assert (
            "SCAN feedback_search VIRTUAL TABLE" in plan
            and "SCAN followup_events_search VIRTUAL TABLE" in plan
        ), plan


@pytest.fixture
def fresh_app(tmp_path):
    """An empty database (a new SQLite file, or a new schema on the test PostgreSQL)."""
    with empty_database_app(tmp_path, SCHEMA) as app:
        yield app


def test_the_migration_indexes_existing_rows_and_goes_down_and_up(fresh_app):
    from feedback.followups.defaults import install_defaults

    upgrade()
    install_defaults()
    make = Factory()
    staff, customer = make.staff(), make.customer()
    fb = make.rating(customer, csat=1, comment="Webmail login loops")
    services.staff_reply(fb.followup, staff, "Cleared the session store")
    db.session.commit()

    downgrade(revision="0025")
    assert _search_objects() == set()
    if _dialect() == "sqlite":
        assert not {s.fts_table for s in SEARCHABLE} & set(inspect(db.engine).get_table_names())
    db.session.commit()
    upgrade()  # builds the indexes over the rows already there
    assert _search_objects() == _expected_objects()
    found = lambda typed: set(db.session.scalars(matching_case_ids(typed)))  # noqa: E731
    assert found("webmail loops") == found("session store") == {fb.followup.id}
    assert db.session.scalar(select(Feedback.comment).where(Feedback.id == fb.id)) == "Webmail login loops"
    db.session.rollback()
