"""The Content-Security-Policy in a real browser: it is enforced (an injected script or style does
nothing, another site cannot frame a page), plotly draws and hovers under it with its stylesheet
served as a file, and the demo inbox shows a styled e-mail under the frame's own policy.

tests/e2e/test_accessibility.py holds every page of the axe sweep to the policy as well.
"""

from pathlib import Path
from types import SimpleNamespace

import pytest

from feedback.core.time import utcnow
from feedback.extensions import db
from feedback.mailer.services import queue_email
from tests.e2e.test_accessibility import CHARTS_DRAWN, RECORD_CSP_VIOLATIONS
from tests.factories import browser_sign_in

pytestmark = [pytest.mark.browser, pytest.mark.real_commits]

STATIC = Path(__file__).resolve().parents[2] / "static"


def _signed_in_page(browser, base: str, user):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(RECORD_CSP_VIOLATIONS)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    if user is not None:
        browser_sign_in(page, base, user)
    return page, errors


def _refused(page) -> list[str]:
    return page.evaluate("() => window.__cspViolations")


def test_injected_script_handlers_and_styles_do_nothing(live_server, browser):
    page, errors = _signed_in_page(browser, live_server, None)
    page.goto(f"{live_server}/login")
    ran = page.evaluate(
        """() => {
            window.__ran = [];
            const script = document.createElement("script");
            script.textContent = "window.__ran.push('script')";
            document.body.appendChild(script);
            document.body.insertAdjacentHTML("beforeend",
                '<img src="data:," onload="window.__ran.push(\\'handler\\')">' +
                '<p id="styled" style="color: rgb(255, 0, 0)">x</p>');
            return new Promise((done) => setTimeout(() => done({
                ran: window.__ran,
                colour: getComputedStyle(document.getElementById("styled")).color,
            }), 300));
        }"""
    )
    assert ran["ran"] == []
    assert ran["colour"] != "rgb(255, 0, 0)"
    refused = " ".join(_refused(page))
    assert "script-src-elem refused inline" in refused and "style-src-attr refused inline" in refused
    assert errors == []


def test_another_site_cannot_frame_a_page(live_server, browser):
    # localhost and 127.0.0.1 are different origins on the same live server.
    other_site = live_server.replace("127.0.0.1", "localhost")
    page, _errors = _signed_in_page(browser, other_site, None)
    page.goto(f"{other_site}/status")
    response = page.request.get(f"{live_server}/login")
    assert response.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    page.evaluate(
        """(url) => new Promise((done) => {
            const frame = document.createElement("iframe");
            frame.src = url;
            frame.onload = done;
            document.body.appendChild(frame);
            setTimeout(done, 3000);
        })""",
        f"{live_server}/login",
    )
    [framed] = [frame for frame in page.frames if frame is not page.main_frame]
    assert framed.url.startswith("chrome-error://"), framed.url  # Chromium's page for a refused frame


def test_plotly_stylesheet_file_matches_the_rules_plotly_inserts(browser):
    page = browser.new_page()  # about:blank: no policy, plotly.js inserts its <style> as usual
    page.add_script_tag(path=str(STATIC / "vendor" / "plotly" / "plotly.min.js"))
    inserted = page.evaluate(
        """() => [...document.getElementById("plotly.js-style-global").sheet.cssRules]
                 .map((r) => r.cssText)"""
    )
    ours = page.evaluate(
        """(text) => { const sheet = new CSSStyleSheet(); sheet.replaceSync(text);
                       return [...sheet.cssRules].map((r) => r.cssText); }""",
        (STATIC / "vendor" / "plotly" / "plotly.css").read_text(),
    )
    assert inserted, "plotly.js no longer inserts a global stylesheet: check reports/_plotly.html"
    assert ours == inserted, "regenerate static/vendor/plotly/plotly.css from this plotly.js"
    # Its map library's stylesheet is left out by the placeholder in reports/_plotly.html.
    template = (STATIC.parent / "templates" / "reports" / "_plotly.html").read_text()
    others = page.evaluate(
        """() => [...document.querySelectorAll("style")].map((s) => s.id)
                 .filter((id) => id !== "plotly.js-style-global")"""
    )
    assert all(f'id="{other}"' in template for other in others), others
    page.close()


def test_charts_draw_and_hover_under_the_policy(live_server, browser, make):
    manager, customer = make.manager(), make.customer()
    for csat in (5, 4, 1):
        make.rating(customer, csat=csat, nps=9, now=utcnow())
    db.session.commit()
    page, errors = _signed_in_page(browser, live_server, manager)
    page.goto(f"{live_server}/reports/satisfaction")
    page.wait_for_function(CHARTS_DRAWN, timeout=15_000)
    assert page.locator(".kt-chart").count() == 4
    # plotly's own rules apply from plotly.css: the mode bar floats over the chart's corner.
    assert (
        page.eval_on_selector("#chart-volume .modebar", "(el) => getComputedStyle(el).position") == "absolute"
    )
    page.locator("#chart-volume .nsewdrag").first.hover()  # scrolled into view, then its middle
    page.locator("#chart-volume .hoverlayer .hovertext, #chart-volume .hoverlayer .legend").first.wait_for(
        timeout=5_000
    )
    assert _refused(page) == [] and errors == []


def test_the_demo_inbox_shows_a_styled_mail_under_its_own_policy(
    live_server, browser, make, app, monkeypatch
):
    monkeypatch.setitem(app.config, "DEMO_INBOX", True)
    customer = make.customer(name="Carla Customer")
    receipt = {"fu": None, "promise": None, "feedback": SimpleNamespace(kind=SimpleNamespace(value="rating"))}
    mail = queue_email(customer, "surveys/received", "Thanks", context=receipt, now=utcnow())
    db.session.commit()
    page, errors = _signed_in_page(browser, live_server, customer)
    page.goto(f"{live_server}/inbox/{mail.id}")
    frame = page.frame_locator("iframe.mail-preview")
    frame.locator("body").wait_for()
    # The e-mail's inline styles apply inside the frame (its background is the mail's grey).
    assert (
        frame.locator("body").evaluate("(b) => getComputedStyle(b).backgroundColor") == "rgb(244, 245, 247)"
    )
    assert "Thank you for your feedback." in frame.locator("body").inner_text()
    response = page.request.get(f"{live_server}/inbox/{mail.id}/html")
    policy = response.headers["content-security-policy"]
    assert "sandbox" in policy and "script-src" not in policy and "default-src 'none'" in policy
    assert _refused(page) == [] and errors == []
