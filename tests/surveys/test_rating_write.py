"""The rating write (surveys/rating_write.py): rows inserted round the ORM flush, objects kept in step."""

import pytest
from sqlalchemy import func, inspect, select

from feedback.auth.models import Plan
from feedback.core import cache
from feedback.extensions import db
from feedback.followups.models import EventKind, Followup, FollowupEvent
from feedback.reports.models import RatingRollup
from feedback.surveys import rating_write
from feedback.surveys.models import Feedback
from feedback.surveys.services import category_by_slug, submit_rating
from tests.conftest import T0


def _columns(obj) -> dict:
    return {c.key: getattr(obj, c.key) for c in obj.__table__.columns}


def test_the_objects_answer_what_the_database_holds_without_a_query(app, make):
    customer = make.customer()
    fb = submit_rating(
        customer, csat=1, nps=3, category=category_by_slug("support"), comment="Down", urgent=True, now=T0
    )
    fu, event = fb.followup, fb.followup.events[0]
    statements = []

    def sent(*args):
        statements.append(args[2])

    db.event.listen(db.engine, "before_cursor_execute", sent)
    try:
        held = {type(o): _columns(o) for o in (fb, fu, event)}
    finally:
        db.event.remove(db.engine, "before_cursor_execute", sent)
    assert statements == []  # every attribute was set as inserted, none is loaded afterwards

    db.session.expire_all()
    for model, row_id in ((Feedback, fb.id), (Followup, fu.id), (FollowupEvent, event.id)):
        assert _columns(db.session.get(model, row_id)) == held[model]
    assert held[Feedback]["plan"] == customer.account.plan  # read by the INSERT itself
    assert held[Followup]["first_response_due"] is not None and held[Followup]["feedback_id"] == fb.id


def test_a_rollback_takes_the_new_objects_out_of_the_session(app, make):
    customer = make.customer()
    fb = submit_rating(customer, csat=1, now=T0)
    fu = fb.followup
    db.session.rollback()

    for obj in (fb, fu, *fu.events):
        assert not inspect(obj).persistent
        assert obj not in db.session
    # The next rating can take the same ids (SQLite reuses them) without a clash in the session.
    again = submit_rating(customer, csat=1, now=T0)
    db.session.commit()
    assert db.session.get(Feedback, again.id).followup is again.followup


def test_on_postgresql_a_negative_rating_is_one_statement_psycopg_can_cache(app, make):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite has no data-modifying CTEs, its writes are separate")
    customer = make.customer()
    submit_rating(customer, csat=1, now=T0)  # builds the statement
    sent = []

    def capture(conn, cursor, statement, parameters, *args):
        sent.append((statement, parameters))

    db.event.listen(db.engine, "before_cursor_execute", capture)
    try:
        fb = submit_rating(customer, csat=1, nps=2, category=category_by_slug("billing"), now=T0)
    finally:
        db.event.remove(db.engine, "before_cursor_execute", capture)

    # (The test's reads of rules and policies, and the retention store's epoch, come before it.)
    writes = [s for s in sent if s[0].startswith(("INSERT", "WITH")) and "retention_epoch" not in s[0]]
    [(statement, parameters)] = writes
    tables = (
        "feedback",
        "followups",
        "followup_events",
        "rating_rollups",
        "followup_rollups",
        "customer_risk",
    )
    for table in tables:
        assert f"INSERT INTO {table} " in statement
    # psycopg converts a statement's placeholders once and keeps the result only up to these sizes
    # (psycopg/_queries.py); above them every rating would pay the conversion again.
    assert len(statement) <= 4096 and len(parameters) <= 50
    assert fb.followup.id is not None


def test_a_savepoint_rolled_back_takes_the_rating_with_it(app, make):
    customer = make.customer()
    savepoint = db.session.begin_nested()
    fb = submit_rating(customer, csat=1, now=T0)
    fu = fb.followup
    savepoint.rollback()

    assert fb not in db.session and fu not in db.session
    assert db.session.scalar(select(func.count()).select_from(Feedback)) == 0


def test_a_released_savepoint_then_an_outer_rollback_takes_it_too(app, make):
    customer = make.customer()
    with db.session.begin_nested():
        fb = submit_rating(customer, csat=1, now=T0)
    db.session.rollback()

    assert fb not in db.session
    again = submit_rating(customer, csat=1, now=T0)
    db.session.commit()
    assert db.session.get(Feedback, again.id) is again


def test_what_the_request_changed_before_is_written_first(app, make, monkeypatch):
    """With the reference cache warm nothing autoflushes before the rating: the write flushes
    itself, so the INSERT reads the plan the customer has just moved to."""
    monkeypatch.setitem(app.config, "REFERENCE_CACHE_SECONDS", 60)
    customer = make.customer(plan=Plan.SHARED)
    try:
        submit_rating(customer, csat=5, now=T0)  # warms the cache of rules and policies
        customer.account.plan = Plan.VPS  # pending, not flushed
        fb = submit_rating(customer, csat=5, now=T0)
    finally:
        app.extensions.pop(cache.EXTENSION, None)
    db.session.commit()

    assert fb.plan == Plan.VPS
    db.session.expire_all()
    assert db.session.get(Feedback, fb.id).plan == Plan.VPS
    plans = dict(db.session.execute(select(RatingRollup.plan, RatingRollup.ratings)).all())
    assert plans == {"shared": 1, "vps": 1}


def test_a_column_left_to_a_callable_default_is_refused_not_written_null():
    event = FollowupEvent(kind=EventKind.CREATED)  # created_at left to its default (utcnow)
    with pytest.raises(ValueError, match="followup_events.created_at must be set"):
        rating_write._values(event)
