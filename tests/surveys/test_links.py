"""The survey pages: one-click links as a customer uses them, and the manager's survey settings.

The page checks links against the real clock, so these tests date everything from ``utcnow()``.
"""

import re
from datetime import timedelta

import pytest

from feedback.auth.sessions import load_user
from feedback.core.app_settings import AppSetting
from feedback.core.time import utcnow
from feedback.extensions import db
from feedback.followups.models import EventKind, FollowupStatus, Priority
from feedback.mailer.dispatch import dispatch
from feedback.surveys import invitations as inv
from feedback.surveys.models import Channel, Feedback, SurveyInvitation, SurveyKind
from tests.conftest import T0
from tests.mail_server import text_body

from .conftest import DAY, H, link_for, resolved_case, survey_mail, tamper


def email_feedback() -> list[Feedback]:
    return list(db.session.scalars(db.select(Feedback).where(Feedback.channel == Channel.EMAIL)))


def checked_scores(page: str) -> list[str]:
    return re.findall(r'name="score"[^>]*value="(\d+)" checked', page)


@pytest.fixture
def case_link(make, smtp):
    """A resolved case's survey e-mail, dispatched; returns (customer, case, link for score 2)."""
    now = utcnow() - H
    customer, fu = resolved_case(make, now)
    dispatch(utcnow())
    text = text_body(survey_mail(smtp, customer, "Your case is resolved"))
    return customer, fu, link_for(text, 2)


def test_from_the_email_to_a_reopened_case(client, case_link):
    customer, fu, link = case_link

    page = client.get(link)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Were you satisfied with how we handled this?" in html
    assert f"About your case {fu.reference}" in html
    assert checked_scores(html) == ["2"]
    assert 'name="comment"' in html and "Nothing is saved until you press" in html
    assert page.headers["Referrer-Policy"] == "same-origin"  # the token never goes to another site
    assert email_feedback() == []  # opening the link (as a mail scanner does) records nothing
    assert db.session.scalar(db.select(SurveyInvitation.used_at)) is None

    done = client.post(link.split("?")[0], data={"score": "2", "comment": "Still slow at night"})
    assert done.status_code == 200
    html = done.get_data(as_text=True)
    assert "Thank you for your answer" in html
    assert f"We have reopened case {fu.reference}" in html
    [fb] = email_feedback()
    assert (fb.customer_id, fb.csat, fb.comment) == (customer.id, 2, "Still slow at night")
    db.session.expire_all()
    assert fu.status == FollowupStatus.OPEN
    assert [e.body for e in fu.events if e.kind == EventKind.CUSTOMER_REPLY] == ["Still slow at night"]
    pending = db.select(Feedback.id).where(Feedback.acknowledged_at.is_(None))
    assert fb.id not in db.session.scalars(pending).all()  # no generic "thank you" mail on top

    again = client.get(link)
    assert again.status_code == 200
    assert "Thanks, we already have your answer" in again.get_data(as_text=True)
    twice = client.post(link.split("?")[0], data={"score": "1"})
    assert twice.status_code == 409
    assert "Thanks, we already have your answer" in twice.get_data(as_text=True)
    assert len(email_feedback()) == 1

    with client.session_transaction() as session:
        assert "_user_id" not in session  # the link signed nobody in
    assert client.get("/dashboard").status_code == 302


def test_a_high_rating_thanks_and_leaves_the_case_resolved(client, case_link):
    _customer, fu, link = case_link
    response = client.post(link.split("?")[0], data={"score": "5", "comment": ""})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "You rated how we handled your case 5 of 5." in html and "reopened" not in html
    db.session.expire_all()
    assert fu.status == FollowupStatus.RESOLVED


def test_someone_signed_in_answers_for_the_invited_customer_and_stays_themselves(
    client, auth, make, case_link
):
    customer, _fu, link = case_link
    other = make.customer()
    auth.login(other)
    with client.session_transaction() as session:
        before = session["_user_id"]
    assert client.post(link.split("?")[0], data={"score": "4"}).status_code == 200
    [fb] = email_feedback()
    assert fb.customer_id == customer.id
    with client.session_transaction() as session:
        assert session["_user_id"] == before
    assert load_user(before) == other  # the session is still theirs


