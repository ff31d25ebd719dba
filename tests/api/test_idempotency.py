"""Idempotency-Key on API POSTs: a retry gets the first answer and writes nothing new."""

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, func, select, text

from feedback.api import feedback_views
from feedback.api.idempotency import IdempotencyKey
from feedback.api.openapi import document
from feedback.extensions import db
from feedback.ideas.models import Idea
from feedback.surveys.models import Feedback
from feedback.worker.jobs import run_job

from ..factories import ApiClient, error_of, token_for

RATING = {"csat": 2, "category": "support", "comment": "Slow panel"}


def _key(value: str) -> dict:
    return {"Idempotency-Key": value}


def _ratings(customer) -> int:
    db.session.expire_all()
    return db.session.scalar(
        select(func.count()).select_from(Feedback).where(Feedback.customer_id == customer.id)
    )


def _keys() -> int:
    return db.session.scalar(select(func.count()).select_from(IdempotencyKey))


def test_a_retry_with_the_same_key_gets_the_first_answer_and_one_rating_exists(people, clock):
    first = people.as_customer.post("/feedback", json=RATING, headers=_key("retry-1"))
    clock.now += timedelta(minutes=5)
    retry = people.as_customer.post("/feedback", json=RATING, headers=_key("retry-1"))

    assert first.status_code == retry.status_code == 201
    assert retry.get_json() == first.get_json()
    assert retry.headers["Location"] == first.headers["Location"]
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert _ratings(people.customer) == 1


def test_without_a_key_each_post_writes(people, clock):
    people.as_customer.post("/feedback", json=RATING)
    people.as_customer.post("/feedback", json=RATING)

    assert _ratings(people.customer) == 2
    assert _keys() == 0


def test_a_new_key_is_a_new_request(people, clock):
    people.as_customer.post("/feedback", json=RATING, headers=_key("a"))
    people.as_customer.post("/feedback", json=RATING, headers=_key("b"))

    assert _ratings(people.customer) == 2


@pytest.mark.parametrize(
    ("path", "body"),
    [("/feedback", {**RATING, "csat": 5}), ("/ideas", {"title": "Dark mode", "category": "support"})],
)
def test_the_same_key_with_another_body_or_path_is_refused_with_422(people, clock, path, body):
    people.as_customer.post("/feedback", json=RATING, headers=_key("reused"))

    response = people.as_customer.post(path, json=body, headers=_key("reused"))

    assert response.status_code == 422
    assert error_of(response)["code"] == "idempotency_key_reused"
    assert _ratings(people.customer) == 1
    assert db.session.scalar(select(func.count()).select_from(Idea)) == 0


def test_keys_are_per_user_another_customers_same_key_is_independent(people, clock):
    mine = people.as_customer.post("/feedback", json=RATING, headers=_key("shared"))
    theirs = people.as_other.post("/feedback", json=RATING, headers=_key("shared"))

    assert mine.status_code == theirs.status_code == 201
    assert mine.get_json()["id"] != theirs.get_json()["id"]
    assert (_ratings(people.customer), _ratings(people.other)) == (1, 1)


def test_a_key_older_than_24_hours_runs_the_request_again(people, clock):
    first = people.as_customer.post("/feedback", json=RATING, headers=_key("old"))
    clock.now += timedelta(hours=24, seconds=1)

    again = people.as_customer.post("/feedback", json=RATING, headers=_key("old"))

    assert again.status_code == 201
    assert again.get_json()["id"] != first.get_json()["id"]
    assert "Idempotent-Replayed" not in again.headers
    assert _ratings(people.customer) == 2
    # ... and the key now stands for the new request: a retry gets that one.
    retry = people.as_customer.post("/feedback", json=RATING, headers=_key("old"))
    assert retry.get_json()["id"] == again.get_json()["id"]


def test_the_purge_job_deletes_keys_older_than_24_hours_only(people, clock):
    people.as_customer.post("/feedback", json=RATING, headers=_key("old"))
    clock.now += timedelta(hours=20)
    people.as_customer.post("/feedback", json=RATING, headers=_key("young"))

    assert run_job("purge_idempotency_keys", clock.now + timedelta(hours=4, seconds=1)) == 1

    assert db.session.scalars(select(IdempotencyKey.key)).all() == ["young"]


