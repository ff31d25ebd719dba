"""Sign in with the billing panel, against a real OpenID provider on loopback (tests/oidc_provider.py):
who is created, matched or refused, what the provider is asked, and what a broken one gets."""

import logging
import socket
from urllib.parse import parse_qs, urlsplit

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
from tests.oidc_provider import CLIENT_SECRET, Account


def begin(client, query: str = ""):
    """Press the button: the app's redirect to the provider."""
    response = client.get("/login/sso" + query)
    assert response.status_code == 302, response.status_code
    return response


def sign_in(client, provider, account: Account | None, query: str = ""):
    """The whole round trip as a browser makes it: app → provider → app's callback."""
    provider.signed_in = account
    start = begin(client, query)
    return client.get(provider.authorize(start.headers["Location"]))


def user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email))


def signed_in_as(client) -> str | None:
    """Whose dashboard this browser reaches (None: sent to the sign-in page)."""
    response = client.get("/dashboard")
    if response.status_code != 200:
        return None
    return response.get_data(as_text=True)


def identities() -> int:
    return db.session.scalar(select(func.count()).select_from(ExternalIdentity))


ADA = Account(sub="billing-client-1042", email="Ada@Example.com", name="Ada Lovelace")


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


# Refusals: a page, no session, a 4xx, a log line without secrets


def assert_refused(client, response, status: int, words: str):
    assert response.status_code == status
    assert words in response.get_data(as_text=True)
    assert signed_in_as(client) is None


def test_an_unverified_email_is_refused(client, oidc, make):
    make.customer("Ada Existing", email="ada@example.com")

    response = sign_in(client, oidc, Account(sub="x-1", email="ada@example.com", email_verified=False))

    assert_refused(client, response, 403, "is not confirmed at Demo Billing")
    assert identities() == 0


def test_a_tampered_or_missing_state_is_refused(client, oidc):
    oidc.signed_in = ADA
    start = begin(client)
    back = oidc.authorize(start.headers["Location"])
    path, query = back.split("?")
    params = parse_qs(query)

    tampered = client.get(f"{path}?code={params['code'][0]}&state=forged-state")
    missing = client.get(f"{path}?code={params['code'][0]}")

    assert_refused(client, tampered, 400, "started in another tab or window")
    assert_refused(client, missing, 400, "started in another tab or window")
    assert user("ada@example.com") is None
    assert oidc.token_requests == []  # a forged state never reaches the provider


def test_a_state_from_another_browser_is_refused(client, app, oidc):
    oidc.signed_in = ADA
    victim = app.test_client()
    attacker_start = begin(client)
    back = oidc.authorize(attacker_start.headers["Location"])

    response = victim.get(back)  # the attacker's code and state, in someone else's browser

    assert_refused(victim, response, 400, "started in another tab or window")


@pytest.fixture
def app_log(caplog, monkeypatch):
    """Warnings and up from the app's sign-in code (re-enabled: Alembic's fileConfig, run by the
    migrations, disables loggers made before it)."""
    for name in ("feedback.oidc.routes", "feedback.oidc.services"):
        monkeypatch.setattr(logging.getLogger(name), "disabled", False)
    with caplog.at_level(logging.DEBUG):
        yield caplog


def test_a_nonce_mismatch_is_refused(client, oidc, app_log):
    oidc.misbehave.add("wrong_nonce")

    response = sign_in(client, oidc, ADA)

    assert_refused(client, response, 400, "could not be checked")
    assert user("ada@example.com") is None
    assert "refused: nonce (invalid_claim:nonce)" in app_log.text


@pytest.mark.parametrize("switch", ["wrong_audience", "wrong_key", "expired"])
def test_an_id_token_for_another_client_badly_signed_or_expired_is_refused(client, oidc, switch):
    oidc.misbehave.add(switch)

    response = sign_in(client, oidc, ADA)

    assert_refused(client, response, 400, "could not be checked")
    assert user("ada@example.com") is None


def test_a_provider_naming_another_issuer_is_not_used(client, oidc):
    oidc.misbehave.add("wrong_issuer")

    response = client.get("/login/sso")

    assert_refused(client, response, 503, "cannot reach")
    assert oidc.authorize_requests == []


def test_the_person_cancelling_at_the_provider_is_refused_politely(client, oidc):
    oidc.misbehave.add("deny")
    start = begin(client)
    back = oidc.authorize(start.headers["Location"])

    response = client.get(back)

    assert "error=access_denied" in back
    assert_refused(client, response, 403, "You cancelled the sign-in at Demo Billing")
    assert oidc.token_requests == []


def test_a_provider_that_is_down_gets_a_friendly_page_not_a_500(client, oidc, app, monkeypatch):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    monkeypatch.setitem(app.config, "OIDC_ISSUER", f"http://127.0.0.1:{port}")

    response = client.get("/login/sso")

    assert_refused(client, response, 503, "cannot reach")


def test_a_provider_that_stops_answering_times_out(client, oidc, app, monkeypatch):
    """Discovery worked; then the token endpoint hangs. The sign-in gives up after OIDC_TIMEOUT."""
    monkeypatch.setitem(app.config, "OIDC_TIMEOUT", 0.5)
    oidc.signed_in = ADA
    start = begin(client)
    back = oidc.authorize(start.headers["Location"])
    with socket.socket() as silent:  # accepts connections (the backlog) and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        metadata = app.extensions["kontento.oidc"]
        (authlib_client,) = metadata.values()
        authlib_client.server_metadata["token_endpoint"] = f"http://127.0.0.1:{silent.getsockname()[1]}/token"

        response = client.get(back)

    assert_refused(client, response, 503, "cannot reach")


def test_staff_and_managers_are_told_to_use_their_password_and_second_factor(client, oidc, make):
    for person in (make.staff(email="sam@example.com"), make.manager(email="mia@example.com")):
        response = sign_in(client, oidc, Account(sub=f"s-{person.id}", email=person.email))

        assert_refused(client, response, 403, "Sign in with your password and your second factor")
    assert identities() == 0


def test_a_deactivated_customer_is_refused_by_email_and_by_identity(client, oidc, make):
    ada = make.customer("Ada Existing", email="ada@example.com")
    sign_in(client, oidc, ADA)
    client.post("/logout")
    ada.active = False
    db.session.commit()

    by_identity = sign_in(client, oidc, ADA)
    by_email = sign_in(client, oidc, Account(sub="another-sub", email="ada@example.com"))

    assert_refused(client, by_identity, 403, "has been deactivated")
    assert_refused(client, by_email, 403, "has been deactivated")


def test_refusals_are_logged_without_tokens_or_secrets(client, oidc, app_log):
    oidc.misbehave.add("wrong_nonce")
    oidc.signed_in = ADA
    start = begin(client)
    back = oidc.authorize(start.headers["Location"])
    client.get(back)

    sent = parse_qs(urlsplit(start.headers["Location"]).query)
    returned = parse_qs(urlsplit(back).query)
    assert "refused: nonce" in app_log.text
    for secret in (returned["code"][0], returned["state"][0], sent["nonce"][0], CLIENT_SECRET):
        assert secret not in app_log.text


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
