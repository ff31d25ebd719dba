"""Migration 0016 gives existing users their name's search key (``users.name_key``), folded in
Python as the model folds it, on SQLite and on PostgreSQL (a schema of its own in the test
database); its downgrade takes the column away and upgrading again restores it."""

from datetime import UTC, datetime

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from feedback.auth.models import name_key
from feedback.extensions import db
from feedback.settings import queries
from tests.factories import empty_database_app

SCHEMA = "kt_name_key_migration_test"
T = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)
NAMES = {"ed@example.test": "Élodie Durand", "di@example.test": "Дмитрий Иванов", "st@example.test": "Straße"}


@pytest.fixture
def fresh_app(tmp_path):
    """An empty database (a new SQLite file, or a new schema on the test PostgreSQL)."""
    with empty_database_app(tmp_path, SCHEMA) as app:
        yield app


def _keys() -> dict[str, str]:
    keys = dict(db.session.execute(text("SELECT email, name_key FROM users")).all())
    db.session.rollback()
    return keys


def test_existing_users_get_the_key_the_model_gives_and_are_found_by_it(fresh_app):
    upgrade(revision="0015")
    for email, name in NAMES.items():
        db.session.execute(
            text(
                "INSERT INTO users (email, name, password_hash, role, timezone, active, optional_mail, "
                "created_at) VALUES (:e, :n, 'x', 'customer', 'UTC', true, true, :t)"
            ),
            {"e": email, "n": name, "t": T},
        )
    db.session.commit()

    upgrade()
    assert _keys() == {email: name_key(name) for email, name in NAMES.items()}
    found = lambda q: {row.User.email for row in db.session.execute(queries.customers(q))}  # noqa: E731
    assert found("ÉLODIE") == {"ed@example.test"} and found("дмитрий") == {"di@example.test"}
    assert found("strasse") == {"st@example.test"}
    db.session.rollback()

    downgrade(revision="0015")
    assert "name_key" not in {c["name"] for c in inspect(db.engine).get_columns("users")}
    upgrade()  # and up again
    assert _keys() == {email: name_key(name) for email, name in NAMES.items()}