@pytest.mark.parametrize("score", ["7", "0", "-1", "abc", "²", "", "99999999999999999999"])
def test_a_score_off_the_scale_in_the_link_preselects_nothing(client, case_link, score):
    _customer, _fu, link = case_link
    page = client.get(f"{link.split('?')[0]}?score={score}")
    assert page.status_code == 200
    assert checked_scores(page.get_data(as_text=True)) == []


@pytest.mark.parametrize(
    "data, message",
    [
        ({}, "Choose a score."),
        ({"score": "6"}, "Choose a score."),
        ({"score": "x"}, "Choose a score."),
        ({"score": "3", "comment": "x" * 5001}, "Keep the comment under 5000 characters."),
    ],
)
def test_a_bad_answer_is_explained_and_the_link_stays_open(client, case_link, data, message):
    _customer, _fu, link = case_link
    response = client.post(link.split("?")[0], data=data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert email_feedback() == []
    assert db.session.scalar(db.select(SurveyInvitation.used_at)) is None


def _token_path(path: str) -> str:
    return path.split("?")[0]


@pytest.mark.parametrize("method", ["get", "post"])
def test_tampered_and_unknown_links_are_404(client, case_link, method):
    _customer, _fu, link = case_link
    path = _token_path(link)
    for url in (tamper(path), "/s/nonsense", path[:25]):
        response = getattr(client, method)(url, data={"score": "2"})
        assert response.status_code == 404, url
        assert "This survey link does not work" in response.get_data(as_text=True)
    assert email_feedback() == []


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_link_older_than_28_days_has_expired(client, make, method):
    then = utcnow() - timedelta(days=29)
    invitation = inv.invite(make.customer(), SurveyKind.NPS, then)
    path = f"/s/{inv.make_token(invitation, then)}"
    db.session.commit()
    response = getattr(client, method)(path, data={"score": "9"})
    assert response.status_code == 410
    assert "This survey link has expired" in response.get_data(as_text=True)
    assert email_feedback() == []


def test_the_nps_survey_from_the_job_to_a_new_case(client, make, smtp):
    customer = make.customer()
    now = utcnow()
    assert inv.send_relationship_surveys(now).invited == 1
    db.session.commit()
    dispatch(now)
    link = link_for(text_body(survey_mail(smtp, customer, "recommend us")), 3)
    page = client.get(link).get_data(as_text=True)
    assert "How likely are you to recommend us to a friend or colleague?" in page
    assert checked_scores(page) == ["3"]
    assert "0 = not at all likely" in page and "10 = extremely likely" in page
    done = client.post(_token_path(link), data={"score": "3", "comment": "Pricey"})
    assert done.status_code == 200
    [fb] = email_feedback()
    assert (fb.customer_id, fb.nps, fb.csat, fb.comment) == (customer.id, 3, None, "Pricey")
    assert fb.followup.priority == Priority.NORMAL
    assert f"We opened case {fb.followup.reference}" in done.get_data(as_text=True)


def test_answer_posts_are_rate_limited(app, client, case_link):
    _customer, _fu, link = case_link
    app.config["SURVEY_LINK_RATE_LIMIT"] = "3 per minute"
    try:
        codes = [client.post(_token_path(link), data={}).status_code for _ in range(4)]
        assert codes == [400, 400, 400, 429]
        assert client.get(link).status_code == 200  # reading is not limited
    finally:
        del app.config["SURVEY_LINK_RATE_LIMIT"]


def test_an_answer_needs_the_csrf_token_from_the_page(csrf_app, case_link):
    _customer, _fu, link = case_link
    client = csrf_app.test_client()
    assert client.post(_token_path(link), data={"score": "2"}).status_code == 400
    with csrf_app.app_context():
        assert (
            db.session.scalar(
                db.select(db.func.count(SurveyInvitation.id)).where(SurveyInvitation.used_at.isnot(None))
            )
            == 0
        )
    page = client.get(link).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(_token_path(link), data={"score": "2", "csrf_token": token})
    assert response.status_code == 200
    with csrf_app.app_context():
        assert (
            db.session.scalar(db.select(db.func.count(Feedback.id)).where(Feedback.channel == Channel.EMAIL))
            == 1
        )


def test_an_answer_over_https_passes_the_csrf_referer_check(csrf_app, case_link):
    # Over HTTPS, Flask-WTF also wants a same-site Referer on the POST. A browser sends one only
    # if the page's Referrer-Policy allows it: "no-referrer" turned every answer into a 400.
    _customer, _fu, link = case_link
    client = csrf_app.test_client()
    base = "https://kontento.test"
    page = client.get(link, base_url=base)
    policy = page.headers["Referrer-Policy"]
    assert policy not in ("unsafe-url", "no-referrer-when-downgrade")  # the token never leaks off-site
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.get_data(as_text=True)).group(
        1
    )
    sent = {} if policy == "no-referrer" else {"Referer": base + link}  # what the browser sends, same origin
    response = client.post(
        _token_path(link), base_url=base, data={"score": "2", "csrf_token": token}, headers=sent
    )
    assert response.status_code == 200, response.get_data(as_text=True)[:500]


