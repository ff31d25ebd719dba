"""The default settings a fresh database gets from the migrations equal the ones in the code."""

import pytest
from flask_migrate import downgrade, upgrade

from feedback import create_app
from feedback.extensions import db
from feedback.followups.defaults import install_defaults
from feedback.followups.models import Category, RoutingRule, SlaPolicy
from tests.conftest import clear_database, make_config


def _settings() -> dict:
    categories = [(c.slug, c.name, c.position, c.active) for c in db.session.scalars(db.select(Category))]
    slugs = {c.id: c.slug for c in db.session.scalars(db.select(Category))}
    policies = {
        p.priority: (
            p.first_response_minutes,
            p.next_reply_minutes,
            p.resolution_minutes,
            p.progress_interval_minutes,
        )
        for p in db.session.scalars(db.select(SlaPolicy))
    }
    rules = [
        (r.position, r.name, r.urgent, r.csat_max, r.nps_max, slugs.get(r.category_id), r.priority, r.active)
        for r in db.session.scalars(db.select(RoutingRule).order_by(RoutingRule.position))
    ]
    return {"categories": sorted(categories), "policies": policies, "rules": rules}


@pytest.fixture
def fresh_app(tmp_path):
    """A brand-new SQLite database built only by the committed migrations."""
    app = create_app(make_config(f"sqlite:///{tmp_path / 'fresh.sqlite'}"))
    with app.app_context():
        upgrade()
        yield app
        db.session.remove()
        db.engine.dispose()


def test_migrated_defaults_equal_code_defaults(fresh_app):
    migrated = _settings()
    clear_database()  # empties every table, then install_defaults() from the code
    assert _settings() == migrated
    # The brief's SLA table, in minutes.
    assert {p.value: v[:3] for p, v in migrated["policies"].items()} == {
        "critical": (60, 60, 240),
        "high": (240, 480, 1440),
        "normal": (1440, 1440, 4320),
    }


def test_install_defaults_is_idempotent(fresh_app):
    before = _settings()
    install_defaults()
    db.session.commit()
    assert _settings() == before


def test_migrations_downgrade_and_upgrade_cleanly(fresh_app):
    downgrade(revision="base")
    assert db.session.scalar(db.text("SELECT count(*) FROM alembic_version")) == 0
    db.session.remove()
    upgrade()
    assert len(_settings()["rules"]) == 4
