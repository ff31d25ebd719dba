"""The password policy (feedback/auth/passwords.py), alone and at every place a password is
chosen: changing it, the e-mailed link (reset and finishing a sign-up), a manager creating staff
and ``flask users create``. Each refuses a common password, giving the reason in the person's
language, refuses one built from their name or address, and takes a long passphrase."""

import re

import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import select

from feedback.auth.models import User
from feedback.auth.passwords import MAX_LENGTH, MIN_LENGTH, REASONS, user_inputs, weakness
from feedback.core.time import utcnow
from feedback.extensions import db
from feedback.signup.models import LinkPurpose
from feedback.signup.services import invite, send_link
from tests.factories import sign_in

COMMON = "password1234"
PASSPHRASE = "gentle orbit cactus harmonica folklore"
NAME = "Ada Lovelace"
EMAIL = "ada.lovelace@example.com"
NAME_BASED = "AdaLovelace1815"
COMMON_REASON = "This is one of the common passwords attackers try first."
PERSONAL_REASON = "Do not build your password from your name or e-mail address."


def arabic(text: str) -> str:
    with force_locale("ar"):
        return gettext(text)


# The rule


KNOWN = user_inputs(EMAIL, NAME)


@pytest.mark.parametrize(
    "password, reason",
    [
        (COMMON, "common"),
        ("correcthorse", "words"),
        ("qwertyuiop[]", "keyboard"),
        ("aaaaaaaaaaaa", "repeats"),
        ("abcdefghijkl", "sequence"),
        (NAME_BASED, "personal"),
        ("lovelace.ada@example", "personal"),
        ("AdaLovelace2026!", "personal"),
    ],
)
def test_guessable_passwords_are_refused_with_their_reason(app, password, reason):
    with app.test_request_context():
        assert weakness(password, KNOWN).startswith(str(REASONS[reason]))


def test_long_passphrases_pass_even_with_a_known_word_in_them(app):
    with app.test_request_context():
        assert weakness(PASSPHRASE, KNOWN) is None
        assert weakness("gentle orbit ada cactus harmonica", KNOWN) is None
        assert weakness(NAME_BASED, ()) is None  # it is the name that makes it guessable


def test_length_bounds(app):
    with app.test_request_context():
        assert weakness("Zq8#vL2!p", KNOWN) == f"Use at least {MIN_LENGTH} characters."
        assert weakness("Zq8#vL2!pw", KNOWN) is None
        long_one = "gentle orbit cactus harmonica folklore " * 4
        assert weakness(long_one[:MAX_LENGTH], KNOWN) is None
        assert weakness(long_one[: MAX_LENGTH + 1], KNOWN) == f"Use at most {MAX_LENGTH} characters."


def test_every_reason_is_translated(app):
    with app.test_request_context():
        with force_locale("en"):
            english = {key: str(message) for key, message in REASONS.items()}
            english_refusal = weakness(COMMON, KNOWN)
        for language in ("eo", "ar"):
            with force_locale(language):
                for key, message in REASONS.items():
                    assert str(message) != english[key], (language, key)
                assert weakness(COMMON, KNOWN) != english_refusal
        with force_locale("ar"):
            assert not re.search(r"[A-Za-z]", weakness(COMMON, KNOWN))  # no English left in it


# Every entry point


def _change(app, make):
    user = make.customer(name=NAME, email=EMAIL)
    client = app.test_client()
    client.post("/login", data={"email": EMAIL, "password": "password123"})

    def attempt(password):
        return client.post(
            "/account/password",
            data={"current": "password123", "password": password, "confirm": password},
            headers={"Accept-Language": "ar"},
        )

    return user, attempt


def _reset_link(app, make):
    user = make.customer(name=NAME, email=EMAIL)
    token = send_link(user, LinkPurpose.PASSWORD, utcnow())
    db.session.commit()
    client = app.test_client()

    def attempt(password):
        return client.post(
            f"/account/link/{token}",
            data={"password": password, "confirm": password},
            headers={"Accept-Language": "ar"},
        )

    return user, attempt


def _claim_link(app, make):
    user = invite(EMAIL, NAME, utcnow())
    token = send_link(user, LinkPurpose.INVITE, utcnow())
    db.session.commit()
    client = app.test_client()

    def attempt(password):
        return client.post(
            f"/account/link/{token}",
            data={"name": NAME, "timezone": "UTC", "password": password, "confirm": password},
            headers={"Accept-Language": "ar"},
        )

    return user, attempt


def _staff_page(app, make):
    manager = make.manager()
    client = app.test_client()
    sign_in(client, manager)

    def attempt(password):
        return client.post(
            "/settings/users",
            data={"name": NAME, "email": EMAIL, "role": "staff", "password": password, "confirm": password},
            headers={"Accept-Language": "ar"},
        )

    return None, attempt


@pytest.mark.parametrize("entry", [_change, _reset_link, _claim_link, _staff_page])
def test_every_form_that_chooses_a_password_applies_the_policy(app, make, entry):
    _user, attempt = entry(app, make)
    common = attempt(COMMON)
    assert common.status_code == 400
    page = common.get_data(as_text=True)
    assert arabic(COMMON_REASON) in page and COMMON_REASON not in page  # in the reader's language
    named = attempt(NAME_BASED)
    assert named.status_code == 400 and arabic(PERSONAL_REASON) in named.get_data(as_text=True)
    assert attempt(PASSPHRASE).status_code == 302
    signed_in = app.test_client().post("/login", data={"email": EMAIL, "password": PASSPHRASE})
    assert signed_in.status_code == 302


def test_the_cli_applies_the_policy(runner):
    def create(password):
        return runner.invoke(
            args=["users", "create", EMAIL, "--name", NAME, "--role", "staff", "--password", password]
        )

    common = create(COMMON)
    assert common.exit_code != 0 and COMMON_REASON in common.output
    named = create(NAME_BASED)
    assert named.exit_code != 0 and PERSONAL_REASON in named.output
    assert db.session.scalar(select(User).where(User.email == EMAIL)) is None
    assert create(PASSPHRASE).exit_code == 0
    assert db.session.scalar(select(User).where(User.email == EMAIL)) is not None


def test_the_cli_prompt_applies_it_too(runner):
    prompted = runner.invoke(args=["users", "create", EMAIL, "--name", NAME], input=f"{COMMON}\n{COMMON}\n")
    assert prompted.exit_code != 0 and COMMON_REASON in prompted.output
