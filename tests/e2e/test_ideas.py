"""The idea board in a real browser, in English and in Arabic: a customer types an idea, sees the
similar one and votes for it instead; staff merge a duplicate into it; a manager ranks the board by
the voters' revenue; staff mark it done; the
follower gets the "done" e-mail through a real SMTP server and reads the changelog entry."""

from decimal import Decimal

import pytest

from feedback.auth.models import Plan
from feedback.core.time import utcnow
from feedback.extensions import db
from feedback.ideas import services as ideas
from feedback.ideas.models import Idea, IdeaStatus
from feedback.mailer.dispatch import dispatch
from feedback.worker.jobs import run_job
from tests.factories import browser_sign_in

# The live server answers in threads of its own: they must see committed rows.
pytestmark = [pytest.mark.browser, pytest.mark.real_commits]


def _signed_in(browser, base: str, user, lang: str, phone: bool = False):
    size = {"width": 390, "height": 844} if phone else {"width": 1280, "height": 900}
    context = browser.new_context(viewport=size, locale=lang)
    context.set_extra_http_headers({"Accept-Language": lang})
    page = context.new_page()
    browser_sign_in(page, base, user)
    return page


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_vote_instead_of_a_duplicate_merge_and_hear_it_is_done(lang, live_server, browser, shot, make, smtp):
    author = make.customer(name="Ada Lovelace")
    voter = make.customer(name="Bo Haddad")
    other = make.customer(name="Cy Mensah")
    staff = make.staff(name="Sam Support")
    voter.locale = staff.locale = lang
    kept = ideas.post_idea(
        author, title="Daily off-site backups", description="Copies in another data centre."
    )
    duplicate = ideas.post_idea(other, title="Backups in a second location")
    big = make.customer(name="Dee Dedicated", plan=Plan.DEDICATED)
    big.account.monthly_price = Decimal("349.00")
    ideas.post_idea(big, title="GPU servers for machine learning")  # one vote, the most revenue
    manager = make.manager()
    manager.locale = lang
    db.session.commit()

    # The customer starts typing the same idea, sees the existing one and votes for it instead.
    customer = _signed_in(browser, live_server, voter, lang)
    customer.goto(f"{live_server}/ideas/new")
    customer.fill("input[name=title]", "Off-site backups every day")
    offered = customer.locator("#similar-ideas li", has_text="Daily off-site backups")
    offered.wait_for()
    shot(customer, f"ideas-{lang}-01-similar-offered")
    with customer.expect_navigation():
        offered.locator("button").click()
    assert customer.url.endswith(f"/ideas/{kept.id}")
    db.session.expire_all()
    assert db.session.get(Idea, kept.id).vote_count == 2  # the author and now Bo
    assert db.session.scalar(db.select(db.func.count(Idea.id))) == 3  # and no new idea was posted
    shot(customer, f"ideas-{lang}-02-voted")

    # Staff merge the duplicate into it: Cy's vote now counts there too.
    desk = _signed_in(browser, live_server, staff, lang)
    desk.goto(f"{live_server}/staff/ideas/{duplicate.id}/merge?keep={kept.id}")
    shot(desk, f"ideas-{lang}-03-merge-confirm")
    with desk.expect_navigation():
        desk.locator(f"main form[action$='/staff/ideas/{duplicate.id}/merge'] button[type=submit]").click()
    db.session.expire_all()
    assert db.session.get(Idea, duplicate.id).merged_into_id == kept.id
    assert db.session.get(Idea, kept.id).vote_count == 3
    customer.goto(f"{live_server}/ideas/{duplicate.id}")
    assert customer.url.endswith(f"/ideas/{kept.id}")  # the merged idea sends readers on

    # A manager sorts the board by the voters' revenue: the one-vote idea of a big account leads.
    boss = _signed_in(browser, live_server, manager, lang)
    boss.goto(f"{live_server}/reports/ideas/ranking?sort=votes")
    assert "Daily off-site backups" in boss.locator("main table tbody tr").first.inner_text()
    with boss.expect_navigation():
        boss.locator("main table thead a[href*='sort=revenue']").click()
    assert "GPU servers" in boss.locator("main table tbody tr").first.inner_text()
    shot(boss, f"ideas-{lang}-04-ranking-by-revenue")

    # Staff mark it done with what changed; the follower hears of it in their language.
    desk.goto(f"{live_server}/staff/ideas/{kept.id}")
    status_form = desk.locator("main form[action$='/status']")
    status_form.locator("select[name=status]").select_option(IdeaStatus.DONE.value)
    status_form.locator("textarea[name=changelog]").fill("Every plan now keeps a daily copy in Frankfurt.")
    with desk.expect_navigation():
        status_form.locator("button[type=submit]").click()
    shot(desk, f"ideas-{lang}-05-staff-done")
    db.session.expire_all()
    assert db.session.get(Idea, kept.id).status == IdeaStatus.DONE

    now = utcnow()
    run_job("ideas", now, claim=False)
    db.session.commit()
    dispatch(now)
    to_bo = [m for m in smtp.messages if voter.email in str(m["To"])]
    assert len(to_bo) == 1
    subject, body = str(to_bo[0]["Subject"]), to_bo[0].get_body(("plain",)).get_content()
    assert "Daily off-site backups" in subject and "Frankfurt" in body
    if lang == "ar":
        assert "Done" not in subject and any("\u0600" <= ch <= "\u06ff" for ch in subject), subject
    assert {str(m["To"]) for m in smtp.messages} == {
        str(m["To"]) for m in smtp.messages if staff.email not in str(m["To"])
    }  # who made the change is not told about it

    # The follower reads it on the changelog, on a phone.
    phone = _signed_in(browser, live_server, voter, lang, phone=True)
    phone.goto(f"{live_server}/ideas/changelog")
    phone.get_by_text("Every plan now keeps a daily copy in Frankfurt.").wait_for()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    shot(phone, f"ideas-{lang}-06-changelog-phone")
