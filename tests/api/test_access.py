"""Who may call what: bearer tokens only (never the session cookie), roles, and the rate limit."""

from datetime import timedelta

import pytest

from feedback.auth.models import ApiToken
from feedback.auth.services import user_for_api_token
from feedback.core.security import hash_token
from feedback.core.time import as_utc, utcnow
from feedback.extensions import db
from feedback.followups.models import FollowupStatus
from feedback.ideas.merge import merge
from feedback.ideas.services import post_idea

from ..conftest import T0
from ..factories import ApiClient, error_of, token_for
from .conftest import ENDPOINTS, GOOD_BODIES, MERGED_IDEA_PATHS

ENDPOINT_IDS = [f"{m} {p.split('?')[0]}" for m, p, _ in ENDPOINTS]


@pytest.fixture
def ids(people, make):
    """A feedback item of ``people.customer`` with an open follow-up, and ideas of the other
    customer (one of them merged into another), for paths that need ids."""
    fb = make.rating(people.customer, csat=1, now=T0)
    idea, other, merged = (
        post_idea(people.other, title=title, now=T0) for title in ("Dark mode", "IPv6", "Night mode")
    )
    merge(merged, idea, people.staff, now=T0)
    db.session.commit()
    return {
        "feedback_id": fb.id,
        "followup_id": fb.followup.id,
        "idea_id": idea.id,
        "other_idea_id": other.id,
        "merged_idea_id": merged.id,
    }


def _call(api: ApiClient, method: str, path: str, ids: dict):
    template = path.split("?")[0]
    values = {**ids, "idea_id": ids["merged_idea_id"]} if template in MERGED_IDEA_PATHS else ids
    body = GOOD_BODIES.get(template)
    return api.call(method, path.format(**values), json=body(ids) if callable(body) else body)


@pytest.mark.parametrize(("method", "path", "allowed"), ENDPOINTS, ids=ENDPOINT_IDS)
def test_no_token_is_401_with_a_bearer_challenge(people, ids, method, path, allowed):
    response = _call(people.anonymous, method, path, ids)

    assert response.status_code == 401
    assert error_of(response)["code"] == "unauthorized"
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="kontento-api"'


@pytest.mark.parametrize(("method", "path", "allowed"), ENDPOINTS, ids=ENDPOINT_IDS)
def test_unknown_token_is_401_invalid_token(client, people, ids, method, path, allowed):
    response = _call(ApiClient(client, "kt_not-a-real-token"), method, path, ids)

    assert response.status_code == 401
    assert error_of(response)["code"] == "unauthorized"
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


@pytest.mark.parametrize(("method", "path", "allowed"), ENDPOINTS, ids=ENDPOINT_IDS)
@pytest.mark.parametrize("role", ["customer", "staff", "manager"])
def test_each_role_is_let_through_or_refused_with_403(people, ids, method, path, allowed, role):
    response = _call(people.client_for(role), method, path, ids)

    if role in allowed:
        assert response.status_code in (200, 201), response.get_json()
    else:
        assert response.status_code == 403
        assert error_of(response)["code"] == "forbidden"


def test_a_revoked_token_stops_working(client, people):
    row = db.session.scalar(db.select(ApiToken).where(ApiToken.user_id == people.customer.id))
    assert people.as_customer.get("/feedback").status_code == 200
    row.revoked_at = utcnow()
    db.session.commit()

    response = people.as_customer.get("/feedback")

    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_a_disabled_users_token_stops_working(people):
    people.staff.active = False
    db.session.commit()

    assert people.as_staff.get("/followups").status_code == 401


@pytest.mark.parametrize(
    "header", ["Basic dXNlcjpwYXNz", "Bearer", "Bearer    ", "Token abc", "bearer"], ids=repr
)
def test_malformed_authorization_headers_are_401(client, people, header):
    response = client.get("/api/v1/feedback", headers={"Authorization": header})

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_scheme_is_case_insensitive(client, people):
    response = client.get("/api/v1/feedback", headers={"Authorization": f"bearer {people.as_customer.token}"})

    assert response.status_code == 200


