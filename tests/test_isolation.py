"""The ``app`` fixture keeps tests apart: nothing one test writes is there for the next.

The tests run in file order; each "next test" checks, through a connection of its own
(so outside any test transaction), that the database holds only the default settings.
"""

import pytest
from sqlalchemy import func, select

from feedback.auth.models import User
from feedback.extensions import db
from feedback.followups.defaults import DEFAULT_CATEGORIES, DEFAULT_POLICIES, DEFAULT_RULES
from feedback.followups.models import RoutingRule, SlaPolicy
from feedback.surveys.models import Category

PROBE = "isolation-probe@example.test"
DEFAULT_ROWS = {
    Category.__tablename__: len(DEFAULT_CATEGORIES),
    SlaPolicy.__tablename__: len(DEFAULT_POLICIES),
    RoutingRule.__tablename__: len(DEFAULT_RULES),
}


def _committed_rows() -> dict[str, int]:
    """Rows per table as another connection sees them: what is really in the database."""
    with db.engine.connect() as other:
        return {
            table.name: other.scalar(select(func.count()).select_from(table))
            for table in db.metadata.sorted_tables
        }


def _probe_users() -> int:
    return db.session.scalar(select(func.count()).select_from(User).where(User.email == PROBE))


def _assert_only_defaults() -> None:
    rows = _committed_rows()
    assert {name: n for name, n in rows.items() if n} == DEFAULT_ROWS
    assert _probe_users() == 0


def test_a_commit_inside_a_test_stays_inside_it(app, make):
    make.customer(email=PROBE)  # the factory commits

    assert _probe_users() == 1
    assert _committed_rows()[User.__tablename__] == 0


def test_the_next_test_starts_from_the_defaults(app):
    _assert_only_defaults()


def test_a_rollback_inside_a_test_undoes_only_what_followed_the_last_commit(app, make):
    make.customer(email=PROBE)
    db.session.add(Category(slug="probe", name="Probe", position=99))
    db.session.flush()

    db.session.rollback()

    assert _probe_users() == 1
    assert db.session.scalar(select(Category).where(Category.slug == "probe")) is None


def test_after_a_rollback_the_next_test_starts_from_the_defaults(app):
    _assert_only_defaults()


@pytest.mark.real_commits
def test_a_real_commit_is_seen_by_other_connections(app, make):
    make.customer(email=PROBE)

    assert _committed_rows()[User.__tablename__] == 1


def test_after_real_commits_the_next_test_starts_from_the_defaults(app):
    _assert_only_defaults()
