"""Choosing the language: saved preference, else this session's pick, else the browser, else
English; the switcher on every page; Arabic laid out right to left."""

import re

import pytest

from feedback import create_app
from feedback.auth.models import User
from feedback.extensions import db
from tests.conftest import make_config


def _html_tag(response) -> str:
    return re.search(r"<html[^>]*>", response.get_data(as_text=True)).group(0)


def test_english_is_the_default(client):
    page = client.get("/login")
    assert _html_tag(page) == '<html lang="en" dir="ltr">'
    assert "bootstrap.min.css" in page.get_data(as_text=True)


@pytest.mark.parametrize(
    ("accept", "tag"),
    [
        ("ar,en;q=0.5", '<html lang="ar" dir="rtl">'),
        ("eo", '<html lang="eo" dir="ltr">'),
        ("de-DE,eo;q=0.8,en;q=0.5", '<html lang="eo" dir="ltr">'),  # the first we speak
        ("de-DE,fr;q=0.8", '<html lang="en" dir="ltr">'),  # none we speak: English
    ],
)
def test_the_browser_language_is_used_when_nothing_was_chosen(client, accept, tag):
    page = client.get("/login", headers={"Accept-Language": accept})
    assert _html_tag(page) == tag


def test_arabic_pages_use_the_right_to_left_stylesheet(client):
    html = client.get("/login", headers={"Accept-Language": "ar"}).get_data(as_text=True)
    assert "bootstrap.rtl.min.css" in html
    assert "bootstrap.min.css" not in html


def test_a_signed_out_visitor_switches_for_this_session(client):
    response = client.post("/language", data={"language": "ar", "next": "/signup?plan=vps"})

    assert response.status_code == 302
    assert response.headers["Location"] == "/signup?plan=vps"
    page = client.get("/login", headers={"Accept-Language": "eo"})  # the pick beats the browser
    assert _html_tag(page) == '<html lang="ar" dir="rtl">'


def test_a_signed_in_user_keeps_the_language_on_their_account(client, auth, make):
    customer = make.customer()
    auth.login(customer)

    client.post("/language", data={"language": "eo", "next": "/dashboard"})

    db.session.expire_all()
    assert db.session.get(User, customer.id).locale == "eo"  # their e-mail follows it too
    assert (
        _html_tag(client.get("/dashboard", headers={"Accept-Language": "ar"})) == '<html lang="eo" dir="ltr">'
    )


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)", ""])
def test_the_switcher_only_returns_to_pages_of_this_site(client, target):
    response = client.post("/language", data={"language": "eo", "next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_an_unknown_language_is_refused(client):
    assert client.post("/language", data={"language": "xx"}).status_code == 400
    assert _html_tag(client.get("/login")) == '<html lang="en" dir="ltr">'


def test_every_page_offers_the_switcher_with_each_language_in_its_own_name(client):
    html = client.get("/login").get_data(as_text=True)
    for code, name in (("en", "English"), ("eo", "Esperanto"), ("ar", "العربية")):
        assert f'name="language" value="{code}" lang="{code}"' in html
        assert name in html


def test_the_switcher_needs_the_csrf_token(database_url):
    protected = create_app(make_config(database_url, WTF_CSRF_ENABLED=True))
    try:
        client = protected.test_client()
        assert client.post("/language", data={"language": "ar"}).status_code == 400
    finally:
        with protected.app_context():
            db.session.remove()
            db.engine.dispose()


def test_the_language_a_visitor_chose_follows_them_into_their_new_account(client):
    client.post("/language", data={"language": "ar"})
    client.post(
        "/signup",
        data={
            "name": "Layla",
            "email": "layla@example.com",
            "password": "long-enough-1",
            "confirm": "long-enough-1",
            "plan": "shared",
        },
    )
    assert db.session.scalar(db.select(User.locale).where(User.email == "layla@example.com")) == "ar"


def test_signing_in_keeps_the_language_picked_just_before(client, make):
    customer = make.customer()
    assert customer.locale is None
    client.post("/language", data={"language": "eo"})
    client.post("/login", data={"email": customer.email, "password": "password123"})
    db.session.expire_all()
    assert db.session.get(User, customer.id).locale == "eo"  # so their e-mail is in Esperanto too


@pytest.mark.parametrize(
    ("accept", "message"),
    [
        ("en", "Please sign in to see this page."),
        ("eo", "Bonvolu ensaluti por vidi ĉi tiun paĝon."),
        ("ar", "يُرجى تسجيل الدخول لعرض هذه الصفحة."),
    ],
)
def test_a_page_that_needs_signing_in_says_so_in_the_visitors_language(client, accept, message):
    response = client.get("/dashboard", headers={"Accept-Language": accept}, follow_redirects=True)

    assert response.request.path == "/login"
    assert message in response.get_data(as_text=True)
