"""The customer's and the staff's everyday pages on a phone (390×844), in English and in Arabic:
no page scrolls sideways, and the staff queue shows each case's link, status and assignee on
screen rather than in columns off to the side. Screenshots: test-artifacts/phone-<lang>-*.png.
"""

from datetime import timedelta

import pytest

from feedback.core.templating import STAFF_STATUS_LABELS
from feedback.core.time import utcnow
from feedback.extensions import db
from feedback.followups import services as followups
from feedback.ideas import services as ideas
from feedback.notices import services as notices
from tests.factories import browser_sign_in, make_notice

# The live server answers in threads of its own: they must see committed rows.
pytestmark = [pytest.mark.browser, pytest.mark.real_commits]

PHONE = {"width": 390, "height": 844}
SCROLL = "[document.documentElement.scrollWidth, window.innerWidth]"


@pytest.fixture
def label(_session_app):
    """A lazy label (STAFF_STATUS_LABELS …) as a page in ``lang`` shows it."""

    def text(lang: str, lazy) -> str:
        with _session_app.test_request_context(headers={"Accept-Language": lang}):
            return str(lazy)

    return text


def _phone(browser, base: str, user, lang: str):
    context = browser.new_context(viewport=PHONE, locale=lang)
    context.set_extra_http_headers({"Accept-Language": lang})
    page = context.new_page()
    browser_sign_in(page, base, user)
    return page


def _inside_viewport(page, locator) -> bool:
    box = locator.bounding_box()
    width, height = page.evaluate("[window.innerWidth, window.innerHeight]")
    return (
        box is not None
        and box["x"] >= 0
        and box["y"] >= 0
        and box["x"] + box["width"] <= width
        and (box["y"] + box["height"] <= height)
    )


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_pages_fit_a_phone_and_the_queue_shows_each_case(lang, live_server, browser, shot, make, label):
    customer = make.customer(name="Carla Customer")
    staff = make.staff(name="Samira Support-Haddad")
    manager = make.manager()
    customer.locale = staff.locale = lang
    db.session.commit()
    now = utcnow()
    # A case three days old: past what we promised, so the dashboard says we are late.
    late = make.rating(
        customer,
        csat=1,
        comment="Checkout fails since the update: "
        "https://shop.example.com/checkout/payment?session=9f8e7d6c5b4a3f2e1d0c\nSecond line.",
        now=now - timedelta(days=3),
    )
    followups.assign(late.followup, staff, staff, now - timedelta(days=3))
    followups.staff_reply(
        late.followup, staff, "We are looking into it — نحن نتحقق من ذلك.", now - timedelta(days=2)
    )
    make.rating(customer, csat=2, comment="E-mail is slow in the mornings.", now=now - timedelta(hours=1))
    make.rating(customer, csat=5, nps=10, category=None, comment="", now=now - timedelta(days=20))
    make_notice(
        manager,
        title="Kernel and hypervisor upgrade on vps-host-1.fra",
        starts=now + timedelta(days=2),
        ends=now + timedelta(days=2, hours=2),
        publish=True,
        now=now,
    )
    incident = make_notice(
        manager,
        kind="incident",
        title="Mail delayed",
        starts=now - timedelta(hours=1),
        ends=None,
        downtime=None,
        publish=True,
        now=now,
    )
    notices.add_update(incident, manager, "The queue is draining.", now)
    idea = ideas.post_idea(
        customer,
        title="Two-factor sign-in for the control panel, with hardware keys (FIDO2/WebAuthn)",
        description="Hardware keys: https://fidoalliance.org/specifications/download-webauthn-level-3-spec",
    )
    ideas.answer(idea, "Planned for spring — مخطط له", staff)
    db.session.commit()

    pages = {
        customer: {
            "dashboard": "/dashboard",
            "case": f"/cases/{late.followup.reference}",
            "ideas": "/ideas/",
            "idea": f"/ideas/{idea.id}",
        },
        staff: {"queue": "/queue/", "queue-case": f"/queue/{late.followup.reference}"},
    }
    wide, offscreen = {}, []
    for user, paths in pages.items():
        page = _phone(browser, live_server, user, lang)
        for name, path in paths.items():
            assert page.goto(f"{live_server}{path}").status == 200, path
            shot(page, f"phone-{lang}-{name}")
            scroll_width, viewport = page.evaluate(SCROLL)
            if scroll_width > viewport:
                wide[path] = scroll_width
            if name == "queue":
                link = page.get_by_role("link", name=late.followup.reference, exact=True)
                case = page.locator("tbody tr").filter(has=link)
                status = case.locator(".badge", has_text=label(lang, STAFF_STATUS_LABELS["open"]))
                assignee = case.get_by_text(staff.name)
                for what, locator in (("link", link), ("status", status), ("assignee", assignee)):
                    if not _inside_viewport(page, locator):
                        offscreen.append(what)
                if not offscreen:  # the whole card opens the case, not only its link
                    with page.expect_navigation():
                        assignee.click()
                    assert page.url.endswith(f"/queue/{late.followup.reference}")
        page.context.close()
    assert not wide, f"wider than the phone (390 px): {wide}"
    assert not offscreen, f"on the queue, the case's {', '.join(offscreen)} off screen"
