"""Changing a password: the current one first (wrong ones count against a budget), every other
session ends and this one stays, the owner is mailed in their language; an account without a
password gets a link instead."""

from sqlalchemy import func, select

from feedback.auth.models import UserSession
from feedback.core.time import utcnow
from feedback.extensions import db
from feedback.mailer.dispatch import dispatch
from feedback.mailer.models import OutboxMessage
from tests.mail_server import text_body

NEW = "quiet-lantern-meadow"


def change(client, current="password123", new=NEW, confirm=None, **kwargs):
    return client.post(
        "/account/password", data={"current": current, "password": new, "confirm": confirm or new}, **kwargs
    )


def signed_in(app, user):
    other = app.test_client()
    other.post("/login", data={"email": user.email, "password": "password123"})
    assert other.get("/account").status_code == 200
    return other


def mails_to(user) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.user_id == user.id)))


def test_a_wrong_current_password_is_refused_and_changes_nothing(client, auth, make):
    customer = make.customer()
    auth.login(customer)
    response = change(client, current="not-my-password")
    assert response.status_code == 401
    assert "That is not your current password." in response.get_data(as_text=True)
    assert auth.logout() and auth.login(customer).status_code == 302  # the old one still works
    assert mails_to(customer) == []


def test_wrong_current_passwords_use_up_a_per_account_budget(app, make, monkeypatch):
    monkeypatch.setitem(app.config, "PASSWORD_CHECK_RATE_LIMIT", "2 per 15 minutes")
    customer = make.customer()
    first, second = signed_in(app, customer), signed_in(app, customer)
    assert change(first, current="guess-one").status_code == 401
    assert change(second, current="guess-two").status_code == 401  # the budget is the account's
    locked = change(first)  # even the right password waits now
    assert locked.status_code == 429
    assert int(locked.headers["Retry-After"]) > 0
    assert "Too many wrong passwords. Try again in 15 minutes." in locked.get_data(as_text=True)
    db.session.refresh(customer)
    other = make.customer()
    assert change(signed_in(app, other)).status_code == 302  # another account's budget is whole


def test_mistakes_in_the_new_password_do_not_use_up_the_budget(app, client, auth, make, monkeypatch):
    monkeypatch.setitem(app.config, "PASSWORD_CHECK_RATE_LIMIT", "1 per 15 minutes")
    auth.login(make.customer())
    assert change(client, new="password1234").status_code == 400
    assert change(client, confirm="something-else-entirely").status_code == 400
    assert change(client, new="password123").status_code == 400  # the current one again
    assert change(client).status_code == 302


def test_a_change_ends_every_other_session_keeps_this_one_and_mails_the_owner(app, client, auth, make, smtp):
    customer = make.customer(name="Ada Lovelace")
    others = [signed_in(app, customer), signed_in(app, customer)]
    auth.login(customer)
    response = change(client)
    assert response.status_code == 302 and response.headers["Location"] == "/account"
    assert client.get("/account").status_code == 200  # this browser stays signed in
    for other in others:
        assert other.get("/account").status_code == 302  # signed out
    sessions = db.session.scalar(select(func.count()).where(UserSession.user_id == customer.id))
    assert sessions == 1

    fresh = app.test_client()
    assert fresh.post("/login", data={"email": customer.email, "password": "password123"}).status_code == 401
    assert fresh.post("/login", data={"email": customer.email, "password": NEW}).status_code == 302

    (queued,) = mails_to(customer)
    assert queued.kind == "account/password_changed"
    dispatch(utcnow())
    (mail,) = smtp.messages
    assert mail["To"].addresses[0].addr_spec == customer.email
    assert str(mail["Subject"]) == "Your password was changed"
    body = text_body(mail)
    assert "If it was not you, reset your password now" in body
    assert "http://kontento.test/account/new-link" in body


def test_the_mail_is_in_the_owners_language(client, auth, make, say):
    customer = make.customer()
    customer.locale = "ar"
    db.session.commit()
    auth.login(customer)
    assert change(client).status_code == 302
    (mail,) = mails_to(customer)
    assert mail.subject == say("ar", "Your password was changed") != "Your password was changed"
    assert say("ar", "If it was you, there is nothing to do.") in mail.body_text


def test_staff_change_their_password_too(app, client, auth, make):
    agent = make.staff()
    auth.login(agent)
    assert change(client).status_code == 302
    assert app.test_client().post("/login", data={"email": agent.email, "password": NEW}).status_code == 302


def test_an_account_without_a_password_is_offered_a_link_instead(client, auth, make):
    customer = make.customer()
    auth.login(customer)
    customer.password_hash = ""  # signs in another way (single sign-on), never chose one
    db.session.commit()
    page = client.get("/account/password").get_data(as_text=True)
    assert "Set a password" in page and 'action="/account/password/link"' in page
    assert 'name="current"' not in page
    assert change(client, current="").status_code == 200  # no form to post: the page again
    response = client.post("/account/password/link")
    assert response.status_code == 302
    (mail,) = mails_to(customer)
    assert mail.kind == "signup/password"
    db.session.refresh(customer)
    assert customer.password_hash == ""


def test_password_posts_share_the_account_budget(app, client, auth, make, monkeypatch):
    monkeypatch.setitem(app.config, "ACCOUNT_RATE_LIMIT", "2 per hour")
    customer = make.customer()
    auth.login(customer)
    assert change(client, new="password1234").status_code == 400
    assert client.post("/account", data={"name": "A", "language": "en", "timezone": "UTC"}).status_code == 302
    assert change(client).status_code == 429
