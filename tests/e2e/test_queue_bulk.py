"""The queue's bulk bar and saved views in a browser: on a phone (390×844) two cases ticked on
their cards (the tick does not open the case) and resolved in one go; on a desktop "select all
on this page" and a saved view. Screenshots: test-artifacts/queue-bulk-<lang>-*.png."""

from datetime import timedelta

import pytest

from feedback.core.time import utcnow
from feedback.extensions import db
from feedback.followups import saved_views
from feedback.followups.models import Followup, FollowupStatus
from feedback.followups.queries import QueueFilter
from tests.factories import browser_sign_in

pytestmark = [pytest.mark.browser, pytest.mark.real_commits]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def _cases(make, n: int = 4) -> list[Followup]:
    customer = make.customer(name="Carla Customer")
    now = utcnow() - timedelta(minutes=30)
    comments = ["The site is down", "Mail bounces", "Slow control panel", "Invoice is wrong", "DNS"]
    return [make.rating(customer, csat=2, comment=comments[n % 5], now=now).followup for n in range(n)]


def _page(browser, base: str, user, viewport: dict, lang: str):
    context = browser.new_context(viewport=viewport, locale=lang)
    context.set_extra_http_headers({"Accept-Language": lang})
    page = context.new_page()
    browser_sign_in(page, base, user)
    return page


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_tick_two_cards_on_a_phone_and_resolve_them(lang, live_server, browser, shot, make):
    staff = make.staff(name="Samira Support")
    saved_views.save_view(staff, "Mine, newest", QueueFilter(mine=True, sort="-opened"))
    db.session.commit()
    first, second, third, _fourth = _cases(make)
    page = _page(browser, live_server, staff, PHONE, lang)
    page.goto(f"{live_server}/queue/")
    assert page.locator("#queue-news").is_hidden()  # nothing new yet: no "refresh" line
    shot(page, f"queue-bulk-{lang}-phone")
    # The card's checkbox and the space beside it tick the case; neither leaves the queue.
    page.locator(f"#pick-{first.id}").click()
    page.locator(f"#pick-{second.id}").locator("xpath=..").click(position={"x": 2, "y": 2})
    assert page.url.endswith("/queue/")
    assert page.locator(f"#pick-{second.id}").is_checked()
    assert page.locator("[data-bulk-count]").inner_text().endswith("2")
    bar = page.locator("#bulk-form")
    box = bar.bounding_box()
    assert box["y"] + box["height"] <= PHONE["height"] + 1  # held at the bottom of the screen
    assert page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]") == [390, 390]
    shot(page, f"queue-bulk-{lang}-phone-ticked")
    bar.locator("button[value=resolve]").click()
    page.wait_for_load_state()
    assert page.locator(".alert-success").count() == 1
    if lang == "en":
        assert "2 cases updated." in page.locator(".alert-success").inner_text()
    db.session.expire_all()
    statuses = {fu.id: db.session.get(Followup, fu.id).status for fu in (first, second, third)}
    assert statuses == {
        first.id: FollowupStatus.RESOLVED,
        second.id: FollowupStatus.RESOLVED,
        third.id: FollowupStatus.OPEN,
    }


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_select_all_and_the_views_on_a_desktop(lang, live_server, browser, shot, make):
    staff = make.staff(name="Samira Support")
    saved_views.save_view(staff, "Unassigned, oldest first", QueueFilter(unassigned=True, sort="-opened"))
    db.session.commit()
    cases = _cases(make, 3)
    page = _page(browser, live_server, staff, DESKTOP, lang)
    page.goto(f"{live_server}/queue/")
    buttons = page.locator("#bulk-form button[name=action]")
    assert all(buttons.nth(i).is_disabled() for i in range(buttons.count()))  # until a case is ticked
    page.locator("#bulk-all").check()
    assert all(page.locator(f"#pick-{fu.id}").is_checked() for fu in cases)
    assert page.locator("[data-bulk-count]").inner_text().endswith("3")
    page.locator(f"#pick-{cases[0].id}").uncheck()
    assert page.evaluate("document.getElementById('bulk-all').indeterminate")
    page.locator("details.saved-views-manage > summary").click()
    shot(page, f"queue-bulk-{lang}-desktop")
    page.fill("#view-name", "Triage")
    page.locator("details.saved-views-manage form button[type=submit]").first.click()
    page.wait_for_load_state()
    assert page.locator("nav a[aria-current=page]").inner_text() == "Triage"
