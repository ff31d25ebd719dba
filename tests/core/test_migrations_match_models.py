"""The committed migrations build the schema the models describe: what ``flask db check``
compares (tables, columns, types, nullability, indexes, constraints) shows no difference, on
SQLite and on PostgreSQL (a schema of its own in the test database), and the collations the
models ask for (bytewise ``"C"`` on PostgreSQL, which that comparison leaves out) are there."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import current_app
from flask_migrate import upgrade
from sqlalchemy import inspect

from feedback.extensions import db
from tests.factories import empty_database_app

SCHEMA = "kt_schema_check_test"


@pytest.fixture
def migrated(tmp_path):
    """A database built only by the committed migrations."""
    with empty_database_app(tmp_path, SCHEMA) as app:
        upgrade()
        yield app


def test_the_migrated_schema_is_the_models_schema(migrated):
    with db.engine.connect() as connection:
        # As `flask db check` compares: with the app's options (the search indexes left out).
        opts = {"include_name": current_app.extensions["migrate"].configure_args["include_name"]}
        differences = compare_metadata(MigrationContext.configure(connection, opts=opts), db.metadata)
    assert differences == []


def test_the_migrated_columns_have_the_models_collations(migrated):
    dialect = db.engine.dialect
    inspector = inspect(db.engine)
    wanted = {
        (table.name, column.name): collation
        for table in db.metadata.sorted_tables
        for column in table.columns
        if (collation := getattr(column.type.dialect_impl(dialect), "collation", None))
    }
    if dialect.name == "postgresql":
        assert {("users", "email"), ("users", "name_key")} <= set(wanted)  # bytewise prefix searches
    found = {
        (table, column["name"]): getattr(column["type"], "collation", None)
        for table, _column in wanted
        for column in inspector.get_columns(table)
    }
    assert {key: found[key] for key in wanted} == wanted
