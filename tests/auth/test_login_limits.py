"""Sign-in limits count failed sign-ins only: per account and address, per account (softer,
waived for a browser that signed in before), and per address."""

import pytest

from feedback.auth.limits import KNOWN_BROWSER_COOKIE

from ..factories import PASSWORD

OFFICE = "203.0.113.7"  # a support office: everyone behind one address


def _post(client, email: str, password: str, address: str = OFFICE, **kwargs):
    return client.post(
        "/login", data={"email": email, "password": password}, environ_base={"REMOTE_ADDR": address}, **kwargs
    )


def test_a_whole_office_signs_in_from_one_address_at_shift_start(app, make):
    team = [make.staff() for _ in range(12)]
    codes = []
    for _round in range(3):  # 36 sign-ins in well under a minute, plus signing out between
        for user in team:
            client = app.test_client()
            codes.append(_post(client, user.email, PASSWORD).status_code)
            client.post("/logout")
    assert codes == [302] * 36


def test_failures_lock_the_account_from_that_address_only(app, make):
    ada, bob = make.customer(), make.customer()
    attacker = app.test_client()
    assert [_post(attacker, ada.email, "wrong-guess").status_code for _ in range(5)] == [401] * 5

    locked = _post(attacker, ada.email, PASSWORD)  # even the right password now
    assert locked.status_code == 429
    retry = int(locked.headers["Retry-After"])
    assert 60 < retry <= 15 * 60
    html = locked.get_data(as_text=True)
    assert "Too many failed sign-ins. Try again in 15 minutes." in html
    assert 'name="email"' in html and ada.email in html  # the form, with what they typed

    # The same account from another address, and another account from this one, sign in.
    assert _post(app.test_client(), ada.email, PASSWORD, address="198.51.100.20").status_code == 302
    assert _post(app.test_client(), bob.email, PASSWORD).status_code == 302


def test_typos_before_a_successful_sign_in_are_forgiven(app, make):
    ada = make.customer()
    for _ in range(3):
        client = app.test_client()
        assert [_post(client, ada.email, "typo").status_code for _ in range(4)] == [401] * 4
        assert _post(client, ada.email, PASSWORD).status_code == 302
        client.post("/logout")
    # 12 failures in all, but each success from this address forgave the typos before it.
    assert _post(app.test_client(), ada.email, "typo").status_code == 401


def test_the_lockout_page_is_translated(app, make):
    ada = make.customer()
    client = app.test_client()
    for _ in range(5):
        _post(client, ada.email, "wrong-guess")
    locked = _post(client, ada.email, "wrong-guess", headers={"Accept-Language": "eo"})
    assert locked.status_code == 429
    assert "Tro da malsukcesaj ensalutoj" in locked.get_data(as_text=True)


def test_spread_out_guessing_is_throttled_per_account_but_not_for_its_own_browser(app, make, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_EMAIL_RATE_LIMIT", "3 per hour")
    ada = make.customer()
    own = app.test_client()
    assert _post(own, ada.email, PASSWORD, address="192.0.2.1").status_code == 302
    assert own.get_cookie(KNOWN_BROWSER_COOKIE, path="/login") is not None
    own.post("/logout")

    codes = [
        _post(app.test_client(), ada.email, "guess", address=f"10.0.0.{n}").status_code for n in range(1, 5)
    ]
    assert codes == [401, 401, 401, 429]
    # A stranger with the right password waits; Ada's own browser, from anywhere, does not.
    assert _post(app.test_client(), ada.email, PASSWORD, address="10.0.0.9").status_code == 429
    assert _post(own, ada.email, PASSWORD, address="10.0.0.10").status_code == 302


def test_a_known_browser_cookie_cannot_be_made_up_or_reused_for_another_account(app, make, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_EMAIL_RATE_LIMIT", "1 per hour")
    ada, bob = make.customer(), make.customer()
    browser = app.test_client()
    assert _post(browser, ada.email, PASSWORD).status_code == 302
    browser.post("/logout")
    assert _post(app.test_client(), bob.email, "guess", address="10.0.0.1").status_code == 401
    assert _post(browser, bob.email, PASSWORD, address="10.0.0.2").status_code == 429  # known for Ada only
    forged = app.test_client()
    forged.set_cookie(KNOWN_BROWSER_COOKIE, "0" * 24, path="/login")
    assert _post(forged, bob.email, PASSWORD, address="10.0.0.3").status_code == 429


def test_one_address_trying_many_accounts_is_capped(app, make):
    victims = [make.customer() for _ in range(31)]
    client = app.test_client()
    codes = [_post(client, v.email, "Summer2026!").status_code for v in victims]
    assert codes == [401] * 30 + [429]
    # Other addresses are not affected.
    assert _post(app.test_client(), victims[-1].email, PASSWORD, address="198.51.100.1").status_code == 302


@pytest.mark.parametrize("data", [{"email": "", "password": ""}, {"email": "x@example.test"}])
def test_an_incomplete_form_costs_nothing(app, make, data):
    ada = make.customer()
    client = app.test_client()
    for _ in range(10):
        assert client.post("/login", data=data, environ_base={"REMOTE_ADDR": OFFICE}).status_code == 400
    assert _post(client, ada.email, PASSWORD).status_code == 302
