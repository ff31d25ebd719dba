"""The staff queue searched in a real browser, in English and in Arabic (screenshots
``queue-search-en`` and ``queue-search-ar`` under test-artifacts/): the box keeps what was typed,
only the matching cases are listed, a heading sorts, and Arabic is laid out right to left."""

import pytest

from feedback.core.time import utcnow
from feedback.extensions import db
from tests.factories import browser_sign_in

pytestmark = [pytest.mark.browser, pytest.mark.real_commits]


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_the_queue_searched(lang, live_server, browser, shot, make):
    staff = make.staff(name="Ana Ortega")
    staff.locale = lang
    elodie, omar = make.customer(name="Élodie Durand"), make.customer(name="عمر الفاروق")
    found = make.rating(elodie, csat=1, comment="Mail to Gmail bounces since Tuesday", now=utcnow()).followup
    also = make.rating(omar, csat=2, comment="البريد لا يصل إلى Gmail — mail bounces", now=utcnow()).followup
    other = make.rating(elodie, csat=2, comment="The control panel logs me out", now=utcnow()).followup
    db.session.commit()

    page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    browser_sign_in(page, live_server, staff)
    page.goto(f"{live_server}/queue/")
    page.fill("input[name=q]", "gmail bounces")
    with page.expect_navigation():
        page.press("input[name=q]", "Enter")
    assert page.input_value("input[name=q]") == "gmail bounces"
    listed = page.locator("tbody a[href^='/queue/']").all_inner_texts()
    assert sorted(listed) == sorted([found.reference, also.reference]) and other.reference not in listed
    with page.expect_navigation():
        page.locator("thead th a").nth(2).click()  # the customer heading
    assert page.locator("thead th[aria-sort=ascending]").count() == 1
    assert page.input_value("input[name=q]") == "gmail bounces"
    assert page.evaluate("document.documentElement.dir") == ("rtl" if lang == "ar" else "ltr")
    shot(page, f"queue-search-{lang}")
