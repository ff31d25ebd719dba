"""Settings → Customers: find customers by the start of their name or e-mail (index ranges, with
100 000+ customers in mind), page through them, deactivate and reactivate them."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from feedback.auth.models import User
from feedback.core.time import utcnow
from feedback.extensions import db
from feedback.mailer.models import OutboxMessage
from feedback.reports.metrics import satisfaction_report
from feedback.settings import queries
from feedback.signup.services import sign_up
from feedback.surveys.models import Feedback

from ..factories import PASSWORD, ApiClient, make_notice, query_plan, token_for


@pytest.fixture
def manager(make, auth):
    user = make.manager()
    auth.login(user)
    return user


def _signed_in(app, user):
    client = app.test_client()
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    return client


def test_customers_are_found_by_the_start_of_their_name_or_email(client, make, manager):
    make.customer(name="Ada Lovelace", email="countess@example.test")
    make.customer(name="Bob Byte", email="ada.b@example.test")
    make.customer(name="Carol Cloud", email="carol@example.test")
    make.staff(name="Adam Agent")  # staff are under Settings → Staff accounts

    html = client.get("/settings/customers/?q=ADA").get_data(as_text=True)

    assert "Ada Lovelace" in html and "Bob Byte" in html  # by name, by e-mail, any case
    assert "Carol Cloud" not in html and "Adam Agent" not in html
    assert "Carol Cloud" in client.get("/settings/customers/?q=carol@ex").get_data(as_text=True)
    assert "Carol Cloud" not in client.get("/settings/customers/?q=cloud").get_data(as_text=True)  # a start
    nobody = client.get("/settings/customers/?q=zed").get_data(as_text=True)
    assert "No customer’s name or e-mail address starts with “zed”" in nobody


def test_customers_page_with_their_plan_and_status(app, client, make, manager, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    for n in range(5):
        make.customer(name=f"Customer {n}", email=f"c{n}@example.test")

    first = client.get("/settings/customers/").get_data(as_text=True)
    last = client.get("/settings/customers/?page=3").get_data(as_text=True)

    assert "c0@example.test" in first and "c1@example.test" in first and "c2@example.test" not in first
    assert "c4@example.test" in last and "5 items, page 3 of 3" in last
    assert "Shared" in first and "Active" in first
    searched = client.get("/settings/customers/?q=c&page=2").get_data(as_text=True)
    assert "c2@example.test" in searched and "q=c" in searched  # the pager keeps the search


def test_an_unconfirmed_sign_up_shows_as_such_and_cannot_be_activated_here(client, make, manager):
    sign_up("newbie@example.test", "Nour Newbie", "UTC", "en", utcnow())
    newbie = db.session.scalar(select(User).where(User.email == "newbie@example.test"))

    html = client.get("/settings/customers/?q=newbie").get_data(as_text=True)
    assert "Not yet confirmed" in html and "Deactivated" not in html
    assert f"/settings/customers/{newbie.id}/reactivate" not in html

    response = client.post(f"/settings/customers/{newbie.id}/reactivate", follow_redirects=True)
    assert "not confirmed yet" in response.get_data(as_text=True)
    db.session.refresh(newbie)
    assert not newbie.active


def test_deactivating_a_customer_signs_them_out_refuses_their_tokens_and_keeps_their_feedback(
    app, client, make, manager
):
    customer, staying = make.customer(name="Dora Departing"), make.customer()
    make.rating(customer, csat=1, now=utcnow() - timedelta(days=1))
    api = ApiClient(app.test_client(), token_for(customer))
    theirs = _signed_in(app, customer)
    assert theirs.get("/dashboard").status_code == 200 and api.get("/feedback").status_code == 200
    today = utcnow().date()
    report_before = satisfaction_report(today - timedelta(days=7), today)

    response = client.post(f"/settings/customers/{customer.id}/deactivate", data={"q": "dora"})

    assert response.status_code == 302 and response.headers["Location"].endswith(
        "/settings/customers/?q=dora"
    )
    signed_out = theirs.get("/dashboard")
    assert signed_out.status_code == 302 and signed_out.headers["Location"].startswith("/login")
    assert api.get("/feedback").status_code == 401
    assert _signed_in_fails(app, customer)
    # Their feedback and case stay, and the reports count them as before.
    assert (
        db.session.scalar(select(db.func.count(Feedback.id)).where(Feedback.customer_id == customer.id)) == 1
    )
    assert satisfaction_report(today - timedelta(days=7), today) == report_before
    # No more optional mail (here: an announcement to every customer).
    soon = utcnow() + timedelta(days=1)
    make_notice(
        manager,
        "announcement",
        "New data centre",
        soon,
        soon + timedelta(hours=1),
        publish=True,
        now=utcnow(),
    )
    mailed = set(
        db.session.scalars(select(OutboxMessage.user_id).where(OutboxMessage.kind.like("notices/%")))
    )
    assert staying.id in mailed and customer.id not in mailed
    assert "Deactivated" in client.get("/settings/customers/?q=dora").get_data(as_text=True)


def _signed_in_fails(app, user) -> bool:
    response = app.test_client().post("/login", data={"email": user.email, "password": PASSWORD})
    return response.status_code != 302


def test_reactivating_a_customer_lets_them_sign_in_again_with_their_tokens(app, client, make, manager):
    customer = make.customer()
    api = ApiClient(app.test_client(), token_for(customer))
    client.post(f"/settings/customers/{customer.id}/deactivate")
    assert api.get("/feedback").status_code == 401

    response = client.post(f"/settings/customers/{customer.id}/reactivate", follow_redirects=True)

    assert "can sign in again" in response.get_data(as_text=True)
    assert _signed_in(app, customer).get("/dashboard").status_code == 200
    assert api.get("/feedback").status_code == 200  # paused with the account, not revoked


def test_posting_deactivate_twice_leaves_the_customer_deactivated(client, make, manager):
    customer = make.customer()
    for _ in range(2):
        client.post(f"/settings/customers/{customer.id}/deactivate")
    db.session.refresh(customer)
    assert not customer.active


def test_staff_accounts_are_not_managed_from_the_customers_page(client, make, manager):
    agent = make.staff()
    assert client.post(f"/settings/customers/{agent.id}/deactivate").status_code == 404
    db.session.refresh(agent)
    assert agent.active


def test_staff_cannot_deactivate_customers(app, make):
    customer = make.customer()
    staff = _signed_in(app, make.staff())
    assert staff.get("/settings/customers/").status_code == 403
    assert staff.post(f"/settings/customers/{customer.id}/deactivate").status_code == 403
    db.session.refresh(customer)
    assert customer.active


@pytest.mark.parametrize("search", ["ada", "Ada@exam", "ضياء"])
def test_a_customer_search_reads_index_ranges_not_the_whole_table(app, make, search):
    plan = query_plan(queries.customers(search))

    assert "ix_users_email" in plan and "ix_users_name_key" in plan, plan
    assert "Seq Scan on users" not in plan and "SCAN users" not in plan.replace("SEARCH users", ""), plan


def test_a_search_gives_the_same_answer_on_every_database_for_odd_prefixes(make):
    for name, email in (
        ("Zoë Ångström", "zoe@example.test"),
        ("ضياء", "diya@example.test"),
        ("50% off", "x_y@example.test"),
    ):
        make.customer(name=name, email=email)
    found = lambda q: {row.User.email for row in db.session.execute(queries.customers(q))}  # noqa: E731
    assert found("zoë") == {"zoe@example.test"}
    assert found("ضي") == {"diya@example.test"}
    assert found("50%") == {"x_y@example.test"} and found("x_") == {"x_y@example.test"}
    assert found("%") == set() and found("_") == set()  # no wildcards


def test_a_name_is_found_whatever_its_case_in_any_script_with_the_same_answer_on_every_database(make):
    # SQLite's lower() folds ASCII only: these were found on PostgreSQL and not on SQLite.
    for name, email in (
        ("Élodie Durand", "ed@example.test"),
        ("Дмитрий Иванов", "di@example.test"),
        ("Straße", "st@example.test"),
        ("Strasser", "ss@example.test"),
    ):
        make.customer(name=name, email=email)
    found = lambda q: {row.User.email for row in db.session.execute(queries.customers(q))}  # noqa: E731

    # The last: "E" and a combining acute accent, as some keyboards send it (NFKC composes it).
    for search in ("élodie", "Élodie", "ÉLODIE", "élodie d", "E\u0301lodie"):
        assert found(search) == {"ed@example.test"}, search
    assert found("elodie") == set()  # accents count: only case is folded
    for search in ("дмитрий", "Дмитрий", "ДМИТРИЙ", "дмитрий и"):
        assert found(search) == {"di@example.test"}, search
    # "ß" folds to "ss", in the name as in the search: both spellings find both names …
    for search in ("strasse", "straße", "STRASSE", "Straß", "stras"):
        assert found(search) == {"st@example.test", "ss@example.test"}, search
    assert found("strasser") == {"ss@example.test"}  # … and a longer start only the name it starts
    assert found("strase") == set()
