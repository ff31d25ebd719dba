"""Sign-up proves the address before the account works: one answer for every address, a
single-use expiring link, the password chosen behind it, no plan from the customer, rate limits,
invitation-only hosts, and a time zone from the list."""

import re
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from feedback.auth.models import Role, User, UserSession
from feedback.core.time import utcnow
from feedback.extensions import db
from feedback.followups.models import Followup
from feedback.mailer.dispatch import dispatch
from feedback.mailer.models import OutboxMessage
from feedback.signup import services
from feedback.signup.models import AccountLink, LinkPurpose
from feedback.signup.queries import INVITE_ONLY, LinkError, link_for
from feedback.signup.services import send_link
from tests.conftest import T0
from tests.mail_server import html_body, text_body

LINK = re.compile(r"http://kontento\.test(/account/link/[A-Za-z0-9_-]+)")
NEW_PASSWORD = "correct-horse-battery"


def sign_up(client, email="ada@example.com", name="Ada Lovelace", timezone="Europe/Berlin", **extra):
    return client.post("/signup", data={"name": name, "email": email, "timezone": timezone, **extra})


def mails_to(email: str) -> list[OutboxMessage]:
    stmt = select(OutboxMessage).where(OutboxMessage.to_email == email).order_by(OutboxMessage.id)
    return list(db.session.scalars(stmt))


def link_in(mail: OutboxMessage) -> str:
    """The path of the account link in a queued mail (its text and its HTML name the same one)."""
    (path,) = set(LINK.findall(mail.body_text))
    assert path in mail.body_html
    return path


def user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email))


def claim(client, path: str, name="Ada Lovelace", timezone="Europe/Berlin", password=NEW_PASSWORD):
    return client.post(
        path, data={"name": name, "timezone": timezone, "password": password, "confirm": password}
    )


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# One answer for every address


def test_a_new_and_a_taken_address_get_the_same_answer_and_only_the_mail_differs(app, client, make):
    taken = make.customer(email="taken@example.com", name="Taken Customer")
    new = sign_up(client, email="fresh@example.com")
    again = sign_up(client, email="TAKEN@example.com", name="Someone Else")
    assert (new.status_code, again.status_code) == (302, 302)
    assert new.headers["Location"] == again.headers["Location"] == "/signup/sent"
    page = client.get("/signup/sent").get_data(as_text=True)
    assert "Check your inbox" in page and "taken@example.com" in page
    assert "already" not in page

    (confirm,) = mails_to("fresh@example.com")
    (exists,) = mails_to("taken@example.com")
    assert (confirm.kind, exists.kind) == ("signup/confirm", "signup/exists")
    assert "You already have one: sign in as usual." in exists.body_text
    assert "http://kontento.test/login" in exists.body_text
    db.session.refresh(taken)
    assert taken.name == "Taken Customer" and taken.active  # the sign-up changed nothing of theirs


def test_every_answer_takes_at_least_the_floor_so_timing_does_not_tell_addresses_apart(
    app, client, make, monkeypatch
):
    monkeypatch.setitem(app.config, "SIGNUP_MIN_RESPONSE_MS", 300)
    make.customer(email="taken@example.com")
    took = []
    for path, email in (
        ("/signup", "fresh@example.com"),
        ("/signup", "taken@example.com"),
        ("/account/new-link", "taken@example.com"),
        ("/account/new-link", "nobody@example.com"),
    ):
        started = time.monotonic()
        response = client.post(path, data={"name": "Ada", "email": email, "timezone": "UTC"})
        took.append(time.monotonic() - started)
        assert response.status_code == 302
    assert min(took) >= 0.3, took  # the work itself (a few ms to ~100 ms) hides under the floor


def test_the_confirmation_arrives_over_smtp_and_its_link_finishes_the_account(app, client, auth, smtp):
    sign_up(client, email="ada@example.com")
    assert auth.login("ada@example.com", NEW_PASSWORD).status_code == 401  # nothing to sign in to yet
    dispatch(utcnow())
    (mail,) = smtp.messages
    assert mail["To"].addresses[0].addr_spec == "ada@example.com"
    assert str(mail["Subject"]) == "Confirm your e-mail address for Kontento"
    (path,) = set(LINK.findall(text_body(mail)))
    assert path in html_body(mail)

    form = client.get(path)
    assert form.status_code == 200
    page = form.get_data(as_text=True)
    assert "ada@example.com" in page and 'value="Ada Lovelace"' in page
    # Nothing to other sites; same-site, so the form's CSRF check passes over HTTPS.
    assert form.headers["Referrer-Policy"] == "same-origin"
    done = claim(client, path, name="Ada King")
    assert done.status_code == 302 and done.headers["Location"] == "/login"

    ada = user("ada@example.com")
    assert ada.active and ada.email_verified_at is not None and ada.name == "Ada King"
    assert NEW_PASSWORD not in ada.password_hash
    signed_in = auth.login("ada@example.com", NEW_PASSWORD)
    assert signed_in.status_code == 302 and signed_in.headers["Location"] == "/dashboard"
    assert client.get("/dashboard").status_code == 200  # a customer without a plan yet


