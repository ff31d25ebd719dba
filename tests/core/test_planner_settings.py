"""The planner settings a costly read asks for its transaction (core/db.py): JIT off and a page
read out of order priced for memory, never above what the server already has, gone at the end of
the transaction."""

import pytest
from sqlalchemy import text

from feedback.core.db import CACHED_RANDOM_PAGE_COST, plan_for_cached_reads
from feedback.extensions import db


@pytest.fixture
def pg(app):
    if db.session.get_bind().dialect.name != "postgresql":
        pytest.skip("planner settings are PostgreSQL's")
    return db.session


def _settings(session) -> tuple[str, float]:
    row = session.execute(
        text("SELECT current_setting('jit'), current_setting('random_page_cost')::float8")
    ).one()
    return row[0], row[1]


def test_the_search_transaction_plans_for_cached_reads(pg):
    pg.execute(text("SET LOCAL random_page_cost = 4"))
    plan_for_cached_reads(pg)
    assert _settings(pg) == ("off", CACHED_RANDOM_PAGE_COST)
    pg.rollback()  # SET LOCAL: the next transaction has the server's settings again
    server = "SELECT reset_val::float8 FROM pg_settings WHERE name = 'random_page_cost'"
    assert _settings(pg)[1] == pg.scalar(text(server))


def test_a_server_priced_lower_keeps_its_price(pg):
    pg.execute(text("SET LOCAL random_page_cost = 1"))
    plan_for_cached_reads(pg)
    assert _settings(pg) == ("off", 1.0)


def test_nothing_to_set_on_sqlite(app):
    if db.session.get_bind().dialect.name != "sqlite":
        pytest.skip("SQLite only")
    plan_for_cached_reads(db.session)  # no statement, no error
