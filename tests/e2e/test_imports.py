"""Importing subscriptions in a real browser: the upload, the import's page following the worker,
the outcome — in English and in Arabic, on a desktop and on a phone (screenshots imports-*)."""

import re

import pytest
from flask_babel import gettext
from sqlalchemy import update

from feedback.core.time import utcnow
from feedback.extensions import db
from feedback.lifecycle.imports import run_queued
from feedback.lifecycle.models import ImportStage, ImportStatus, SubscriptionImport
from tests.factories import browser_sign_in, csv_bytes, history

# The live server answers in threads of its own: they must see committed rows.
pytestmark = [pytest.mark.browser, pytest.mark.real_commits]

SCREENS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


def _upload(page, base: str, path) -> int:
    """Send ``path`` through the form; return the id of the import whose page the browser opens."""
    page.goto(f"{base}/imports/")
    page.set_input_files("#file", str(path))
    page.locator("#import-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/imports/\d+$"))
    return int(page.url.rsplit("/", 1)[1])


@pytest.mark.parametrize("screen", ["desktop", "phone"])
@pytest.mark.parametrize("lang", ["en", "ar"])
def test_the_import_page_follows_the_worker_to_the_outcome(
    lang, screen, live_server, browser, make, shot, tmp_path, _session_app
):
    def t(text: str, **values) -> str:
        with _session_app.test_request_context(headers={"Accept-Language": lang}):
            return gettext(text, **values)

    ada, manager = make.customer(name="Ada Lovelace"), make.manager(name="Mona Manager")
    manager.locale = lang
    db.session.commit()
    # Reduced motion: Bootstrap then draws the bar at its width at once, not in a transition.
    page = browser.new_context(viewport=SCREENS[screen], locale=lang, reduced_motion="reduce").new_page()
    browser_sign_in(page, live_server, manager)
    assert page.evaluate("document.documentElement.dir") == ("rtl" if lang == "ar" else "ltr")

    good = tmp_path / "whmcs-services.csv"
    good.write_bytes(csv_bytes(*history(ada.email)))
    import_id = _upload(page, live_server, good)
    assert t("Waiting for the worker to start the import…") in page.inner_text("#import-message")
    shot(page, f"imports-{lang}-{screen}-1-queued")

    # As the worker reports, the page redraws its bar without reloading.
    db.session.execute(
        update(SubscriptionImport)
        .where(SubscriptionImport.id == import_id)
        .values(status=ImportStatus.RUNNING, stage=ImportStage.SAVING, done=120_000, total=200_000)
    )
    db.session.commit()
    bar = page.locator("#import-run .progress")
    page.wait_for_function(
        # A function, not an expression string: Playwright evaluates strings with eval(), which
        # the page's Content-Security-Policy refuses.
        "() => document.querySelector('#import-run .progress').getAttribute('aria-valuenow') == '76'"
    )
    assert "120" in page.inner_text("#import-message")
    shot(page, f"imports-{lang}-{screen}-2-running")
    assert bar.get_attribute("aria-valuenow") == "76"

    db.session.execute(
        update(SubscriptionImport)
        .where(SubscriptionImport.id == import_id)
        .values(status=ImportStatus.QUEUED)
    )
    db.session.commit()
    assert run_queued(utcnow()) == 1
    page.locator(".alert-success").wait_for()  # the page saw the import end and showed the summary
    assert t("Imported") in page.inner_text(".alert-success")
    shot(page, f"imports-{lang}-{screen}-3-done")

    bad = tmp_path / "with-mistakes.csv"
    rows = history(ada.email) + [
        "nobody@example.test,77,VPS,started,2025-01-01,9.90,Monthly",
        f"{ada.email},78,Shared,started,2025-02-30,9.90,Monthly",
    ]
    bad.write_bytes(csv_bytes(*rows))
    _upload(page, live_server, bad)
    run_queued(utcnow())
    page.locator(".alert-danger").wait_for()
    assert t("Nothing was imported") in page.inner_text(".alert-danger")
    assert page.locator("table tbody tr").count() == 2
    shot(page, f"imports-{lang}-{screen}-4-rejected")

    page.goto(f"{live_server}/imports/")
    assert page.locator("table tbody tr").count() == 2  # both imports, newest first
    shot(page, f"imports-{lang}-{screen}-5-list")
