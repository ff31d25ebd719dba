"""API tokens: made on /account/tokens (shown once, stored hashed), listed, revoked by their owner
or by a manager (Settings → API tokens), capped per user, and managed from the command line.
Every revocation is checked through the real API: the next call answers 401."""

import re

import pytest
from sqlalchemy import inspect, select

from feedback.auth.models import ApiToken
from feedback.auth.services import MAX_ACTIVE_TOKENS
from feedback.core.security import hash_token
from feedback.extensions import db

from ..factories import ApiClient, sign_in, token_for

TOKEN = re.compile(r"kt_[A-Za-z0-9_-]{20,}")


def _signed_in(app, user):
    client = app.test_client()
    assert sign_in(client, user).status_code == 302
    return client


def _tokens_of(user) -> list[ApiToken]:
    return list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)))


def _new_token(client, label: str = "WHMCS on billing-1") -> str:
    response = client.post("/account/tokens", data={"label": label})
    assert response.status_code == 200, response.status_code
    found = TOKEN.findall(response.get_data(as_text=True))
    assert len(set(found)) == 1, found
    return found[0]


@pytest.mark.parametrize("role", ["customer", "staff", "manager"])
def test_a_token_made_on_the_page_is_shown_once_works_and_only_its_hash_is_kept(app, client, make, role):
    user = getattr(make, role)()
    page = _signed_in(app, user)

    token = _new_token(page, "WHMCS on billing-1")

    row = _tokens_of(user)[0]
    assert row.label == "WHMCS on billing-1"
    assert row.token_hash == hash_token(token)
    stored = [getattr(row, c.key) for c in inspect(ApiToken).column_attrs]
    assert not any(token in str(value) for value in stored)  # not in clear in any column
    again = page.get("/account/tokens").get_data(as_text=True)
    assert token not in again and "WHMCS on billing-1" in again  # listed, never shown again
    path = "/followups" if role != "customer" else "/feedback"
    assert ApiClient(client, token).get(path).status_code == 200


def test_the_list_shows_when_each_token_was_last_used_and_which_are_revoked(app, client, make):
    customer = make.customer()
    page = _signed_in(app, customer)
    used, revoked = _new_token(page, "Panel"), _new_token(page, "Old script")
    ApiClient(client, used).get("/feedback")
    page.post(f"/account/tokens/{_tokens_of(customer)[1].id}/revoke")

    html = page.get("/account/tokens").get_data(as_text=True)

    panel_row = html[html.index("Panel") : html.index("</tr>", html.index("Panel"))]
    assert "Never" not in panel_row and "Active" in panel_row
    old_row = html[html.index("Old script") : html.index("</tr>", html.index("Old script"))]
    assert "Revoked" in old_row and "Never" in old_row and "/revoke" not in old_row
    assert revoked not in html


def test_revoking_a_token_on_the_page_makes_its_next_api_call_401(app, client, make):
    customer = make.customer()
    page = _signed_in(app, customer)
    token = _new_token(page)
    api = ApiClient(client, token)
    assert api.get("/feedback").status_code == 200

    response = page.post(f"/account/tokens/{_tokens_of(customer)[0].id}/revoke", follow_redirects=True)

    assert "Token revoked" in response.get_data(as_text=True)
    assert api.get("/feedback").status_code == 401
    assert _tokens_of(customer)[0].revoked_at is not None
    # Revoking twice changes nothing and says so.
    again = page.post(f"/account/tokens/{_tokens_of(customer)[0].id}/revoke", follow_redirects=True)
    assert "already revoked" in again.get_data(as_text=True)


def test_another_users_token_cannot_be_revoked_and_is_not_found(app, client, make):
    owner, other = make.customer(), make.staff()
    token = token_for(owner)
    row = _tokens_of(owner)[0]
    row.label = "Owner's panel"
    db.session.commit()

    response = _signed_in(app, other).post(f"/account/tokens/{row.id}/revoke")

    assert response.status_code == 404
    assert ApiClient(client, token).get("/feedback").status_code == 200
    assert "Owner&#39;s panel" not in _signed_in(app, other).get("/account/tokens").get_data(as_text=True)
    assert "Owner&#39;s panel" in _signed_in(app, owner).get("/account/tokens").get_data(as_text=True)