# The manager's survey settings


@pytest.fixture
def manager(make, auth):
    user = make.manager()
    auth.login(user)
    return user


def test_settings_page_shows_the_interval_and_recent_sending(client, make, manager):
    page = client.get("/settings/surveys").get_data(as_text=True)
    assert 'value="90"' in page and "never" in page
    customer = make.customer()
    now = utcnow()
    inv.invite(customer, SurveyKind.NPS, now - 2 * DAY)
    inv.invite(customer, SurveyKind.NPS, now - 40 * DAY)  # older than 30 days: not counted
    fu = make.rating(customer, csat=1, now=now - DAY).followup
    inv.invite(customer, SurveyKind.CASE_CSAT, now - DAY, followup=fu)
    db.session.commit()
    page = client.get("/settings/surveys").get_data(as_text=True)
    assert re.search(r"Relationship surveys, last 30 days</dt>\s*<dd[^>]*>1</dd>", page)
    assert re.search(r"After-resolution surveys, last 30 days</dt>\s*<dd[^>]*>1</dd>", page)
    assert "never" not in page
    assert 'href="/settings/surveys"' in client.get("/settings/sla").get_data(as_text=True)


def test_manager_changes_and_turns_off_the_interval(client, manager):
    response = client.post("/settings/surveys", data={"interval_days": "30"})
    assert response.status_code == 302
    assert db.session.get(AppSetting, "nps_survey_interval_days").value == "30"
    assert "Survey settings saved." in client.get("/settings/surveys").get_data(as_text=True)
    client.post("/settings/surveys", data={"interval_days": "0"})
    assert inv.send_relationship_surveys(T0).interval_days == 0
    assert "No relationship surveys are being sent." in client.get("/settings/surveys").get_data(as_text=True)


@pytest.mark.parametrize(
    "value, message",
    [
        ("", "Enter a number of days (0 turns the survey off)."),
        ("-1", "Use a whole number of days from 0 to 365."),
        ("366", "Use a whole number of days from 0 to 365."),
        ("abc", "Not a valid integer value."),
        ("7.5", "Not a valid integer value."),
        ("99999999999999999999999", "Use a whole number of days from 0 to 365."),
    ],
)
def test_bad_intervals_are_explained_and_nothing_changes(client, manager, value, message):
    response = client.post("/settings/surveys", data={"interval_days": value})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.session.get(AppSetting, "nps_survey_interval_days") is None


def test_an_nps_answer_shows_in_the_customers_dashboard(client, auth, make):
    customer = make.customer()
    invitation = inv.invite(customer, SurveyKind.NPS, utcnow())
    fb = inv.answer(invitation, 9, "Fast support", utcnow())
    db.session.commit()
    auth.login(customer)
    assert "Fast support" in client.get("/dashboard").get_data(as_text=True)
    page = client.get(f"/feedback/{fb.id}")
    assert page.status_code == 200 and "NPS 9 of 10" in page.get_data(as_text=True)
