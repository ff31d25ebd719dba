"""The reference cache's bound (feedback/core/cache.py): a change made through one app instance
is obeyed by another instance on the same database within REFERENCE_CACHE_SECONDS, and an API
rating costs only its writes once the cache is warm."""

from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event, select, update

from feedback import create_app
from feedback.auth.models import ApiToken, User
from feedback.core import cache
from feedback.extensions import db
from feedback.followups.models import Category, Priority, RoutingRule, SlaPolicy
from feedback.followups.policies import policy_for_new
from feedback.followups.routing import Signal, cached_rules, route
from feedback.surveys.services import category_by_slug
from tests.conftest import make_config

from ..factories import T0, ApiClient, token_for

BOUND = 5  # seconds: the test apps' REFERENCE_CACHE_SECONDS
JUST_BEFORE = T0 + timedelta(seconds=BOUND - 0.001)
AT_BOUND = T0 + timedelta(seconds=BOUND)


@pytest.fixture
def other(app, database_url):
    """A second instance of the app on the same database (another process, as far as caches go)."""
    instance = create_app(make_config(database_url, REFERENCE_CACHE_SECONDS=BOUND))
    yield instance
    with instance.app_context():
        db.engine.dispose()


def _status(instance, token: str) -> int:
    return ApiClient(instance.test_client(), token).get("/feedback").status_code


@pytest.mark.real_commits
@pytest.mark.parametrize("change", ["revoke the token", "disable the user"])
def test_a_revoked_token_or_disabled_user_is_refused_by_another_instance_within_the_bound(
    app, other, make, clock, change
):
    customer = make.customer()
    token = token_for(customer)
    db.session.commit()
    clock.now = T0
    assert _status(other, token) == 200  # read at T0: cached until T0 + BOUND

    if change == "revoke the token":
        db.session.execute(update(ApiToken).where(ApiToken.user_id == customer.id).values(revoked_at=T0))
    else:
        db.session.execute(update(User).where(User.id == customer.id).values(active=False))
    db.session.commit()

    clock.now = JUST_BEFORE
    assert _status(other, token) == 200  # within the bound the cached answer may still be used
    clock.now = AT_BOUND
    assert _status(other, token) == 401
    assert _status(app, token) == 401  # the instance that made the change (no cache in tests)


def cached_policy(now):
    """The normal priority's policy for a new case, as a rating would read it at ``now``."""
    policy, _policy_id = policy_for_new(Priority.NORMAL, None, None, now)
    return policy


@pytest.mark.real_commits
def test_an_edited_rule_policy_or_category_is_obeyed_by_another_instance_within_the_bound(app, other):
    negative = Signal(csat=1, nps=None, urgent=False, category_id=None)
    with other.app_context():
        assert route(cached_rules(T0), negative) is not None
        minutes = cached_policy(T0).first_response
        slug = db.session.scalars(select(Category.slug).where(Category.active)).first()
        assert category_by_slug(slug, T0) is not None
        db.session.remove()

    db.session.execute(update(RoutingRule).values(active=False))
    db.session.execute(
        update(SlaPolicy)
        .where(SlaPolicy.priority == Priority.NORMAL)
        .values(first_response_minutes=SlaPolicy.first_response_minutes + 7)
    )
    db.session.execute(update(Category).where(Category.slug == slug).values(active=False))
    db.session.commit()

    with other.app_context():
        assert route(cached_rules(JUST_BEFORE), negative) is not None
        assert route(cached_rules(AT_BOUND), negative) is None
        assert cached_policy(JUST_BEFORE).first_response == minutes
        assert cached_policy(AT_BOUND).first_response == minutes + timedelta(minutes=7)
        assert category_by_slug(slug, JUST_BEFORE) is not None
        assert category_by_slug(slug, AT_BOUND) is None
        db.session.remove()


@contextmanager
def _statements():
    """The SQL statements sent while the block runs."""
    sent = []

    def counted(conn, cursor, statement, *args):
        sent.append(statement.split("(")[0].strip())

    event.listen(db.engine, "before_cursor_execute", counted)
    try:
        yield sent
    finally:
        event.remove(db.engine, "before_cursor_execute", counted)


def test_a_rating_through_the_api_sends_only_its_writes_once_the_cache_is_warm(
    app, people, clock, monkeypatch
):
    monkeypatch.setitem(app.config, "REFERENCE_CACHE_SECONDS", 60)
    slug = db.session.scalars(select(Category.slug).where(Category.active)).first()
    negative = {"csat": 1, "category": slug}
    try:
        assert people.as_customer.post("/feedback", json=negative).status_code == 201  # warms
        with _statements() as sent:
            assert people.as_customer.post("/feedback", json=negative).status_code == 201
            assert people.as_customer.post("/feedback", json={"csat": 5}).status_code == 201
    finally:
        app.extensions.pop(cache.EXTENSION, None)
    # No token, category, rule or policy read; no user reloaded after the commit.
    writes = [s for s in sent if not s.startswith(("SAVEPOINT", "RELEASE"))]
    if db.engine.dialect.name == "postgresql":
        # One statement each: the rating (its case and event), the rollups and the renewal queue's
        # stale mark, in CTEs.
        assert len(writes) == 2 and all(w.startswith("WITH ") for w in writes)
        return
    # The rows, then what the features taking part write (in the order they joined: not fixed).
    negative = ["INSERT INTO feedback", "INSERT INTO followups", "INSERT INTO followup_events"]
    negative_extra = {
        "INSERT INTO rating_rollups",
        "INSERT INTO followup_rollups",  # the support report's counts for the new case
        "INSERT INTO customer_risk",  # the renewal queue recomputes the customer at its next view
    }
    positive_extra = {"INSERT INTO rating_rollups", "INSERT INTO customer_risk"}
    assert writes[:3] == negative and set(writes[3:6]) == negative_extra and len(writes) == 9
    assert writes[6] == "INSERT INTO feedback" and set(writes[7:]) == positive_extra