def test_the_session_cookie_does_not_authenticate_the_api(client, auth, people):
    assert auth.login(people.manager).status_code == 302  # a signed-in browser session

    without_token = client.get("/api/v1/followups")
    assert without_token.status_code == 401

    # With a customer's token, the request is the customer's, whatever the cookie says.
    with_customer_token = people.as_customer.get("/followups")
    assert with_customer_token.status_code == 403
    posted = people.as_customer.post("/feedback", json={"csat": 5})
    assert posted.status_code == 201
    assert posted.get_json()["customer_id"] == people.customer.id


def test_api_responses_set_no_cookie(people):
    response = people.as_customer.get("/feedback")

    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers


def test_token_use_is_recorded(people, clock):
    row = db.session.scalar(db.select(ApiToken).where(ApiToken.user_id == people.staff.id))
    assert row.last_used_at is None

    people.as_staff.get("/followups")

    db.session.expire_all()
    assert row.last_used_at is not None


def test_token_use_is_written_at_most_once_a_minute(people):
    token = token_for(people.staff)
    row = db.session.scalar(db.select(ApiToken).where(ApiToken.token_hash == hash_token(token)))

    assert user_for_api_token(token, now=T0) == people.staff
    assert user_for_api_token(token, now=T0 + timedelta(seconds=59)) == people.staff
    db.session.expire_all()
    assert as_utc(row.last_used_at) == T0  # a busy integration does not rewrite the row each call

    user_for_api_token(token, now=T0 + timedelta(minutes=1))
    db.session.expire_all()
    assert as_utc(row.last_used_at) == T0 + timedelta(minutes=1)


def test_openapi_document_needs_no_token(people):
    assert people.anonymous.get("/openapi.json").status_code == 200


def test_unknown_api_path_is_a_json_404(people):
    response = people.as_customer.get("/nothing-here")

    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_wrong_method_is_a_json_405(people):
    response = people.as_customer.client.delete("/api/v1/feedback", headers=people.as_customer.headers())

    assert response.status_code == 405
    assert error_of(response)["code"] == "method_not_allowed"
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "POST"}  # what the client may do


def test_rate_limit_is_per_token_and_answers_429_in_the_error_shape(app, client, people, monkeypatch):
    monkeypatch.setitem(app.config, "API_RATE_LIMIT", "3 per minute")

    codes = [people.as_staff.get("/followups").status_code for _ in range(4)]
    # Another token has a budget of its own.
    other = people.as_customer.get("/feedback")
    limited = people.as_staff.get("/feedback")

    assert codes == [200, 200, 200, 429]
    assert other.status_code == 200
    assert limited.status_code == 429
    error = error_of(limited)
    assert error["code"] == "rate_limited"
    assert "3 per 1 minute" in error["message"]
    assert int(limited.headers["Retry-After"]) > 0


def test_rate_limit_counts_every_endpoint_together(app, people, make, monkeypatch):
    monkeypatch.setitem(app.config, "API_RATE_LIMIT", "2 per minute")
    fb = make.rating(people.customer, csat=1, now=T0)

    first = people.as_staff.get("/followups")
    second = people.as_staff.get(f"/feedback/{fb.id}")
    third = people.as_staff.post(f"/followups/{fb.followup.id}/status", json={"status": "waiting"})

    assert (first.status_code, second.status_code, third.status_code) == (200, 200, 429)
    db.session.expire_all()
    assert fb.followup.status == FollowupStatus.OPEN  # the refused request changed nothing


def test_a_new_token_for_the_same_user_works_alongside_the_old(client, people):
    second = ApiClient(client, token_for(people.customer))

    assert second.get("/feedback").status_code == 200
    assert people.as_customer.get("/feedback").status_code == 200


def test_answers_are_not_cached(people):
    assert people.as_customer.get("/feedback").headers["Cache-Control"] == "no-store"
    assert people.anonymous.get("/feedback").headers["Cache-Control"] == "no-store"