def test_opening_the_link_changes_nothing_so_mail_scanners_cannot_spend_it(client):
    sign_up(client)
    path = link_in(mails_to("ada@example.com")[0])
    for _ in range(3):
        assert client.get(path).status_code == 200
    assert not user("ada@example.com").active
    assert claim(client, path).status_code == 302


def test_an_unconfirmed_sign_up_cannot_sign_in_and_the_sign_in_page_offers_a_new_link(client, auth):
    sign_up(client)
    for password in ("", "anything-at-all", NEW_PASSWORD):
        response = client.post("/login", data={"email": "ada@example.com", "password": password})
        assert response.status_code in (400, 401)
    page = client.get("/login").get_data(as_text=True)
    assert 'href="/account/new-link"' in page and "Get a new link" in page


# Single use, expiring


def test_a_link_works_once_and_spends_the_other_links_of_the_address(client):
    sign_up(client)
    sign_up(client)  # asked twice: two links in the inbox
    first, second = (link_in(m) for m in mails_to("ada@example.com"))
    assert claim(client, second).status_code == 302
    for path in (second, first):
        page = client.get(path)
        assert page.status_code == 410
        assert "This link was already used" in page.get_data(as_text=True)
        assert claim(client, path, password="another-password-1").status_code == 410
    assert count(AccountLink) == 2 and all(link.used_at for link in db.session.scalars(select(AccountLink)))


def test_a_link_expires_after_the_configured_hours(app, client, make, monkeypatch):
    monkeypatch.setitem(app.config, "ACCOUNT_LINK_HOURS", 2)
    customer = make.customer()
    token = send_link(customer, LinkPurpose.PASSWORD, T0)
    assert link_for(token, T0 + timedelta(hours=2) - timedelta(seconds=1)).user_id == customer.id
    with pytest.raises(LinkError) as exc:
        link_for(token, T0 + timedelta(hours=2))
    assert exc.value.kind == "expired"

    old = send_link(customer, LinkPurpose.PASSWORD, utcnow() - timedelta(hours=3))
    db.session.commit()
    page = client.get(f"/account/link/{old}")
    assert page.status_code == 410
    text = page.get_data(as_text=True)
    assert "This link has expired" in text and 'action="/account/new-link"' in text
    assert (
        client.post(f"/account/link/{old}", data={"password": "x" * 12, "confirm": "x" * 12}).status_code
        == 410
    )


def test_an_invitation_link_lasts_the_invitation_days(app, monkeypatch):
    monkeypatch.setitem(app.config, "INVITE_LINK_DAYS", 5)
    invited = services.invite("bob@example.com", "Bob", T0)
    (link,) = db.session.scalars(select(AccountLink).where(AccountLink.user_id == invited.id))
    assert link.expires_at == T0 + timedelta(days=5)


def test_an_unknown_link_is_a_404_that_offers_a_new_one(client):
    page = client.get("/account/link/not-a-real-token")
    assert page.status_code == 404
    assert "This link does not work" in page.get_data(as_text=True)


# The password is chosen behind the link


def test_a_bad_password_on_the_link_page_keeps_the_link_usable(client):
    sign_up(client)
    path = link_in(mails_to("ada@example.com")[0])
    short = claim(client, path, password="short")
    assert short.status_code == 400 and b"Use at least 10 characters." in short.data
    differ = client.post(
        path, data={"name": "Ada", "timezone": "UTC", "password": NEW_PASSWORD, "confirm": "not-the-same"}
    )
    assert differ.status_code == 400 and b"The passwords differ." in differ.data
    bad_zone = claim(client, path, timezone="Mars/Olympus")
    assert bad_zone.status_code == 400 and b"Pick a time zone from the list." in bad_zone.data
    assert claim(client, path).status_code == 302


