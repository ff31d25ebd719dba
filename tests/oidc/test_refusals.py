"""Refusals of a sign-in with the billing panel, against a real OpenID provider on loopback that is
told to misbehave (tests/oidc_provider.py): each is a page with a 4xx (503 when the provider does
not answer), nobody signed in, and a log line without tokens or secrets."""

import logging
import socket
from urllib.parse import parse_qs, urlsplit

import pytest

from feedback.extensions import db
from tests.oidc_provider import (
    ADA,
    CLIENT_SECRET,
    Account,
    assert_refused,
    begin,
    identities,
    sign_in,
    user,
)


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


def test_pressing_the_button_again_keeps_one_sign_in_pending_and_the_last_one_works(client, oidc):
    oidc.signed_in = ADA
    starts = [begin(client) for _ in range(10)]

    with client.session_transaction() as session:
        pending = [key for key in session if key.startswith("_state_")]
    earlier = client.get(oidc.authorize(starts[0].headers["Location"]))
    last = client.get(oidc.authorize(starts[-1].headers["Location"]))

    assert len(pending) == 1
    assert earlier.status_code == 400
    assert last.headers["Location"] == "/dashboard"


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


@pytest.mark.parametrize("switch", ["wrong_audience", "token_issuer", "wrong_key", "expired"])
def test_an_id_token_for_another_client_or_issuer_badly_signed_or_expired_is_refused(client, oidc, switch):
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


@pytest.mark.parametrize(
    "address", ["not-an-address", "ada@" + "x" * 250 + ".com", "ada lovelace@example.com"]
)
def test_an_address_that_is_not_one_is_refused(client, oidc, address):
    response = sign_in(client, oidc, Account(sub="odd-1", email=address))

    assert_refused(client, response, 403, "cannot be used here")
    assert identities() == 0


def test_claims_of_the_wrong_type_are_refused_or_ignored_not_a_500(app):
    from feedback.core.time import utcnow
    from feedback.oidc.services import SignInRefused, sign_in_user

    with pytest.raises(SignInRefused):
        sign_in_user(
            "https://billing.example",
            {"sub": "s-1", "email": ["a@example.com"], "email_verified": True},
            utcnow(),
        )
    odd = {"sub": "s-2", "email": "zoe@example.com", "email_verified": True, "zoneinfo": ["Europe/Berlin"]}
    zoe = sign_in_user("https://billing.example", odd, utcnow())
    assert zoe.timezone == "UTC"


def test_a_customer_with_two_factor_gives_the_code_after_the_billing_panel(client, oidc, make):
    from tests.factories import enrol_two_factor, two_factor_code

    ada = make.customer("Ada Existing", email="ada@example.com")
    enrol_two_factor(ada)
    db.session.commit()

    response = sign_in(client, oidc, ADA)

    assert response.status_code == 302 and response.headers["Location"] == "/login/two-factor"
    assert client.get("/dashboard").status_code == 302  # no session before the code
    done = client.post("/login/two-factor", data={"code": two_factor_code(ada)})
    assert done.status_code == 302 and done.headers["Location"] == "/dashboard"
    assert client.get("/dashboard").status_code == 200
