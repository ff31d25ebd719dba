"""The profile page: every role edits their name, language and time zone; a customer sees their
own services from the billing data; bad input keeps what was typed; one user cannot touch
another's profile."""

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from feedback.auth.models import CustomerAccount, Plan
from feedback.extensions import db
from feedback.lifecycle.models import EventKind
from feedback.lifecycle.services import record_event
from feedback.settings import queries as settings_queries
from tests.conftest import T0
from tests.factories import sign_in


def profile_data(user, **changes) -> dict:
    return {"name": user.name, "language": "en", "timezone": user.timezone, **changes}


def test_every_role_reaches_the_profile_from_the_menu_and_the_pages_around_it(app, make):
    for user, preferences in ((make.customer(), True), (make.staff(), False), (make.manager(), False)):
        client = app.test_client()
        sign_in(client, user)
        home = client.get("/", follow_redirects=True).get_data(as_text=True)
        assert 'href="/account"' in home  # the user menu
        page = client.get("/account")
        assert page.status_code == 200
        text = page.get_data(as_text=True)
        assert 'href="/account/password"' in text and 'href="/sessions/"' in text
        assert ('href="/preferences"' in text) is preferences  # e-mail preferences are a customer's
        assert f'value="{user.name}"' in text


def test_name_language_and_time_zone_take_effect(client, auth, make, say):
    customer = make.customer(name="Ada Lovelace")
    customer.created_at = T0  # 09:00 UTC
    db.session.commit()
    auth.login(customer)
    response = client.post(
        "/account", data=profile_data(customer, name="Ada King", language="eo", timezone="Asia/Tokyo")
    )
    assert response.status_code == 302 and response.headers["Location"] == "/account"

    page = client.get("/account").get_data(as_text=True)
    assert '<html lang="eo"' in page  # the pages are in the language chosen …
    assert say("eo", "Your profile is saved.") in page  # … the confirmation already was
    assert "Ada King" in page
    assert "18:00" in page  # the account's creation, 09:00 UTC, shown in Tokyo
    db.session.refresh(customer)
    assert (customer.name, customer.locale, customer.timezone) == ("Ada King", "eo", "Asia/Tokyo")

    client.post("/account", data=profile_data(customer, language="ar"))
    assert 'dir="rtl"' in client.get("/account").get_data(as_text=True)


def test_a_renamed_customer_is_found_by_the_new_name_not_the_old_one(client, auth, make):
    customer = make.customer(name="Ada Lovelace")
    auth.login(customer)
    assert client.post("/account", data=profile_data(customer, name="Élodie Durand")).status_code == 302

    found = {row.User.id for row in db.session.execute(settings_queries.customers("ÉLODIE"))}
    assert found == {customer.id}  # by its stored key, folded from the new name
    assert not list(db.session.execute(settings_queries.customers("ada lovelace")))
    db.session.refresh(customer)
    assert customer.name_key == "élodie durand"


def test_bad_input_keeps_what_was_typed_and_changes_nothing(client, auth, make):
    customer = make.customer(name="Ada Lovelace")
    auth.login(customer)
    bad_zone = client.post(
        "/account", data=profile_data(customer, name="Ada King", language="eo", timezone="Mars/Olympus")
    )
    assert bad_zone.status_code == 400
    text = bad_zone.get_data(as_text=True)
    assert "Pick a time zone from the list." in text
    assert 'value="Ada King"' in text and 'value="Mars/Olympus"' in text
    assert '<option lang="eo" selected value="eo">' in text

    assert client.post("/account", data=profile_data(customer, name="")).status_code == 400
    assert client.post("/account", data=profile_data(customer, language="xx")).status_code == 400
    line_break = client.post("/account", data=profile_data(customer, name="Ada\r\nBcc: x@example.com"))
    assert line_break.status_code == 400 and "Names cannot contain line breaks." in line_break.get_data(
        as_text=True
    )
    db.session.refresh(customer)
    assert (customer.name, customer.locale, customer.timezone) == ("Ada Lovelace", None, "UTC")