def test_a_token_needs_a_name_without_control_characters(app, make):
    page = _signed_in(app, make.customer())
    for label, message in (("", "Enter a name"), ("Panel\x1b[2J", "control characters"), ("x" * 101, "")):
        response = page.post("/account/tokens", data={"label": label})
        assert response.status_code == 400, label
        assert message in response.get_data(as_text=True)
        assert not TOKEN.search(response.get_data(as_text=True))
    assert db.session.scalar(select(db.func.count(ApiToken.id))) == 0


def test_at_most_ten_tokens_work_at_once_per_user(app, make):
    customer = make.customer()
    for _ in range(MAX_ACTIVE_TOKENS):
        token_for(customer)  # made from the command line: the same rule
    page = _signed_in(app, customer)

    response = page.post("/account/tokens", data={"label": "One too many"})

    assert response.status_code == 400
    assert "You already have 10 API tokens" in response.get_data(as_text=True)
    assert len(_tokens_of(customer)) == MAX_ACTIVE_TOKENS
    page.post(f"/account/tokens/{_tokens_of(customer)[0].id}/revoke")
    _new_token(page, "In its place")  # a revoked one frees its place


def test_making_tokens_is_rate_limited_per_user(app, make):
    customer = make.customer()
    page = _signed_in(app, customer)
    for n in range(10):
        assert page.post("/account/tokens", data={"label": f"Script {n}"}).status_code == 200
        page.post(f"/account/tokens/{_tokens_of(customer)[-1].id}/revoke")

    response = page.post("/account/tokens", data={"label": "Script 11"})

    assert response.status_code == 429
    assert "Try again later" in response.get_data(as_text=True)
    assert len(_tokens_of(customer)) == 10
    # Someone else is not slowed down by it.
    _new_token(_signed_in(app, make.customer()))


# Settings → API tokens (managers)


def test_a_manager_sees_every_working_token_and_revokes_anyones(app, client, make):
    manager, customer, staff = make.manager(), make.customer(name="Ada Lovelace"), make.staff()
    customer_token, staff_token = token_for(customer), token_for(staff)
    revoked = _tokens_of(staff)[0]
    revoked.revoked_at = db.func.now()
    customer_row = _tokens_of(customer)[0]
    customer_row.label = "Hosting panel"
    db.session.commit()
    page = _signed_in(app, manager)

    html = page.get("/settings/tokens/").get_data(as_text=True)
    assert "Ada Lovelace" in html and customer.email in html and "Hosting panel" in html
    assert staff.email not in html  # their only token is revoked
    assert customer_token not in html and staff_token not in html

    response = page.post(f"/settings/tokens/{customer_row.id}/revoke", follow_redirects=True)

    assert "Token revoked" in response.get_data(as_text=True)
    assert ApiClient(client, customer_token).get("/feedback").status_code == 401
    assert customer.email not in page.get("/settings/tokens/").get_data(as_text=True)