@pytest.mark.parametrize("bad", ["", "x" * 256, "clé-é", "tab\there"])
def test_a_bad_key_is_refused_with_400_and_nothing_is_written(people, clock, bad):
    response = people.as_customer.post("/feedback", json=RATING, headers={"Idempotency-Key": bad})

    assert response.status_code == 400
    assert "Idempotency-Key" in error_of(response)["fields"]
    assert _ratings(people.customer) == 0


def test_a_255_character_key_with_spaces_is_accepted(people, clock):
    key = "order 42 " + "k" * 246
    first = people.as_customer.post("/feedback", json=RATING, headers=_key(key))
    retry = people.as_customer.post("/feedback", json=RATING, headers=_key(key))

    assert first.status_code == 201
    assert retry.get_json() == first.get_json()
    assert _ratings(people.customer) == 1


def test_a_refused_request_stores_no_key_so_a_corrected_retry_runs(people, clock):
    refused = people.as_customer.post("/feedback", json={"csat": 9}, headers=_key("fix-me"))
    assert refused.status_code == 422
    assert _keys() == 0

    fixed = people.as_customer.post("/feedback", json=RATING, headers=_key("fix-me"))

    assert fixed.status_code == 201
    assert _ratings(people.customer) == 1


def test_a_server_error_leaves_no_key_behind_and_the_retry_runs(people, clock, monkeypatch):
    real = feedback_views.serializers.feedback

    def broken(*args, **kwargs):
        raise RuntimeError("a bug after the rating was written")

    monkeypatch.setattr(feedback_views.serializers, "feedback", broken)
    failed = people.as_customer.post("/feedback", json=RATING, headers=_key("after-500"))
    assert failed.status_code == 500
    assert _keys() == 0
    assert _ratings(people.customer) == 0

    monkeypatch.setattr(feedback_views.serializers, "feedback", real)
    retry = people.as_customer.post("/feedback", json=RATING, headers=_key("after-500"))

    assert retry.status_code == 201
    assert "Idempotent-Replayed" not in retry.headers
    assert _ratings(people.customer) == 1


def test_other_post_endpoints_replay_too(people, clock, make):
    body = {"title": "Dark mode for the panel", "category": "support"}
    first = people.as_customer.post("/ideas", json=body, headers=_key("idea-1"))
    retry = people.as_customer.post("/ideas", json=body, headers=_key("idea-1"))

    assert first.status_code == retry.status_code == 201
    assert retry.get_json() == first.get_json()
    assert db.session.scalar(select(func.count()).select_from(Idea)) == 1


def _hold_the_first_rating(monkeypatch, look=lambda: None):
    """Make the first rating's request stop inside its transaction, its key row written and not
    committed, until ``release`` is set; ``first_in_write`` says it got there. ``look`` runs in
    every request's view."""
    first_in_write, release = threading.Event(), threading.Event()
    real_submit = feedback_views.submit_rating

    def held_submit(*args, **kwargs):
        look()
        item = real_submit(*args, **kwargs)
        if not first_in_write.is_set():
            first_in_write.set()
            release.wait(20)
        return item

    monkeypatch.setattr(feedback_views, "submit_rating", held_submit)
    return first_in_write, release


