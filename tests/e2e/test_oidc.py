"""Sign in with the billing panel in a real browser, against the test OpenID provider
(tests/oidc_provider.py): the button on the sign-in page, the trip to the provider and back, the
customer's dashboard; and a refusal page. English and Arabic, desktop and phone; screenshots of
each go to test-artifacts/."""

import pytest
from flask_babel import gettext
from sqlalchemy import select

from feedback.auth.models import User
from feedback.extensions import db
from tests.oidc_provider import Account

# The live server answers in threads of its own: they must see committed rows.
pytestmark = [pytest.mark.browser, pytest.mark.real_commits]

VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


@pytest.fixture
def provider_for_live_server(oidc, live_server, app, monkeypatch):
    """The test provider, sending browsers back to the live server."""
    monkeypatch.setitem(app.config, "BASE_URL", live_server)
    oidc.redirect_uris = [f"{live_server}/login/sso/callback"]
    return oidc


def _shots(page, shot, name: str) -> None:
    shot(page, f"{name}-desktop")
    page.set_viewport_size(VIEWPORTS["phone"])
    shot(page, f"{name}-phone")
    page.set_viewport_size(VIEWPORTS["desktop"])


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_a_customer_signs_in_with_the_billing_panel(
    live_server, browser, shot, _session_app, provider_for_live_server, lang
):
    def t(text: str, **values) -> str:
        with _session_app.test_request_context(headers={"Accept-Language": lang}):
            return gettext(text, **values)

    email = f"nour-{lang}@example.com"
    provider_for_live_server.signed_in = Account(sub=f"whmcs-{lang}", email=email, name="Nour Haddad")
    context = browser.new_context(viewport=VIEWPORTS["desktop"], extra_http_headers={"Accept-Language": lang})
    page = context.new_page()

    page.goto(f"{live_server}/login?next=/ideas/")
    button = page.get_by_role("link", name=t("Sign in with %(name)s", name="Demo Billing"))
    assert button.is_visible()
    _shots(page, shot, f"oidc-login-{lang}")
    button.click()
    page.wait_for_url(f"{live_server}/ideas/")  # there and back, to the page asked for

    assert "Nour Haddad" in page.content()
    db.session.expire_all()
    nour = db.session.scalar(select(User).where(User.email == email))
    assert nour.active and nour.email_verified_at is not None and nour.account is None
    context.close()


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_a_refusal_is_a_page_that_says_what_to_do(
    live_server, browser, shot, _session_app, provider_for_live_server, lang
):
    def t(text: str, **values) -> str:
        with _session_app.test_request_context(headers={"Accept-Language": lang}):
            return gettext(text, **values)

    provider_for_live_server.signed_in = Account(
        sub=f"unverified-{lang}", email=f"unverified-{lang}@example.com", email_verified=False
    )
    context = browser.new_context(viewport=VIEWPORTS["desktop"], extra_http_headers={"Accept-Language": lang})
    page = context.new_page()

    page.goto(f"{live_server}/login")
    page.get_by_role("link", name=t("Sign in with %(name)s", name="Demo Billing")).click()
    page.wait_for_url(f"{live_server}/login/sso/callback?*")

    heading = t("Sign-in with %(provider)s did not work", provider="Demo Billing")
    assert page.get_by_role("heading", name=heading).is_visible()
    assert page.get_by_role("link", name=t("Sign in with your password")).is_visible()
    _shots(page, shot, f"oidc-refused-{lang}")
    assert page.evaluate("() => document.documentElement.dir") == ("rtl" if lang == "ar" else "ltr")
    context.close()
