"""Sign-up in a real browser, in English and in Arabic, on a desktop and a phone: the time zone
starts at the browser's own, the answer is "check your inbox", the e-mailed link finishes the
account, and the customer signs in. Screenshots of each step go to test-artifacts/."""

import re

import pytest
from flask_babel import gettext
from sqlalchemy import select

from feedback.extensions import db
from feedback.mailer.models import OutboxMessage

# The live server answers in threads of its own: they must see committed rows.
pytestmark = [pytest.mark.browser, pytest.mark.real_commits]

LINK = re.compile(r"http://kontento\.test(/account/link/[A-Za-z0-9_-]+)")
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_a_visitor_signs_up_confirms_and_signs_in(live_server, browser, shot, _session_app, lang):
    def t(text: str) -> str:
        with _session_app.test_request_context(headers={"Accept-Language": lang}):
            return gettext(text)

    context = browser.new_context(
        viewport=VIEWPORTS["desktop"], timezone_id="Asia/Tokyo", extra_http_headers={"Accept-Language": lang}
    )
    page = context.new_page()
    page.goto(f"{live_server}/signup")
    assert page.input_value("#timezone") == "Asia/Tokyo"  # static/js/timezone.js, from the browser
    assert page.locator("#timezones option").count() > 300  # the list to search
    shot(page, f"signup-{lang}-desktop")
    page.set_viewport_size(VIEWPORTS["phone"])
    shot(page, f"signup-{lang}-phone")
    page.set_viewport_size(VIEWPORTS["desktop"])

    email = f"newcomer-{lang}@example.com"
    page.get_by_label(t("Your name")).fill("Ada Newcomer")
    page.get_by_label(t("E-mail")).fill(email)
    page.get_by_role("button", name=t("Send me the link")).click()
    page.wait_for_url("**/signup/sent")
    assert page.get_by_role("heading", name=t("Check your inbox")).is_visible()
    assert email in page.content()
    shot(page, f"signup-sent-{lang}-desktop")
    page.set_viewport_size(VIEWPORTS["phone"])
    shot(page, f"signup-sent-{lang}-phone")
    page.set_viewport_size(VIEWPORTS["desktop"])

    db.session.expire_all()
    mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.to_email == email))
    assert mail.kind == "signup/confirm"
    (path,) = set(LINK.findall(mail.body_text))
    page.goto(f"{live_server}{path}")
    assert page.input_value("#timezone") == "Asia/Tokyo"
    page.get_by_label(t("Password"), exact=True).fill("correct-horse-battery")
    page.get_by_label(t("Repeat password")).fill("correct-horse-battery")
    shot(page, f"signup-link-{lang}-desktop")
    page.get_by_role("button", name=t("Save and go on")).click()
    page.wait_for_url("**/login")

    page.get_by_label(t("E-mail")).fill(email)
    page.get_by_label(t("Password")).fill("correct-horse-battery")
    page.get_by_role("button", name=t("Sign in")).click()
    page.wait_for_url("**/dashboard")
    context.close()
