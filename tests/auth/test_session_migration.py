"""Migration 0010 replaces the per-user session token with the user_sessions table, on SQLite
and on PostgreSQL (a schema of its own in the test database); its downgrade gives every user
a token of their own again."""

from datetime import UTC, datetime

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from feedback.extensions import db
from tests.factories import empty_database_app

SCHEMA = "kt_session_migration_test"
T = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def fresh_app(tmp_path):
    """An empty database (a new SQLite file, or a new schema on the test PostgreSQL)."""
    with empty_database_app(tmp_path, SCHEMA) as app:
        yield app


def _columns(table: str) -> set[str]:
    return {c["name"] for c in inspect(db.engine).get_columns(table)}


def test_the_session_table_replaces_the_token_and_the_downgrade_restores_one_per_user(fresh_app):
    upgrade(revision="0009")
    for email in ("ada@example.test", "bo@example.test"):
        db.session.execute(
            text(
                "INSERT INTO users (email, name, password_hash, role, session_token, timezone, active, "
                "optional_mail, created_at) VALUES (:e, 'N', 'x', 'customer', :e, 'UTC', true, true, :t)"
            ),
            {"e": email, "t": T},
        )
    db.session.commit()

    upgrade()
    assert "session_token" not in _columns("users")
    assert {"user_id", "token_hash", "created_at", "last_seen_at", "user_agent"} <= _columns("user_sessions")
    db.session.execute(
        text(
            "INSERT INTO user_sessions (user_id, token_hash, created_at, last_seen_at, user_agent) "
            "SELECT id, 'h-' || email, :t, :t, '' FROM users"
        ),
        {"t": T},
    )
    db.session.commit()

    downgrade(revision="0009")
    tokens = db.session.scalars(text("SELECT session_token FROM users")).all()
    db.session.rollback()
    assert len(tokens) == len(set(tokens)) == 2 and all(len(t) >= 40 for t in tokens)
    assert "user_sessions" not in inspect(db.engine).get_table_names()
    upgrade()  # and up again
    assert "session_token" not in _columns("users")
