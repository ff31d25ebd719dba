"""axe-core (from the npm registry, see package.json) over every page, in English, Esperanto
and Arabic: no serious or critical violation. A JSON report per language goes to test-artifacts/.

The same sweep holds every page to the Content-Security-Policy the app sends (enforced, not
report-only): no page may trigger a single violation or script error, and report pages must
draw their charts under it.
"""

import io
import json
from datetime import timedelta
from pathlib import Path

import pytest

from feedback.auth.models import User
from feedback.auth.services import create_api_token
from feedback.core.time import utcnow
from feedback.extensions import db
from feedback.ideas import services as ideas
from feedback.ideas.models import IdeaStatus
from feedback.lifecycle.imports import queue_import, run_queued
from feedback.mailer.models import OutboxMessage
from feedback.signup import services as signup
from feedback.signup.models import LinkPurpose
from feedback.worker.jobs import run_job
from tests.e2e.conftest import ARTIFACTS
from tests.factories import browser_sign_in, csv_bytes, history, make_notice, unavailable

# The live server answers in threads of its own: they must see committed rows.
pytestmark = [pytest.mark.browser, pytest.mark.real_commits]

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")


def _pages(ids: dict) -> dict[str, list[str]]:
    """Every HTML page, by who may see it."""
    return {
        "anonymous": [
            "/login",
            "/signup",
            "/signup/sent",
            "/account/new-link",
            f"/account/link/{ids['link']}",
            "/status",
        ],
        "customer": [
            "/dashboard",
            "/preferences",
            f"/feedback/{ids['feedback']}",
            "/ideas/",
            "/ideas/new",
            f"/ideas/{ids['idea']}",
            "/ideas/changelog",
            "/sessions/",
            "/account",
            "/account/password",
            "/account/tokens",
        ],
        # The manager between the password and the code: the sign-in's second step.
        "halfway": ["/login/two-factor"],
        "staff": [
            "/account/two-factor",  # not set up yet: the QR code and the key
            "/queue/",
            f"/queue/{ids['followup']}",
            "/renewals/",
            "/staff/ideas/",
            f"/staff/ideas/{ids['idea']}",
            f"/staff/ideas/{ids['duplicate']}/merge?keep={ids['idea']}",
            "/account",
            "/account/password",
        ],
        "manager": [
            "/account/two-factor",  # on: recovery codes left, new ones
            "/reports/ideas",
            "/reports/ideas/ranking",
            "/settings/ideas/",
            "/reports/satisfaction",
            "/reports/support",
            "/reports/retention",
            "/settings/",
            "/settings/sla",
            "/settings/rules",
            "/settings/rules/new",
            "/settings/categories",
            "/settings/users",
            "/settings/surveys",
            "/settings/signup",
            "/settings/customers/",
            "/settings/tokens/",
            "/settings/brand/",
            "/notices/",
            "/notices/new",
            f"/notices/{ids['notice']}",
            "/outbox/",
            f"/outbox/{ids['message']}",
            "/imports/",
            f"/imports/{ids['import']}",
            f"/imports/{ids['rejected_import']}",
        ],
    }


def _signup_link(lang: str) -> str:
    """A link that finishes a sign-up: the page with name, time zone and password."""
    signup.sign_up("newcomer@example.com", "Nour Newcomer", "UTC", lang, utcnow())
    newcomer = db.session.scalar(db.select(User).where(User.email == "newcomer@example.com"))
    token = signup.send_link(newcomer, LinkPurpose.SIGNUP, utcnow())
    db.session.commit()
    return token


@pytest.fixture
def axe_source() -> str:
    if not AXE.exists():
        unavailable(f"{AXE} is missing: run `npm ci` (make test does)", "KONTENTO_REQUIRE_BROWSER")
    return AXE.read_text()


# Before any of the page's own scripts: note every CSP violation the page reports.
RECORD_CSP_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => window.__cspViolations.push(
    `${e.effectiveDirective} refused ${e.blockedURI || "inline"} at ${e.sourceFile}:${e.lineNumber}`));
