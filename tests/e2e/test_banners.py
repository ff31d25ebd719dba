"""Site-wide banners can be closed, in a real browser: a closed notice banner stays closed on
every page until its notice changes, the managers' held-mail banner until the browser session
ends, and without JavaScript a banner simply stays (no button that would do nothing)."""

from datetime import timedelta

import pytest

from feedback.core.time import utcnow
from feedback.extensions import db
from feedback.notices import services as notices
from tests.factories import browser_sign_in, make_notice

# The live server answers in threads of its own: they must see committed rows.
pytestmark = [pytest.mark.browser, pytest.mark.real_commits]


def _context(browser, lang: str = "en", phone: bool = True, **options):
    size = {"width": 390, "height": 844} if phone else {"width": 1280, "height": 800}
    context = browser.new_context(viewport=size, locale=lang, **options)
    context.set_extra_http_headers({"Accept-Language": lang})
    return context


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_a_closed_notice_banner_stays_closed_until_its_notice_changes(lang, live_server, browser, shot, make):
    customer, manager = make.customer(), make.manager()
    customer.locale = lang
    db.session.commit()
    now = utcnow()
    upgrade = make_notice(
        manager,
        title="Kernel upgrade",
        starts=now + timedelta(days=1),
        ends=now + timedelta(days=1, hours=2),
        publish=True,
        now=now,
    )
    make_notice(
        manager,
        kind="incident",
        title="Mail delayed",
        starts=now - timedelta(hours=1),
        ends=None,
        downtime=None,
        publish=True,
        now=now,
    )
    page = _context(browser, lang).new_page()
    browser_sign_in(page, live_server, customer)
    page.goto(f"{live_server}/dashboard")
    maintenance = page.locator(".notice-banner", has_text="Kernel upgrade")
    incident = page.locator(".notice-banner", has_text="Mail delayed")
    assert maintenance.is_visible() and incident.is_visible()
    close = maintenance.locator("button[data-dismiss]")
    assert close.is_visible()
    box = close.bounding_box()
    assert box["width"] >= 32 and box["height"] >= 32  # a finger-sized target on a phone
    close.click()
    assert maintenance.is_hidden() and incident.is_visible()
    assert page.evaluate("document.activeElement.closest('.notice-banner')") is not None  # on to the next one
    shot(page, f"banners-{lang}-01-one-closed")

    for path in ("/ideas/", "/dashboard"):  # other pages, and the same one again
        page.goto(f"{live_server}{path}")
        assert page.locator(".notice-banner", has_text="Kernel upgrade").is_hidden(), path
        assert page.locator(".notice-banner", has_text="Mail delayed").is_visible(), path

    # News about the window: the banner is back, until closed again.
    notices.add_update(upgrade, manager, "Moved by an hour.", now)
    db.session.commit()
    page.reload()
    assert maintenance.is_visible()
    maintenance.locator("button[data-dismiss]").click()
    incident.locator("button[data-dismiss]").click()
    assert page.locator("section[data-banners]").is_hidden()  # no empty gap left behind
    page.goto(f"{live_server}/ideas/")
    assert (
        page.locator(".notice-banner").count() == 2 and not page.locator(".notice-banner").first.is_visible()
    )
    shot(page, f"banners-{lang}-02-all-closed")
    page.context.close()

    # Without JavaScript the banners stay, and no button offers what it cannot do.
    page = _context(browser, lang, java_script_enabled=False).new_page()
    browser_sign_in(page, live_server, customer)
    page.goto(f"{live_server}/dashboard")
    banners = page.locator(".notice-banner")
    assert banners.count() == 2 and all(banners.nth(i).is_visible() for i in range(2))
    assert page.locator(".notice-banner button:visible").count() == 0
    page.context.close()


def test_the_held_mail_banner_can_be_closed_for_the_browser_session(
    live_server, browser, make, _session_app, monkeypatch
):
    monkeypatch.setitem(_session_app.config, "MAIL_SERVER", None)  # mail is held: managers see the banner
    manager = make.manager()
    context = _context(browser, phone=False)
    page = context.new_page()
    browser_sign_in(page, live_server, manager)
    page.goto(f"{live_server}/queue/")
    banner = page.locator("#mail-held-banner")
    assert banner.is_visible()
    banner.locator("button[data-dismiss]").click()
    assert banner.is_hidden()
    page.goto(f"{live_server}/settings/")
    assert page.locator("#mail-held-banner").count() == 1 and page.locator("#mail-held-banner").is_hidden()
    context.close()

    page = _context(browser, phone=False).new_page()  # another browser session
    browser_sign_in(page, live_server, manager)
    page.goto(f"{live_server}/queue/")
    assert page.locator("#mail-held-banner").is_visible()
    page.context.close()
