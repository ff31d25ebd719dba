"""The open queue page announces a new critical case in a real browser (static/js/queue_news.js)."""

import pytest

from feedback.core.time import utcnow
from feedback.extensions import db
from tests.factories import browser_sign_in

pytestmark = [pytest.mark.browser, pytest.mark.real_commits]


def test_the_page_announces_a_new_critical_case(live_server, browser, make):
    staff = make.staff(name="Sam Support")
    db.session.commit()
    page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    browser_sign_in(page, live_server, staff)
    page.goto(f"{live_server}/queue/")
    assert page.locator("#queue-critical").is_hidden()
    fu = make.rating(make.customer(name="Ada Byron"), csat=1, category="uptime", now=utcnow()).followup
    db.session.commit()
    # The page asks again when it is looked at (and every 30 s): no waiting for the timer here.
    page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    page.locator("#queue-critical a").wait_for(timeout=5000)
    assert (
        page.locator("#queue-critical a").inner_text() == f"New critical case {fu.reference} from Ada Byron"
    )
    assert page.locator("#queue-critical").get_attribute("role") == "alert"
    assert "1 new case since you opened this page." in page.locator("#queue-news").inner_text()
