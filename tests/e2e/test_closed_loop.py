"""The closed loop in a real browser: a CSAT 1 reaches staff, staff answer, the customer sees it."""

from datetime import timedelta

import pytest

from feedback.core.time import utcnow
from tests.factories import give_code_if_asked

# The live server answers in threads of its own: they must see committed rows.
pytestmark = [pytest.mark.browser, pytest.mark.real_commits]


def _sign_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill("password123")
    page.get_by_role("button", name="Sign in").click()
    give_code_if_asked(page, email)


def test_customer_rating_reaches_staff_and_the_reply_comes_back(live_server, browser, shot, make):
    customer = make.customer(name="Carla Customer")
    make.staff(name="Sam Staff", email="sam@example.test")
    # An older, calmer case already in the queue: the new CSAT 1 must still go above it.
    make.rating(
        make.customer(), csat=3, nps=4, comment="Panel is a bit slow", now=utcnow() - timedelta(hours=2)
    )

    cust = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    _sign_in(cust, live_server, customer.email)
    cust.locator("label", has_text="1 — Very unsatisfied").click()
    cust.get_by_label("What is it about?").select_option("support")
    cust.get_by_label("Comment").fill("My shop has been returning errors since this morning.")
    shot(cust, "01-customer-dashboard-filled")
    cust.get_by_role("button", name="Send feedback").click()
    cust.get_by_text("We opened a case").first.wait_for()
    assert "We'll answer by" in cust.content()
    case_url = cust.url

    staff = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    _sign_in(staff, live_server, "sam@example.test")
    first_row = staff.locator("table tbody tr").first
    assert "My shop has been returning errors" in first_row.inner_text()
    shot(staff, "02-staff-queue")
    first_row.get_by_role("link").first.click()
    staff.get_by_label("Reply to the customer").fill("Sorry! We restarted PHP-FPM; the shop answers again.")
    staff.get_by_role("button", name="Send public reply").click()
    staff.get_by_text("Reply sent to the customer.").wait_for()
    shot(staff, "03-staff-case")

    cust.goto(case_url)
    cust.get_by_text("We restarted PHP-FPM").wait_for()
    assert "Sam Staff from our team replied" in cust.content()
    assert "Our next update by" in cust.content()
    shot(cust, "04-customer-sees-reply")