@pytest.mark.postgres
@pytest.mark.real_commits
def test_two_requests_with_the_same_key_at_once_write_one_rating(app, database_url, make, monkeypatch):
    """The second request's INSERT of the key waits for the first's transaction, then replays it."""
    if not database_url.startswith("postgresql"):
        pytest.skip("needs PostgreSQL: SQLite runs one writer at a time, so the requests cannot overlap")
    customer = make.customer()
    db.session.commit()
    token = token_for(customer)
    first_in_write, release = _hold_the_first_rating(monkeypatch)
    answers = {}

    def post(name):
        client = ApiClient(app.test_client(), token)
        answers[name] = client.post("/feedback", json=RATING, headers=_key("together"))

    first = threading.Thread(target=post, args=("first",))
    first.start()
    assert first_in_write.wait(20)
    second = threading.Thread(target=post, args=("second",))
    second.start()
    engine = create_engine(database_url)
    try:
        deadline = time.monotonic() + 20
        with engine.connect() as conn:
            while not conn.execute(text("SELECT count(*) FROM pg_locks WHERE NOT granted")).scalar():
                assert time.monotonic() < deadline, "the second request never waited for the key"
                time.sleep(0.02)  # polling for the lock wait to show, not waiting for a deadline
    finally:
        release.set()
        first.join(20)
        second.join(20)
        engine.dispose()

    assert answers["first"].status_code == answers["second"].status_code == 201
    assert answers["second"].get_json() == answers["first"].get_json()
    assert answers["second"].headers["Idempotent-Replayed"] == "true"
    assert _ratings(customer) == 1


def test_every_post_in_the_openapi_document_takes_the_key_and_documents_its_answers(app):
    paths = document("/api/v1")["paths"]
    posts = [op for operations in paths.values() for method, op in operations.items() if method == "post"]

    assert len(posts) >= 10
    for op in posts:
        assert {"$ref": "#/components/parameters/IdempotencyKey"} in op["parameters"], op["summary"]
        assert {"400", "409", "422"} <= set(op["responses"]), op["summary"]


def test_a_replayed_idea_does_not_use_up_the_idea_budget(app, people, clock, monkeypatch):
    for name in ("API_IDEA_RATE_LIMIT", "IDEA_POST_RATE_LIMIT"):
        monkeypatch.setitem(app.config, name, "2 per hour")
    body = {"title": "Dark mode for the panel", "category": "support"}
    for _ in range(3):
        assert people.as_customer.post("/ideas", json=body, headers=_key("idea-1")).status_code == 201

    second = people.as_customer.post("/ideas", json={**body, "title": "Status page"}, headers=_key("idea-2"))

    assert second.status_code == 201
    assert db.session.scalar(select(func.count()).select_from(Idea)) == 2


@pytest.mark.postgres
@pytest.mark.real_commits
@pytest.mark.parametrize("wait", [0.2, 0])  # 0: at once (PostgreSQL would read "0ms" as for ever)
def test_a_request_waiting_on_a_held_key_gives_up_with_409_and_its_retry_is_replayed(
    app, database_url, make, monkeypatch, wait
):
    """The wait for another request's key is bounded (lock_timeout for that one INSERT only): 409
    with Retry-After, nothing written; once the first has committed, the retry gets its answer."""
    if not database_url.startswith("postgresql"):
        pytest.skip("needs PostgreSQL: SQLite runs one writer at a time, so the requests cannot overlap")
    monkeypatch.setitem(app.config, "IDEMPOTENCY_WAIT_SECONDS", wait)
    customer = make.customer()
    db.session.commit()
    token = token_for(customer)
    lock_timeouts = []
    # The rest of the request keeps the server's lock_timeout (0: no limit).
    first_in_write, release = _hold_the_first_rating(
        monkeypatch, lambda: lock_timeouts.append(db.session.execute(text("SHOW lock_timeout")).scalar())
    )
    answers = {}

    def post():
        answers["first"] = ApiClient(app.test_client(), token).post(
            "/feedback", json=RATING, headers=_key("held")
        )

    first = threading.Thread(target=post)
    first.start()
    try:
        assert first_in_write.wait(20)
        waited = ApiClient(app.test_client(), token).post("/feedback", json=RATING, headers=_key("held"))
    finally:
        release.set()
        first.join(20)
    retry = ApiClient(app.test_client(), token).post("/feedback", json=RATING, headers=_key("held"))

    assert waited.status_code == 409
    assert error_of(waited)["code"] == "idempotency_key_in_progress"
    assert waited.headers["Retry-After"] == "1"
    assert answers["first"].status_code == retry.status_code == 201
    assert retry.get_json() == answers["first"].get_json()
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert lock_timeouts == ["0"]  # only the first request reached the view
    assert _ratings(customer) == 1
