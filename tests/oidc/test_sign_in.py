"""Sign in with the billing panel, against a real OpenID provider on loopback (tests/oidc_provider.py):
who is created, matched or claimed, where they land, what the provider is asked, the button in
every language, and the feature off, rate limited and reached by whom."""

import pytest
from flask import render_template
from sqlalchemy import func, select

from feedback.auth.models import Role, User, matchable_customer
from feedback.auth.services import authenticate
from feedback.core.time import utcnow
from feedback.extensions import db
from feedback.oidc.client import provider_name
from feedback.oidc.models import ExternalIdentity
from feedback.oidc.routes import STATUS
from feedback.signup import services as signup
from tests.i18n.english import english_on, english_words
from tests.oidc_provider import ADA, Account, identities, sign_in, signed_in_as, user

# Accounts: new, matched, claimed, reused


def test_a_new_customer_is_created_verified_signed_in_and_without_a_plan(client, oidc):
    response = sign_in(
        client, oidc, Account(sub="c-1", email="Nour@Example.com", name="Nour Haddad", locale="ar-EG")
    )

    assert response.status_code == 302
    assert response.headers["Location"] == "/dashboard"
    nour = user("nour@example.com")
    assert nour.role == Role.CUSTOMER and nour.active and nour.name == "Nour Haddad"
    assert nour.email_verified_at is not None
    assert nour.locale == "ar"
    assert nour.account is None  # the plan comes from the billing data, not from here
    assert nour.password_hash == ""
    assert authenticate("nour@example.com", "") is None  # no password, no password sign-in
    assert "Nour Haddad" in signed_in_as(client)
    # The billing import and API may attach the plan: the address is proven.
    assert db.session.scalar(select(User.id).where(matchable_customer(), User.id == nour.id)) == nour.id
    assert identities() == 1


def test_the_billing_api_attaches_a_plan_to_a_customer_made_by_sign_in(client, oidc, make):
    from feedback.auth.services import create_api_token

    sign_in(client, oidc, ADA)
    token = create_api_token(make.manager())
    db.session.commit()

    response = client.post(
        "/api/v1/subscriptions/events",
        headers={"Authorization": f"Bearer {token}"},
        json={
            "event_id": "whmcs-1",
            "email": "ada@example.com",
            "service_id": "1042",
            "kind": "started",
            "occurred_on": "2025-03-01",
            "plan": "vps",
            "monthly_price": "39.00",
        },
    )

    assert response.status_code == 201, response.get_json()
    assert user("ada@example.com").account.plan == "vps"


def test_an_existing_customer_is_matched_by_verified_email_and_keeps_their_password(client, oidc, make):
    ada = make.customer("Ada Existing", email="ada@example.com")

    response = sign_in(client, oidc, ADA)

    assert response.headers["Location"] == "/dashboard"
    assert "Ada Existing" in signed_in_as(client)
    assert db.session.scalar(select(func.count(User.id))) == 1
    link = db.session.scalar(select(ExternalIdentity))
    assert (link.issuer, link.subject, link.user_id) == (oidc.issuer, ADA.sub, ada.id)
    assert authenticate("ada@example.com", "password123") == ada


def test_the_identity_is_reused_after_the_email_changes_at_the_provider(client, oidc, make):
    ada = make.customer("Ada Existing", email="ada@example.com")
    sign_in(client, oidc, ADA)
    client.post("/logout")

    moved = Account(sub=ADA.sub, email="ada.lovelace@elsewhere.example", name="Ada L.", email_verified=False)
    response = sign_in(client, oidc, moved)

    assert response.headers["Location"] == "/dashboard"
    assert "Ada Existing" in signed_in_as(client)
    assert user("ada.lovelace@elsewhere.example") is None  # nobody new
    assert identities() == 1
    assert db.session.get(User, ada.id).email == "ada@example.com"


def test_an_unclaimed_sign_up_with_that_address_is_claimed(client, oidc):
    signup.sign_up("ada@example.com", "Ada From Signup", "Europe/Berlin", "eo", utcnow())
    db.session.commit()
    waiting = user("ada@example.com")
    assert waiting.is_unclaimed

    response = sign_in(client, oidc, ADA)

    assert response.headers["Location"] == "/dashboard"
    claimed = user("ada@example.com")
    assert claimed.id == waiting.id and claimed.active and claimed.email_verified_at is not None
    assert claimed.name == "Ada From Signup" and claimed.timezone == "Europe/Berlin"
    assert db.session.scalar(select(func.count(User.id))) == 1