def test_a_profile_post_changes_only_the_signed_in_user(app, client, auth, make):
    mine, theirs = make.customer(name="Mine"), make.customer(name="Theirs")
    auth.login(mine)
    # Whatever the post names, it edits the signed-in account: there is no id to swap.
    client.post(
        "/account", data={**profile_data(mine, name="Renamed"), "user_id": theirs.id, "id": theirs.id}
    )
    db.session.refresh(mine)
    db.session.refresh(theirs)
    assert (mine.name, theirs.name) == ("Renamed", "Theirs")
    assert app.test_client().post("/account", data=profile_data(mine)).status_code == 302  # to sign-in
    assert "/login" in app.test_client().get("/account").headers["Location"]


def test_profile_saves_are_rate_limited_per_user(app, client, auth, make, monkeypatch):
    monkeypatch.setitem(app.config, "ACCOUNT_RATE_LIMIT", "2 per hour")
    customer = make.customer()
    auth.login(customer)
    codes = [client.post("/account", data=profile_data(customer)).status_code for _ in range(3)]
    assert codes == [302, 302, 429]
    other = make.customer()
    elsewhere = app.test_client()
    sign_in(elsewhere, other)
    assert elsewhere.post("/account", data=profile_data(other)).status_code == 302  # their own budget


# A customer's services


def _start(customer, sid: str, plan: Plan, price: str, day: str, cycle: int = 1):
    record_event(
        customer,
        sid,
        EventKind.STARTED,
        date.fromisoformat(day),
        plan,
        Decimal(price),
        cycle_months=cycle,
        source_key=f"{sid}-start",
        now=T0,
    )
    db.session.commit()


def test_a_customer_sees_their_services_with_price_renewal_and_server(client, auth, make):
    customer = make.customer(server="web-12.fra")
    _start(customer, "S-1", Plan.VPS, "39.00", "2026-02-20")
    _start(customer, "S-2", Plan.DEDICATED, "1490.50", "2025-06-01", cycle=12)
    auth.login(customer)
    page = client.get("/account").get_data(as_text=True)
    services = page[page.index("Your services") :]
    assert services.index("VPS") < services.index("Dedicated")  # the next renewal first
    assert "1,490.50</bdi> / month" in services and "39.00</bdi> / month" in services
    assert "Mar 20, 2026" in services and "Jun 1, 2026" in services
    assert services.count("web-12.fra") == 2


def test_without_subscriptions_the_hosting_account_is_the_service(client, auth, make):
    customer = make.customer(plan=Plan.SHARED, server="web-3.ams")
    auth.login(customer)
    page = client.get("/account").get_data(as_text=True)
    assert "Shared" in page and "9.90</bdi> / month" in page and "web-3.ams" in page


def test_a_customer_billing_does_not_know_yet_sees_an_empty_state(client, auth, make):
    customer = make.customer()
    db.session.delete(db.session.get(CustomerAccount, customer.id))
    db.session.commit()
    auth.login(customer)
    page = client.get("/account").get_data(as_text=True)
    assert "We have no billing records for your account yet." in page
    assert "/ month" not in page


def test_services_are_shown_to_their_customer_only(app, client, auth, make):
    owner = make.customer(server="secret-host.fra")
    _start(owner, "S-9", Plan.DEDICATED, "777.00", "2025-11-15")
    other = make.customer(server="web-1.fra")
    auth.login(other)
    page = client.get("/account").get_data(as_text=True)
    assert "secret-host.fra" not in page and "777.00" not in page and "Dedicated" not in page
    staff = app.test_client()
    sign_in(staff, make.manager())
    staff_page = staff.get("/account").get_data(as_text=True)
    assert "Your services" not in staff_page and "secret-host.fra" not in staff_page
    assert db.session.scalar(select(CustomerAccount.server).where(CustomerAccount.user_id == owner.id))
