"""Migration 0009 turns every stored suggestion into an idea, nothing lost and authors kept, on
SQLite and on PostgreSQL (a schema of its own in the test database), and its downgrade writes
them back."""

from datetime import UTC, datetime

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from feedback.extensions import db
from tests.factories import empty_database_app

SCHEMA = "kt_migration_test"
T = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def fresh_app(tmp_path):
    """An empty database (a new SQLite file, or a new schema on the test PostgreSQL)."""
    with empty_database_app(tmp_path, SCHEMA) as app:
        yield app


def _add_user(email: str, name: str) -> int:
    db.session.execute(
        text(
            "INSERT INTO users (email, name, password_hash, role, session_token, timezone, active, "
            "optional_mail, created_at) VALUES (:e, :n, 'x', 'customer', :e, 'UTC', true, true, :t)"
        ),
        {"e": email, "n": name, "t": T},
    )
    return db.session.scalar(text("SELECT id FROM users WHERE email = :e"), {"e": email})


def _add_feedback(
    customer_id: int, kind: str, title: str | None, comment: str, csat: int | None = None
) -> None:
    db.session.execute(
        text(
            "INSERT INTO feedback (customer_id, kind, channel, csat, urgent, title, comment, created_at) "
            "VALUES (:c, :k, 'dashboard', :csat, false, :title, :comment, :t)"
        ),
        {"c": customer_id, "k": kind, "csat": csat, "title": title, "comment": comment, "t": T},
    )


def test_every_suggestion_becomes_an_idea_with_its_author_and_the_downgrade_restores_them(fresh_app):
    upgrade(revision="0008")
    ada, bo = _add_user("ada@example.test", "Ada Lovelace"), _add_user("bo@example.test", "Bo Ĉambro")
    _add_feedback(ada, "suggestion", "Bigger mailboxes", "10 GB would help")
    _add_feedback(bo, "suggestion", "Pli grandaj leterkestoj", "Ĉu eblas?")
    _add_feedback(bo, "suggestion", None, "A title-less suggestion from an old API client")
    _add_feedback(ada, "rating", None, "Fine", csat=4)
    db.session.commit()

    upgrade()

    ideas = db.session.execute(
        text(
            "SELECT title, description, author_id, status, vote_count, root_id = id, search_text "
            "FROM ideas ORDER BY legacy_feedback_id"
        )
    ).all()
    assert [(i.title, i.description, i.author_id, i.status, i.vote_count) for i in ideas] == [
        ("Bigger mailboxes", "10 GB would help", ada, "new", 1),
        ("Pli grandaj leterkestoj", "Ĉu eblas?", bo, "new", 1),
        (
            "A title-less suggestion from an old API client",
            "A title-less suggestion from an old API client",
            bo,
            "new",
            1,
        ),
    ]
    assert all(i[5] for i in ideas)  # each idea is its own group
    assert ideas[1].search_text == "pli grandaj leterkestoj cu eblas?"
    votes = db.session.execute(text("SELECT customer_id FROM idea_votes ORDER BY idea_id")).scalars().all()
    followers = (
        db.session.execute(text("SELECT user_id FROM idea_followers ORDER BY idea_id")).scalars().all()
    )
    assert votes == followers == [ada, bo, bo]
    kinds = db.session.execute(text("SELECT kind, count(*) FROM feedback GROUP BY kind")).all()
    assert dict(kinds) == {"rating": 1}  # suggestions now live as ideas only; ratings untouched

    db.session.rollback()  # end the read transaction: the downgrade drops these tables
    downgrade(revision="0008")
    rows = db.session.execute(
        text("SELECT customer_id, title, comment FROM feedback WHERE kind = 'suggestion' ORDER BY id")
    ).all()
    assert [tuple(r) for r in rows] == [
        (ada, "Bigger mailboxes", "10 GB would help"),
        (bo, "Pli grandaj leterkestoj", "Ĉu eblas?"),
        (
            bo,
            "A title-less suggestion from an old API client",
            "A title-less suggestion from an old API client",
        ),
    ]