def test_signing_up_first_with_someone_elses_address_gives_no_way_in(client, auth):
    """The pre-registration attack: the attacker never holds a password for the account, and the
    owner's own link lets them choose name, zone and password."""
    sign_up(client, email="ceo@bigclient.example", name="Mallory", timezone="Pacific/Fiji")
    assert auth.login("ceo@bigclient.example", "whatever-mallory-typed").status_code in (400, 401)
    sign_up(client, email="ceo@bigclient.example", name="Cecilia Owner", timezone="Europe/Paris")
    mails = mails_to("ceo@bigclient.example")
    assert [m.kind for m in mails] == ["signup/confirm", "signup/confirm"]  # both to the owner's inbox only
    path = link_in(mails[-1])
    assert 'value="Cecilia Owner"' in client.get(path).get_data(as_text=True)
    claim(client, path, name="Cecilia Owner", timezone="Europe/Paris")
    owner = user("ceo@bigclient.example")
    assert (owner.name, owner.timezone, owner.active) == ("Cecilia Owner", "Europe/Paris", True)


# "Send me a link again" and a new password


def test_new_link_answers_alike_for_known_and_unknown_addresses(client, make):
    make.customer(email="known@example.com")
    known = client.post("/account/new-link", data={"email": "known@example.com"})
    unknown = client.post("/account/new-link", data={"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"] == "/signup/sent"
    assert [m.kind for m in mails_to("known@example.com")] == ["signup/password"]
    assert mails_to("nobody@example.com") == []


def test_a_new_password_link_replaces_the_password_and_signs_out_other_sessions(app, client, auth, make):
    customer = make.customer(email="known@example.com")
    elsewhere = app.test_client()
    elsewhere.post("/login", data={"email": customer.email, "password": "password123"})
    assert elsewhere.get("/dashboard").status_code == 200
    client.post("/account/new-link", data={"email": customer.email})
    path = link_in(mails_to(customer.email)[0])
    assert 'name="name"' not in client.get(path).get_data(as_text=True)  # only the password here
    response = client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert elsewhere.get("/dashboard").status_code == 302  # the old session is gone
    assert auth.login(customer, "password123").status_code == 401
    assert auth.login(customer, NEW_PASSWORD).status_code == 302


def test_a_reset_link_works_once_and_ends_every_session_of_the_account(app, client, auth, make):
    customer = make.customer(email="known@example.com")
    browsers = [app.test_client() for _ in range(3)]
    for browser in browsers:
        browser.post("/login", data={"email": customer.email, "password": "password123"})
    client.post("/account/new-link", data={"email": customer.email})
    path = link_in(mails_to(customer.email)[0])
    assert browsers[0].post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302
    assert db.session.scalar(select(func.count()).where(UserSession.user_id == customer.id)) == 0
    for browser in browsers:  # the one that used the link too: it signs in with the new password
        assert browser.get("/dashboard").status_code == 302

    again = client.post(path, data={"password": "another-password-9", "confirm": "another-password-9"})
    assert again.status_code == 410 and "This link was already used" in again.get_data(as_text=True)
    assert auth.login(customer, "another-password-9").status_code == 401
    assert auth.login(customer, NEW_PASSWORD).status_code == 302


def test_the_sign_in_page_says_how_to_reset_a_forgotten_password(client):
    page = client.get("/login").get_data(as_text=True)
    assert '<a href="/account/new-link">Forgot your password?</a>' in page
    reset = client.get("/account/new-link").get_data(as_text=True)
    assert "<title>Reset your password" in reset and "<h1" in reset and "Reset your password</h1>" in reset


def test_an_unconfirmed_sign_up_gets_a_fresh_confirmation_link(client):
    sign_up(client)
    client.post("/account/new-link", data={"email": "ada@example.com"})
    assert [m.kind for m in mails_to("ada@example.com")] == ["signup/confirm", "signup/confirm"]


def test_a_deactivated_account_gets_no_mail_and_its_links_stop_working(client, make):
    agent = make.staff(email="gone@example.com")
    token = send_link(agent, LinkPurpose.PASSWORD, utcnow())
    agent.active = False
    db.session.commit()
    db.session.execute(db.delete(OutboxMessage))
    sign_up(client, email="gone@example.com")
    client.post("/account/new-link", data={"email": "gone@example.com"})
    assert mails_to("gone@example.com") == []
    assert client.get(f"/account/link/{token}").status_code == 404


# Rate limits


def test_sign_up_is_rate_limited_per_client_address(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "SIGNUP_RATE_LIMIT", "2 per hour")
    codes = [sign_up(client, email=f"person{n}@example.com").status_code for n in range(3)]
    assert codes == [302, 302, 429]
    assert count(User) == 2


def test_mail_to_one_address_is_rate_limited_across_clients_and_forms(app, monkeypatch):
    monkeypatch.setitem(app.config, "SIGNUP_EMAIL_RATE_LIMIT", "3 per hour")
    codes = []
    for n, path in enumerate(["/signup", "/account/new-link", "/signup", "/account/new-link"]):
        client = app.test_client()
        data = {"name": "Ada", "email": "ada@example.com", "timezone": "UTC"}
        response = client.post(path, data=data, environ_base={"REMOTE_ADDR": f"10.0.0.{n + 1}"})
        codes.append(response.status_code)
    assert codes == [302, 302, 302, 429]
    assert len(mails_to("ada@example.com")) == 3


# Invitation only


def test_invitation_only_refuses_sign_up_and_hides_the_way_to_it(client, auth, make):
    auth.login(make.manager())
    assert client.post("/settings/signup", data={"mode": INVITE_ONLY}).status_code == 302
    auth.logout()
    page = client.get("/signup")
    assert page.status_code == 200
    assert "Sign-up is by invitation" in page.get_data(as_text=True)
    assert b'name="email"' not in page.data
    refused = sign_up(client)
    assert refused.status_code == 403
    assert user("ada@example.com") is None and mails_to("ada@example.com") == []
    login = client.get("/login").get_data(as_text=True)
    assert "/signup" not in login and "Create account" not in login


def test_sign_up_is_open_by_default(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'href="/signup"' in page
    assert b'name="timezone"' in client.get("/signup").data


def test_a_manager_invites_a_customer_who_then_chooses_a_password(client, auth, make):
    auth.login(make.manager())
    response = client.post(
        "/settings/signup/invite", data={"name": "Bob Builder", "email": "Bob@Example.com"}
    )
    assert response.status_code == 302
    listed = client.get("/settings/signup").get_data(as_text=True)
    assert "Bob Builder" in listed and "bob@example.com" in listed
    taken = client.post(
        "/settings/signup/invite",
        data={"name": "Again", "email": make.customer(email="carol@example.com").email},
    )
    assert taken.status_code == 400 and b"This address already has an account." in taken.data
    auth.logout()

    bob = user("bob@example.com")
    assert (bob.active, bob.email_verified_at, bob.account) == (False, None, None)
    assert bob.invited_at is not None
    (mail,) = mails_to("bob@example.com")
    assert mail.kind == "signup/invite" and mail.subject == "You are invited to Kontento"
    assert claim(client, link_in(mail), name="Bob Builder", timezone="Europe/Madrid").status_code == 302
    assert auth.login("bob@example.com", NEW_PASSWORD).headers["Location"] == "/dashboard"


# Time zone


def test_the_time_zone_is_picked_from_a_list_filled_in_by_a_static_script(client):
    page = client.get("/signup").get_data(as_text=True)
    assert 'list="timezones"' in page and '<option value="Europe/Berlin">' in page
    assert '<option value="localtime">' not in page
    assert "/static/js/timezone.js" in page
    assert re.search(r"<script>(?!</script>)", page) is None  # no inline script (Content-Security-Policy)
    assert sign_up(client, timezone="localtime").status_code == 400
    assert sign_up(client, timezone="Asia/Kolkata").status_code == 302
    assert user("ada@example.com").timezone == "Asia/Kolkata"


def test_the_form_has_no_plan_and_no_password(client):
    page = client.get("/signup").get_data(as_text=True)
    assert 'name="plan"' not in page and 'name="password"' not in page


def test_new_roles_never_come_from_the_sign_up(client):
    sign_up(client, role="manager")
    assert user("ada@example.com").role == Role.CUSTOMER


# A customer with no plan yet (no billing record) uses every customer page, and staff work their case


def test_a_new_customer_without_a_plan_rates_posts_ideas_and_staff_answer_them(app, client, auth, make):
    sign_up(client)
    claim(client, link_in(mails_to("ada@example.com")[0]))
    auth.login("ada@example.com", NEW_PASSWORD)
    for path in ("/dashboard", "/preferences", "/ideas/", "/ideas/new", "/ideas/changelog", "/status"):
        assert client.get(path).status_code == 200, path
    rated = client.post("/feedback", data={"r-csat": "1", "r-category": "uptime", "r-comment": "Down again"})
    assert rated.status_code == 302
    assert client.get(rated.headers["Location"]).status_code == 200
    idea = client.post("/ideas/new", data={"title": "Daily backups offsite", "description": "Please."})
    assert idea.status_code == 302
    auth.logout()

    ada = user("ada@example.com")
    assert ada.account is None
    auth.login(make.staff())
    queue = client.get("/queue/")
    assert queue.status_code == 200 and "Ada Lovelace" in queue.get_data(as_text=True)
    followup_id = db.session.scalar(select(func.max(Followup.id)))
    assert client.get(f"/queue/{followup_id}").status_code == 200
