"""Canned replies: managers keep them per language; staff start a reply from one, filled in."""

import pytest

from feedback.core.time import utcnow
from feedback.extensions import db
from feedback.followups.canned import fill, unknown_placeholders
from feedback.followups.models import CannedReply

GREETING = "Hello {customer_name}, about {case_reference}: we are on it. {agent_name}"


@pytest.fixture
def manager(make, auth):
    user = make.manager()
    auth.login(user)
    return user


def _add(client, language="en", title="We are on it", body=GREETING):
    return client.post("/settings/canned-replies/", data={"language": language, "title": title, "body": body})


def test_a_manager_adds_edits_and_deletes_a_canned_reply(client, manager):
    assert "No canned replies yet." in client.get("/settings/canned-replies/").get_data(as_text=True)
    assert _add(client).status_code == 302
    reply = db.session.scalar(db.select(CannedReply))
    assert (reply.language, reply.title, reply.body) == ("en", "We are on it", GREETING)

    edited = {"language": "eo", "title": "Ni laboras", "body": "Saluton!"}
    response = client.post(f"/settings/canned-replies/{reply.id}", data=edited)
    assert response.status_code == 302
    db.session.refresh(reply)
    assert (reply.language, reply.title, reply.body) == ("eo", "Ni laboras", "Saluton!")
    page = client.get("/settings/canned-replies/").get_data(as_text=True)
    assert "Esperanto" in page and "Ni laboras" in page

    assert client.post(f"/settings/canned-replies/{reply.id}/delete").status_code == 302
    assert db.session.scalar(db.select(CannedReply)) is None
    assert client.post(f"/settings/canned-replies/{reply.id}/delete").status_code == 404


@pytest.mark.parametrize(
    "data, message",
    [
        ({"body": "Hi {custmer_name}"}, "Unknown placeholder {custmer_name}; use {customer_name}"),
        ({"body": "Hi { customer_name }"}, "Unknown placeholder { customer_name }; use {customer_name}"),
        ({"body": "Hi {}"}, "Unknown placeholder {}; use {customer_name}"),
        ({"title": "  "}, "This field is required."),
        ({"title": "x" * 121}, "Field cannot be longer than 120 characters."),
        ({"body": "x" * 5_001}, "Field cannot be longer than 5000 characters."),
        ({"language": "fr"}, "Not a valid choice."),
    ],
)
def test_a_bad_canned_reply_is_refused_and_what_was_typed_comes_back(client, manager, data, message):
    response = client.post(
        "/settings/canned-replies/", data={"language": "en", "title": "Refund", "body": "Sure.", **data}
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page
    assert db.session.scalar(db.select(CannedReply)) is None


def test_placeholders_are_filled_and_nothing_else_is_touched(make):
    fu = make.rating(make.customer(name="Ada <Lovelace>"), csat=1, now=utcnow()).followup
    agent = make.staff(name="Sam Support")
    text = fill(GREETING + " {not_a_placeholder} {{customer_name}}", fu, agent)
    assert text.startswith(f"Hello Ada <Lovelace>, about {fu.reference}: we are on it. Sam Support")
    assert "{not_a_placeholder}" in text
    assert unknown_placeholders("a {x} b {customer_name} {x} {y}") == ["x", "y"]


def test_staff_start_a_reply_from_one_in_the_customers_language_first(client, make, auth):
    T = utcnow()
    db.session.add_all(
        [
            CannedReply(language="en", title="On it", body=GREETING, updated_at=T),
            CannedReply(language="ar", title="نعمل على ذلك", body="مرحبًا {customer_name}", updated_at=T),
        ]
    )
    customer = make.customer(name="Layla <b>")
    customer.locale = "ar"
    fu = make.rating(customer, csat=1, now=utcnow()).followup
    db.session.commit()
    agent = make.staff(name="Sam")
    auth.login(agent)

    page = client.get(f"/queue/{fu.reference}").get_data(as_text=True)
    picker = page[page.index('id="canned"') :]
    assert picker.index("نعمل على ذلك") < picker.index("On it")  # the customer's language first
    assert 'data-text="مرحبًا Layla &lt;b&gt;"' in picker  # filled, and escaped in the page

    ar_reply = db.session.scalar(db.select(CannedReply).where(CannedReply.language == "ar"))
    page = client.get(f"/queue/{fu.reference}?canned={ar_reply.id}").get_data(as_text=True)
    assert "\nمرحبًا Layla &lt;b&gt;</textarea>" in page  # without JavaScript: the box starts from it
    for junk in ("999999", "abc", ""):
        assert client.get(f"/queue/{fu.reference}?canned={junk}").status_code == 200


def test_the_list_follows_the_apps_languages_not_their_codes(client, manager):
    for language, title in (("ar", "Arabic one"), ("eo", "Esperanto one"), ("en", "English one")):
        assert _add(client, language=language, title=title).status_code == 302
    page = client.get("/settings/canned-replies/").get_data(as_text=True)
    assert page.index("English one") < page.index("Esperanto one") < page.index("Arabic one")
