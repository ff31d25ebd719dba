"""Two-factor sign-in in a browser: a new manager is sent to set it up, scans (reads) the key,
confirms a code, sees the recovery codes once, then signs in again with a code from the app.
Screenshots at desktop and phone size, in English and Arabic; axe over the three pages."""

import json
import os
from pathlib import Path

import pyotp
import pytest

from feedback.auth.models import Role
from feedback.auth.services import create_user
from feedback.extensions import db
from tests.factories import PASSWORD, two_factor_code

pytestmark = [pytest.mark.browser, pytest.mark.real_commits]

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
SCREENS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


def _serious(page) -> list:
    if not AXE.exists():
        if os.environ.get("KONTENTO_REQUIRE_BROWSER"):
            pytest.fail(f"{AXE} is missing: run `npm ci`")
        return []
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [(v["id"], v["help"]) for v in result["violations"] if v["impact"] in ("serious", "critical")]


def _submit(page) -> None:
    with page.expect_navigation():
        page.locator("main button[type=submit]").click()


@pytest.mark.parametrize("screen", ["desktop", "phone"])
@pytest.mark.parametrize("lang", ["en", "ar"])
def test_a_new_manager_sets_up_two_factor_and_signs_in_with_a_code(lang, screen, live_server, browser, shot):
    manager = create_user(
        f"mona.{lang}.{screen}@example.test", "Mona Manager", PASSWORD, Role.MANAGER, preset_password=True
    )
    manager.locale = lang
    db.session.commit()
    context = browser.new_context(viewport=SCREENS[screen], locale=lang, accept_downloads=True)
    context.set_extra_http_headers({"Accept-Language": lang})
    if AXE.exists():
        context.add_init_script(AXE.read_text())
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    page.goto(f"{live_server}/login")
    page.fill("input[name=email]", manager.email)
    page.fill("input[name=password]", PASSWORD)
    _submit(page)
    # Straight to the set-up, whatever page the sign-in was heading for.
    assert page.url.startswith(f"{live_server}/account/two-factor")
    assert page.locator("svg.kt-qr").is_visible()
    assert page.evaluate("document.documentElement.dir") == ("rtl" if lang == "ar" else "ltr")
    shot(page, f"{lang}-2fa-1-setup-{screen}")
    found = {"setup": _serious(page)}

    secret = page.inner_text("#totp-secret").replace(" ", "")
    page.fill("input[name=code]", "000000")
    _submit(page)
    assert page.locator(".invalid-feedback").is_visible()  # wrong: still off
    page.fill("input[name=code]", pyotp.TOTP(secret).now())
    _submit(page)
    codes = page.locator("#recovery-codes li").all_inner_texts()
    assert len(codes) == 10
    assert page.locator("#recovery-download").is_visible()  # the script showed its buttons
    shot(page, f"{lang}-2fa-2-recovery-codes-{screen}")
    found["recovery"] = _serious(page)
    with page.expect_download() as download:
        page.locator("#recovery-download").click()
    saved = Path(download.value.path()).read_text()
    assert all(code.strip() in saved for code in codes) and manager.email in saved
    page.locator("main a.btn-primary").click()
    page.wait_for_url("**/reports/satisfaction")

    # Sign out, and in again: the password, then a code from the app.
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    assert page.request.post(f"{live_server}/logout", form={"csrf_token": token}).ok  # the menu's form
    page.goto(f"{live_server}/login")
    page.fill("input[name=email]", manager.email)
    page.fill("input[name=password]", PASSWORD)
    _submit(page)
    assert page.url == f"{live_server}/login/two-factor"
    shot(page, f"{lang}-2fa-3-code-{screen}")
    found["code"] = _serious(page)
    page.fill("input[name=code]", two_factor_code(manager, secret))
    _submit(page)
    assert page.url == f"{live_server}/reports/satisfaction"
    context.close()
    assert not errors, errors
    assert not any(found.values()), json.dumps(found, indent=1, ensure_ascii=False)
