"""Keyboard only: skip link first, fields in reading order, and a whole rating without a mouse."""

import pytest

from feedback.extensions import db
from feedback.surveys.models import Feedback

# The live server answers in threads of its own: they must see committed rows.
pytestmark = [pytest.mark.browser, pytest.mark.real_commits]


def _focused(page) -> str:
    """A short description of the focused element: tag, name and type."""
    return page.evaluate(
        "() => { const e = document.activeElement;"
        " return [e.tagName.toLowerCase(), e.name || '', e.type || ''].join(':') }"
    )


def _tab_to(page, wanted: str, limit: int = 30) -> int:
    """Press Tab until the focused element is ``wanted``; return how many presses it took."""
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        if _focused(page) == wanted:
            return presses
    raise AssertionError(f"{wanted} not reached in {limit} Tabs; stopped on {_focused(page)}")


def test_a_customer_signs_in_and_rates_with_the_keyboard_alone(live_server, browser, make):
    customer = make.customer()
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.goto(f"{live_server}/login")

    first = page.evaluate("document.querySelector('a[href], button, input, select, textarea').outerHTML")
    assert 'href="#main"' in first  # the skip link is the first stop
    assert _focused(page) == "input:email:email"  # the sign-in page starts in its first field
    page.keyboard.type(customer.email)
    page.keyboard.press("Tab")
    assert _focused(page) == "input:password:password"
    page.keyboard.type("password123")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    _tab_to(page, "input:r-csat:radio")  # the first choice of the satisfaction scale
    for _ in range(4):  # arrows move through the group: 5 → 4 → 3 → 2 → 1
        page.keyboard.press("ArrowRight")
    assert page.evaluate("document.activeElement.value") == "1"
    _tab_to(page, "select:r-category:select-one")
    page.keyboard.press("ArrowDown")  # the next area after the first
    _tab_to(page, "textarea:r-comment:textarea")
    page.keyboard.type("Typed without a mouse.")
    _tab_to(page, "button::submit")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    page.get_by_text("We opened a case").first.wait_for()
    db.session.expire_all()
    stored = db.session.scalar(db.select(Feedback).where(Feedback.customer_id == customer.id))
    assert (stored.csat, stored.comment) == (1, "Typed without a mouse.")