def test_next_is_followed_when_it_is_ours_and_ignored_when_it_is_not(client, oidc):
    response = sign_in(client, oidc, ADA, "?next=/ideas/")
    assert response.headers["Location"] == "/ideas/"
    client.post("/logout")

    for outside in ("https://evil.example/x", "//evil.example/x", "/\\evil.example"):
        response = sign_in(client, oidc, ADA, "?next=" + outside)
        assert response.headers["Location"] == "/dashboard", outside
        client.post("/logout")


def test_the_login_page_offers_the_button_and_carries_next(client, oidc):
    page = client.get("/login?next=/ideas/").get_data(as_text=True)

    assert "Sign in with Demo Billing" in page
    assert 'href="/login/sso?next=/ideas/"' in page


@pytest.mark.parametrize("language", ["eo", "ar"])
def test_the_button_and_every_refusal_read_in_esperanto_and_arabic(client, oidc, app, monkeypatch, language):
    monkeypatch.setitem(app.config, "OIDC_NAME", "")  # the default wording, translated
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    words = english_words(language)

    login = client.get("/login").get_data(as_text=True)
    refused = client.get("/login/sso/callback")  # no state: refused, in the visitor's language
    pages = {"login": login, "state": refused.get_data(as_text=True)}
    for reason in STATUS:
        with app.test_request_context(headers={"Accept-Language": language}):
            pages[reason] = render_template("oidc/refused.html", reason=reason, provider=provider_name())

    assert 'href="/login/sso"' in login
    assert f'<html lang="{language}"' in pages["state"] and refused.status_code == 400
    assert ('dir="rtl"' in pages["state"]) == (language == "ar")
    english = {where: found for where, html in pages.items() if (found := english_on(html, language, words))}
    assert not english, english


# What the provider is asked


def test_the_request_carries_state_nonce_and_an_s256_code_challenge_and_the_code_its_verifier(client, oidc):
    sign_in(client, oidc, ADA)

    (asked,) = oidc.authorize_requests
    assert asked["response_type"] == "code" and asked["scope"] == "openid email profile"
    assert asked["redirect_uri"] == "http://kontento.test/login/sso/callback"
    assert len(asked["state"]) >= 20 and len(asked["nonce"]) >= 20
    assert asked["code_challenge_method"] == "S256" and asked["code_challenge"]
    (traded,) = oidc.token_requests
    assert traded["code_verifier"] and traded["grant_type"] == "authorization_code"


def test_claims_only_served_at_userinfo_are_read_there(client, oidc):
    oidc.misbehave.add("email_at_userinfo")

    response = sign_in(client, oidc, ADA)

    assert response.headers["Location"] == "/dashboard"
    assert user("ada@example.com").name == "Ada Lovelace"


# Off, limits, access


def test_unconfigured_there_is_no_button_and_the_routes_are_404(client, app):
    assert not app.config["OIDC_ISSUER"]

    assert "/login/sso" not in client.get("/login").get_data(as_text=True)
    assert client.get("/login/sso").status_code == 404
    assert client.get("/login/sso/callback?code=x&state=y").status_code == 404


def test_a_signed_in_user_pressing_the_button_goes_home(client, oidc, make, auth):
    auth.login(make.customer())

    response = client.get("/login/sso")

    assert response.status_code == 302 and response.headers["Location"] == "/dashboard"
    assert oidc.authorize_requests == []


def test_start_and_callback_are_rate_limited_per_address(client, oidc, app, monkeypatch):
    monkeypatch.setitem(app.config, "OIDC_RATE_LIMIT", "2 per minute")

    assert [client.get("/login/sso").status_code for _ in range(3)] == [302, 302, 429]
    assert [client.get("/login/sso/callback").status_code for _ in range(3)] == [400, 400, 429]
    assert client.get("/login/sso", environ_base={"REMOTE_ADDR": "10.0.0.9"}).status_code == 302