def test_the_managers_token_list_filters_by_owner_and_pages(app, make, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    ada, bob = make.customer(email="ada@example.test"), make.customer(email="bob@example.test")
    for _ in range(3):
        token_for(ada)
    token_for(bob)
    page = _signed_in(app, make.manager())

    first = page.get("/settings/tokens/?owner=ADA@").get_data(as_text=True)
    second = page.get("/settings/tokens/?owner=ada@&page=2").get_data(as_text=True)

    assert first.count("ada@example.test</div>") == 2 and "bob@example.test" not in first
    assert second.count("ada@example.test</div>") == 1 and "3 items, page 2 of 2" in second
    assert "bob@example.test" in page.get("/settings/tokens/?owner=bob%40example.test").get_data(as_text=True)


def test_staff_cannot_see_or_revoke_other_peoples_tokens(app, client, make):
    customer = make.customer()
    token = token_for(customer)
    staff = _signed_in(app, make.staff())

    assert staff.get("/settings/tokens/").status_code == 403
    assert staff.post(f"/settings/tokens/{_tokens_of(customer)[0].id}/revoke").status_code == 403
    assert ApiClient(client, token).get("/feedback").status_code == 200


# The command line


def test_tokens_create_takes_a_label(runner, make):
    user = make.staff()
    result = runner.invoke(args=["tokens", "create", user.email, "--label", "Helpdesk bridge"])
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    assert _tokens_of(user)[0].label == "Helpdesk bridge"
    assert _tokens_of(user)[0].token_hash == hash_token(token)


def test_tokens_list_shows_every_token_or_one_users_and_never_the_token(runner, client, make):
    ada, bob = make.customer(email="ada@example.test"), make.staff(email="bob@example.test")
    ada_token = runner.invoke(args=["tokens", "create", ada.email, "--label", "Panel"]).output.strip()
    bob_token = token_for(bob)
    ApiClient(client, ada_token).get("/feedback")

    everyone = runner.invoke(args=["tokens", "list"])
    only_ada = runner.invoke(args=["tokens", "list", "ADA@example.test"])

    assert everyone.exit_code == 0 and only_ada.exit_code == 0
    header, *rows = everyone.output.strip().splitlines()
    assert header.split("\t") == ["id", "owner", "label", "created", "last used", "revoked"]
    ada_id = _tokens_of(ada)[0].id
    assert rows[0].split("\t")[:3] == [str(ada_id), "ada@example.test", "Panel"]
    assert rows[0].split("\t")[4] != "-" and rows[0].split("\t")[5] == "-"  # used, not revoked
    assert rows[1].split("\t")[:4][1:3] == ["bob@example.test", "-"]
    assert ada_token not in everyone.output and bob_token not in everyone.output
    assert "bob@example.test" not in only_ada.output and "ada@example.test" in only_ada.output
    assert runner.invoke(args=["tokens", "list", "nobody@example.test"]).exit_code != 0


def test_tokens_revoke_by_id_and_every_token_of_a_user(runner, client, make):
    ada, bob = make.customer(), make.customer()
    first, second, bobs = token_for(ada), token_for(ada), token_for(bob)

    one = runner.invoke(args=["tokens", "revoke", str(_tokens_of(ada)[0].id)])
    assert one.exit_code == 0 and "revoked" in one.output, one.output
    assert ApiClient(client, first).get("/feedback").status_code == 401
    assert ApiClient(client, second).get("/feedback").status_code == 200

    every = runner.invoke(args=["tokens", "revoke", "--all", ada.email])
    assert every.exit_code == 0 and "1 token(s)" in every.output, every.output
    assert ApiClient(client, second).get("/feedback").status_code == 401
    assert ApiClient(client, bobs).get("/feedback").status_code == 200  # only Ada's

    listed = runner.invoke(args=["tokens", "list", ada.email]).output.strip().splitlines()[1:]
    assert all(line.split("\t")[5] != "-" for line in listed)


def test_tokens_revoke_refuses_unclear_requests(runner, make):
    user = make.customer()
    token_for(user)
    assert runner.invoke(args=["tokens", "revoke"]).exit_code != 0
    assert runner.invoke(args=["tokens", "revoke", "1", "--all", user.email]).exit_code != 0
    assert "No API token with id 999999" in runner.invoke(args=["tokens", "revoke", "999999"]).output
    assert runner.invoke(args=["tokens", "revoke", "--all", "nobody@example.test"]).exit_code != 0
    assert _tokens_of(user)[0].revoked_at is None


def test_tokens_create_keeps_to_the_cap(runner, make):
    user = make.customer()
    for _ in range(MAX_ACTIVE_TOKENS):
        token_for(user)
    result = runner.invoke(args=["tokens", "create", user.email])
    assert result.exit_code != 0 and "Revoke one" in result.output
