"""The closed loop in Arabic and in Esperanto in a real browser, and Arabic laid out right to left.

Texts are looked up in the catalogues (the same gettext the pages use), so the test follows
the translations; the screenshots under test-artifacts/ show each step in each language.
"""

import pytest
from flask_babel import gettext

from feedback.extensions import db
from tests.factories import give_code_if_asked

# The live server answers in threads of its own: they must see committed rows.
pytestmark = [pytest.mark.browser, pytest.mark.real_commits]

COMMENTS = {
    "ar": "متجري يعرض أخطاء منذ الصباح (HTTP 500) — please check PHP-FPM.",
    "eo": "Mia butiko montras erarojn ekde ĉi-matene; ĉu ŝi ĝin riparos? Ĥaoso ĵus ŭ!",
}
NAMES = {"ar": "العربية", "eo": "Esperanto"}
REPLIES = {
    "ar": "عذرًا! أعدنا تشغيل PHP-FPM والمتجر يعمل الآن.",
    "eo": "Pardonon! Ni rekomencis PHP-FPM; la butiko denove respondas.",
}


@pytest.fixture
def t(_session_app):
    """The catalogue's text for ``lang``, as a page in that language shows it."""

    def translate(lang: str, text: str, **values) -> str:
        with _session_app.test_request_context(headers={"Accept-Language": lang}):
            return gettext(text, **values)

    return translate


def _sign_in(page, base: str, email: str, t, lang: str) -> None:
    """Sign in from an English login page, switching the language first with the switcher."""
    page.goto(f"{base}/login")
    page.locator("nav .dropdown-toggle").click()
    with page.expect_navigation():  # POST /language, then back to the login page
        page.get_by_role("button", name=NAMES[lang]).click()
    assert page.evaluate("document.documentElement.lang") == lang
    page.get_by_label(t(lang, "E-mail")).fill(email)
    page.get_by_label(t(lang, "Password")).fill("password123")
    page.get_by_role("button", name=t(lang, "Sign in")).click()
    give_code_if_asked(page, email)


def _person(make, kind, lang, **fields):
    user = getattr(make, kind)(**fields)
    user.locale = lang
    db.session.commit()
    return user


def test_arabic_pages_are_laid_out_right_to_left(live_server, browser, shot):
    page = browser.new_context(viewport={"width": 1280, "height": 800}, locale="ar").new_page()
    page.goto(f"{live_server}/login", wait_until="load")
    page.set_extra_http_headers({"Accept-Language": "ar"})
    page.reload()

    assert page.evaluate("document.documentElement.dir") == "rtl"
    brand = page.locator(".navbar-brand").bounding_box()
    links = page.locator("#nav .nav-link").first.bounding_box()
    assert brand["x"] > 640 > links["x"]  # the navigation starts on the right
    label = page.locator("label.form-label").first.bounding_box()
    field = page.locator("input[name=email]").bounding_box()
    assert label["x"] + label["width"] == pytest.approx(field["x"] + field["width"], abs=2)  # right-aligned
    shot(page, "ar-00-login-right-to-left")


@pytest.mark.parametrize("lang", ["ar", "eo"])
def test_the_closed_loop_in_each_language(lang, live_server, browser, shot, make, t):
    customer = _person(make, "customer", lang, name="Carla Customer")
    _person(make, "staff", lang, name="Sam Staff", email="sam@example.test")
    _person(make, "manager", lang, name="Mia Manager", email="mia@example.test")

    cust = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    _sign_in(cust, live_server, customer.email, t, lang)
    cust.locator("label", has_text=t(lang, "1 — Very unsatisfied")).click()
    cust.get_by_label(t(lang, "What is it about?")).select_option("support")
    cust.get_by_label(t(lang, "Comment")).fill(COMMENTS[lang])
    shot(cust, f"{lang}-01-customer-dashboard-filled")
    cust.get_by_role("button", name=t(lang, "Send feedback")).click()
    cust.get_by_text(t(lang, "We opened a case for your feedback")).first.wait_for()
    assert t(lang, "We'll answer by") in cust.content()
    assert COMMENTS[lang] in cust.content()  # stored and shown exactly as written
    case_url = cust.url

    staff = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    _sign_in(staff, live_server, "sam@example.test", t, lang)
    first_row = staff.locator("table tbody tr").first
    assert COMMENTS[lang][:20] in first_row.inner_text()
    shot(staff, f"{lang}-02-staff-queue")
    first_row.get_by_role("link").first.click()
    staff.get_by_label(t(lang, "Reply to the customer")).fill(REPLIES[lang])
    staff.get_by_role("button", name=t(lang, "Send public reply")).click()
    staff.get_by_text(t(lang, "Reply sent to the customer.")).wait_for()
    shot(staff, f"{lang}-03-staff-case")

    cust.goto(case_url)
    cust.get_by_text(REPLIES[lang]).wait_for()
    assert t(lang, "%(name)s from our team replied", name="Sam Staff") in cust.content()
    shot(cust, f"{lang}-04-customer-sees-reply")

    manager = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    _sign_in(manager, live_server, "mia@example.test", t, lang)
    manager.goto(f"{live_server}/reports/satisfaction")
    manager.get_by_role("heading", name=t(lang, "Satisfaction"), exact=True).wait_for()
    assert manager.evaluate("document.documentElement.lang") == lang
    shot(manager, f"{lang}-05-manager-report")
