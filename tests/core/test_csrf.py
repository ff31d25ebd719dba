"""CSRF protection, with an app whose config keeps it on (the rest of the suite turns it off)."""

import re

import pytest

from feedback import create_app
from feedback.auth.models import Role
from feedback.extensions import db
from feedback.surveys.models import Feedback
from tests.conftest import T0

from ..factories import ALLOWED, PUBLIC, rule_url

EXPIRED = b"This form has expired"


def _token(page: bytes, name: str = "csrf_token") -> str:
    match = re.search(rb'name="' + name.encode() + rb'" type="hidden" value="([^"]+)"', page)
    assert match, "the form carries a CSRF token"
    return match.group(1).decode()


def _login(client, user) -> str:
    """Sign in through the form; return the CSRF token of the signed-in pages."""
    token = _token(client.get("/login").data)
    response = client.post(
        "/login", data={"email": user.email, "password": "password123", "csrf_token": token}
    )
    assert response.status_code == 302
    # Sign-in starts a new session, CSRF secret included: take the token from a page after it.
    page = client.get(response.headers["Location"]).data
    return re.search(rb'type="hidden" name="csrf_token" value="([^"]+)"', page).group(1).decode()


def test_a_token_from_before_sign_in_does_not_work_after_it(csrf_app, make):
    client = csrf_app.test_client()
    before = _token(client.get("/login").data)
    after = _login(client, make.customer())
    assert after != before
    assert client.post("/logout", data={"csrf_token": before}).status_code == 400
    assert client.get("/dashboard").status_code == 200
    assert client.post("/logout", data={"csrf_token": after}).status_code == 302


def test_login_without_token_is_refused(csrf_app, make):
    user = make.customer()
    client = csrf_app.test_client()
    response = client.post("/login", data={"email": user.email, "password": "password123"})
    assert response.status_code == 400
    assert EXPIRED in response.data
    assert client.get("/dashboard").status_code == 302  # still signed out


def test_feedback_needs_the_token_from_the_form(csrf_app, make):
    customer = make.customer()
    client = csrf_app.test_client()
    _login(client, customer)
    data = {"r-csat": "5", "r-category": "support", "r-comment": "forged"}
    assert client.post("/feedback", data=data).status_code == 400
    assert client.post("/feedback", data={**data, "r-csrf_token": "forged-token"}).status_code == 400
    with csrf_app.app_context():
        assert db.session.scalar(db.select(db.func.count(Feedback.id))) == 0
    token = _token(client.get("/dashboard").data, "r-csrf_token")
    assert client.post("/feedback", data={**data, "r-csrf_token": token}).status_code == 302
    with csrf_app.app_context():
        assert db.session.scalar(db.select(db.func.count(Feedback.id))) == 1


def test_logout_needs_the_token(csrf_app, make):
    client = csrf_app.test_client()
    token = _login(client, make.customer())
    assert client.post("/logout").status_code == 400
    assert client.get("/dashboard").status_code == 200
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/dashboard").status_code == 302


def _post_routes():
    from config import TestingConfig

    app = create_app(TestingConfig)
    for rule in app.url_map.iter_rules():
        blueprint = rule.endpoint.rsplit(".", 1)[0] if "." in rule.endpoint else None
        if "POST" in rule.methods and blueprint not in PUBLIC:
            yield pytest.param(rule, blueprint, id=rule.rule)


@pytest.mark.parametrize("rule, blueprint", list(_post_routes()))
def test_every_form_post_without_token_is_refused(csrf_app, make, rule, blueprint):
    owner = make.customer()
    fb = make.rating(owner, csat=1, now=T0)
    role = sorted(ALLOWED[blueprint])[0]
    user = owner if role == Role.CUSTOMER else make.user(role)
    client = csrf_app.test_client()
    _login(client, user)
    url = rule_url(rule, {"feedback_id": fb.id, "followup_id": fb.followup.id})
    response = client.post(url, data={"body": "x", "reply-body": "x", "note-body": "x"})
    assert response.status_code == 400, url
    assert EXPIRED in response.data