"""
CHARTS_DRAWN = (
    "() => [...document.querySelectorAll('.kt-chart')].every((d) => d.querySelector('svg.main-svg'))"
)


def _violations(page) -> list[dict]:
    # axe comes in as an init script (tests/e2e's contexts add it): the page's policy refuses
    # inline scripts, so it cannot be added as a <script> element.
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"], "at": [n["target"] for n in v["nodes"][:5]]}
        for v in result["violations"]
        if v["impact"] in BLOCKING
    ]


@pytest.mark.parametrize("lang", ["en", "eo", "ar"])
def test_no_page_has_a_serious_accessibility_violation(lang, live_server, browser, make, axe_source):
    customer, staff, manager = make.customer(name="Carla Customer"), make.staff(), make.manager()
    for user in (customer, staff, manager):
        user.locale = lang
    db.session.commit()
    fb = make.rating(customer, csat=1, comment="Slow since Tuesday — ما زال بطيئًا", now=utcnow())
    create_api_token(customer, "Hosting panel — لوحة الاستضافة")  # a row on /account/tokens and Settings
    run_job("feedback_receipts", utcnow(), claim=False)
    # Under way now, for two hours (two utcnow() calls can return the same instant).
    starts = utcnow()
    notice = make_notice(manager, title="Kernel upgrade", starts=starts, ends=starts + timedelta(hours=2))
    idea = ideas.post_idea(customer, title="Daily off-site backups", description="In another data centre.")
    duplicate = ideas.post_idea(customer, title="Backups in a second place")
    ideas.answer(idea, "Planned for spring — مخطط له", staff)
    ideas.set_status(idea, IdeaStatus.DONE, staff, changelog="Every plan keeps a daily copy elsewhere.")
    imported, rejected = (
        queue_import(io.BytesIO(csv_bytes(*rows)), "whmcs.csv", manager, utcnow(), lang)
        for rows in (history(customer.email), ["nobody@example.test,7,VPS,started,2025-01-01,9.90,Monthly"])
    )
    db.session.commit()
    run_queued(utcnow())
    ids = {
        "feedback": fb.id,
        "followup": fb.followup.id,
        "notice": notice.id,
        "idea": idea.id,
        "duplicate": duplicate.id,
        "message": db.session.scalar(db.select(OutboxMessage.id)),
        "link": _signup_link(lang),
        "import": imported.id,
        "rejected_import": rejected.id,
    }
    found, csp_found, charts = {}, {}, {}
    for who, paths in _pages(ids).items():
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale=lang)
        context.set_extra_http_headers({"Accept-Language": lang})
        context.add_init_script(RECORD_CSP_VIOLATIONS)
        context.add_init_script(axe_source)
        page = context.new_page()
        script_errors = []
        page.on("pageerror", lambda error, errors=script_errors: errors.append(str(error)))
        if who != "anonymous":
            user = {"customer": customer, "staff": staff, "manager": manager, "halfway": manager}[who]
            browser_sign_in(page, live_server, user, code=who != "halfway")
        for path in paths:
            response = page.goto(f"{live_server}{path}")
            expected = 422 if path == f"/imports/{ids['rejected_import']}" else 200  # its lines were refused
            assert response.status == expected, (who, path, response.status)
            headers = response.headers
            assert "script-src 'self'" in headers.get("content-security-policy", ""), path  # enforced
            assert "content-security-policy-report-only" not in headers, path
            charts[path] = page.locator(".kt-chart").count()
            if charts[path]:
                page.wait_for_function(CHARTS_DRAWN, timeout=15_000)
            violations = _violations(page)
            if violations:
                found[path] = violations
            refused = page.evaluate("() => window.__cspViolations") + script_errors
            if refused:
                csp_found[path] = refused
            script_errors.clear()
        context.close()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"axe-{lang}.json").write_text(json.dumps(found, indent=1, ensure_ascii=False))
    assert not found, json.dumps(found, indent=1, ensure_ascii=False)[:3000]
    assert not csp_found, json.dumps(csp_found, indent=1, ensure_ascii=False)[:3000]
    # The pages with data to chart drew every chart (waited for above) under the policy.
    assert all(charts[path] for path in ("/reports/satisfaction", "/reports/support", "/reports/ideas")), (
        charts
    )


@pytest.mark.parametrize("lang", ["en", "eo", "ar"])
def test_sign_in_with_the_billing_panel_has_no_serious_violation(
    lang, live_server, browser, oidc, axe_source
):
    """With OIDC configured (off above): the sign-in page with its button, and a refusal page."""
    pages = {"/login": 200, "/login/sso/callback": 400}  # no state: refused, with its page
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale=lang)
    context.set_extra_http_headers({"Accept-Language": lang})
    context.add_init_script(RECORD_CSP_VIOLATIONS)
    context.add_init_script(axe_source)
    page = context.new_page()
    found, csp_found = {}, {}
    for path, status in pages.items():
        response = page.goto(f"{live_server}{path}")
        assert response.status == status, (path, response.status)
        assert page.locator("main h1").count() == 1, path
        if violations := _violations(page):
            found[path] = violations
        if refused := page.evaluate("() => window.__cspViolations"):
            csp_found[path] = refused
    context.close()
    assert not found, json.dumps(found, indent=1, ensure_ascii=False)[:3000]
    assert not csp_found, csp_found


# A host's brand colour replaces Bootstrap's blue in the navigation bar, buttons and links: the
# settings refuse a colour under 4.5:1, so a branded page passes axe's contrast rules too.
BRANDED_PAGES = {
    "anonymous": ["/login", "/status"],
    "customer": ["/dashboard", "/ideas/", "/preferences"],
    "manager": ["/settings/brand/", "/settings/sla"],
}
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
@pytest.mark.parametrize("lang", ["en", "eo", "ar"])
def test_branded_pages_keep_their_contrast(lang, viewport, live_server, browser, make, axe_source):
    from feedback.brand.services import BrandValues, save_brand, set_logo
    from feedback.demo.brand import demo_logo_png

    customer, manager = make.customer(name="Carla Customer"), make.manager()
    for user in (customer, manager):
        user.locale = lang
    # The lightest colour the settings take for white text and links (4.5:1 on #f8f9fa, a hair over).
    save_brand(
        BrandValues(
            name="Acme Hosting",
            color="#0075cd",
            support_email="help@acme.example",
            links=(("Terms", "https://acme.example/terms"),),
        )
    )
    set_logo(demo_logo_png())
    make.rating(customer, csat=2, comment="Slow", now=utcnow())
    db.session.commit()
    found, csp_found = {}, {}
    for who, paths in BRANDED_PAGES.items():
        context = browser.new_context(viewport=VIEWPORTS[viewport], locale=lang)
        context.set_extra_http_headers({"Accept-Language": lang})
        context.add_init_script(RECORD_CSP_VIOLATIONS)
        context.add_init_script(axe_source)
        page = context.new_page()
        if who != "anonymous":
            user = {"customer": customer, "manager": manager}[who]
            browser_sign_in(page, live_server, user)
        for path in paths:
            assert page.goto(f"{live_server}{path}").status == 200, path
            # The brand's stylesheet is applied: the navigation bar wears the colour.
            navbar = page.evaluate(
                "() => getComputedStyle(document.querySelector('.navbar')).backgroundColor"
            )
            assert navbar == "rgb(0, 117, 205)", (path, navbar)
            if violations := _violations(page):
                found[path] = violations
            if refused := page.evaluate("() => window.__cspViolations"):
                csp_found[path] = refused
        context.close()
    assert not found, json.dumps(found, indent=1, ensure_ascii=False)[:3000]
    assert not csp_found, json.dumps(csp_found, indent=1, ensure_ascii=False)[:3000]
