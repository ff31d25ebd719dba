"""E-mailed surveys: the case survey on resolution, the periodic NPS job, tokens and answers."""

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from itsdangerous import URLSafeTimedSerializer

from feedback.core.app_settings import AppSetting
from feedback.extensions import db
from feedback.followups import services as fu_services
from feedback.followups.models import EventKind, FollowupStatus, Priority
from feedback.mailer.dispatch import dispatch
from feedback.mailer.models import OutboxMessage
from feedback.surveys import invitations as inv
from feedback.surveys.models import Channel, Feedback, SurveyInvitation, SurveyKind
from feedback.surveys.services import FeedbackError
from tests.conftest import T0
from tests.mail_server import html_body, text_body

from .conftest import DAY, H, link_for, resolved_case, survey_mail, tamper


def invitations(**where):
    return list(
        db.session.scalars(db.select(SurveyInvitation).filter_by(**where).order_by(SurveyInvitation.id))
    )


@pytest.fixture
def in_request(app):
    """Answers are given in a request (validation messages are translated for it)."""
    with app.test_request_context():
        yield


def set_interval(days: str) -> None:
    db.session.merge(AppSetting(key="nps_survey_interval_days", value=days))
    db.session.commit()


# The case survey


def test_resolving_a_case_mails_one_link_per_score(app, make, smtp):
    customer, fu = resolved_case(make, T0)
    dispatch(T0)
    message = survey_mail(smtp, customer, "Your case is resolved")
    assert message["Subject"] == f"[{fu.reference}] Your case is resolved"
    text, html = text_body(message), html_body(message)
    assert "We moved your site to a faster server." in text and "Were you satisfied" in text
    [invitation] = invitations(kind=SurveyKind.CASE_CSAT)
    assert (invitation.customer_id, invitation.followup_id, invitation.sent_at) == (customer.id, fu.id, T0)
    assert invitation.used_at is None
    for score in range(1, 6):
        path = link_for(text, score)
        assert path.startswith("/s/") and parse_qs(urlsplit(path).query) == {"score": [str(score)]}
        assert path.split("?")[0] in html
        token = path.split("?")[0].removeprefix("/s/")
        assert inv.load_invitation(token, T0) == invitation
    assert "These links work until 30 Mar 2026, 09:00 (UTC)" in text
    assert f"http://kontento.test/cases/{fu.reference}" in text


def test_the_case_survey_is_queued_once_per_resolution_and_even_without_optional_mail(app, make):
    customer = make.customer()
    customer.optional_mail = False
    db.session.commit()
    fu = make.rating(customer, csat=2, now=T0).followup
    staff = make.staff()
    fu_services.resolve(fu, staff, now=T0 + H)  # queues the survey mail
    assert len(invitations(kind=SurveyKind.CASE_CSAT)) == 1
    assert inv.send_case_survey(fu, T0 + H) is None  # the same resolution again: nothing more
    fu_services.reopen(fu, customer, now=T0 + 2 * H)
    fu_services.resolve(fu, staff, now=T0 + 3 * H)  # a new resolution gets its own survey
    db.session.commit()
    assert len(invitations(kind=SurveyKind.CASE_CSAT)) == 2
    keys = set(
        db.session.scalars(
            db.select(OutboxMessage.dedupe_key).where(OutboxMessage.kind == "surveys/case_resolved")
        )
    )
    assert keys == {
        f"case-resolved:{fu.id}:{(T0 + H).isoformat()}",
        f"case-resolved:{fu.id}:{(T0 + 3 * H).isoformat()}",
    }


# Tokens


def test_a_token_opens_its_invitation_for_28_days(app, make):
    invitation = inv.invite(make.customer(), SurveyKind.NPS, T0)
    token = inv.make_token(invitation, T0)
    assert inv.load_invitation(token, T0 + timedelta(days=28)) == invitation
    with pytest.raises(inv.ExpiredSurveyLink):
        inv.load_invitation(token, T0 + timedelta(days=28, seconds=1))


@pytest.mark.parametrize(
    "forge",
    [
        lambda token, i: tamper(token),  # one character of the signature changed
        lambda token, i: token[:20],  # cut short by a mail program
        lambda token, i: "not-a-token",
        # Right key, other purpose: a token from another feature must not open a survey.
        lambda token, i: URLSafeTimedSerializer("test-secret", salt="kontento.other").dumps(
            {"i": i.id, "n": i.nonce}
        ),
        # Right key and salt, wrong nonce: the row was replaced (ids are reused after a restore).
        lambda token, i: URLSafeTimedSerializer("test-secret", salt=inv.SALT).dumps(
            {"i": i.id, "n": "guess"}
        ),
        lambda token, i: URLSafeTimedSerializer("test-secret", salt=inv.SALT).dumps(
            {"i": 999999, "n": i.nonce}
        ),
        lambda token, i: URLSafeTimedSerializer("test-secret", salt=inv.SALT).dumps([i.id]),
        lambda token, i: URLSafeTimedSerializer("other-secret", salt=inv.SALT).dumps(
            {"i": i.id, "n": i.nonce}
        ),
    ],
)
def test_forged_or_damaged_tokens_are_invalid(app, make, forge):
    invitation = inv.invite(make.customer(), SurveyKind.NPS, T0)
    token = forge(inv.make_token(invitation, T0), invitation)
    with pytest.raises(inv.InvalidSurveyLink):
        inv.load_invitation(token, T0)


def test_an_answered_link_says_so_even_after_it_expired(app, make, in_request):
    invitation = inv.invite(make.customer(), SurveyKind.NPS, T0)
    token = inv.make_token(invitation, T0)
    inv.answer(invitation, 9, "", T0 + H)
    with pytest.raises(inv.UsedSurveyLink):
        inv.load_invitation(token, T0 + H)
    with pytest.raises(inv.UsedSurveyLink):
        inv.load_invitation(token, T0 + timedelta(days=40))


def test_a_deactivated_customers_links_stop_working(app, make):
    customer = make.customer()
    invitation = inv.invite(customer, SurveyKind.NPS, T0)
    customer.active = False
    with pytest.raises(inv.InvalidSurveyLink):
        inv.load_invitation(inv.make_token(invitation, T0), T0)


# Answers


def test_an_nps_answer_is_stored_once_as_email_feedback(app, make):
    customer = make.customer()
    invitation = inv.invite(customer, SurveyKind.NPS, T0)
    fb = inv.answer(invitation, 9, "  Fast support  ", T0 + H)
    db.session.commit()
    assert (fb.customer_id, fb.nps, fb.csat, fb.comment, fb.channel) == (
        customer.id,
        9,
        None,
        "Fast support",
        Channel.EMAIL,
    )
    assert fb.followup is None
    assert (invitation.used_at, invitation.feedback_id) == (T0 + H, fb.id)
    with pytest.raises(inv.UsedSurveyLink):
        inv.answer(invitation, 10, "", T0 + 2 * H)
    assert db.session.scalar(db.select(db.func.count(Feedback.id))) == 1


def test_an_nps_detractor_opens_a_follow_up_like_a_dashboard_rating(app, make):
    invitation = inv.invite(make.customer(), SurveyKind.NPS, T0)
    fb = inv.answer(invitation, 3, "Too expensive", T0)
    assert fb.followup is not None and fb.followup.priority == Priority.NORMAL
    assert inv.outcome_case(invitation, fb) == fb.followup


def test_a_race_between_two_answers_records_one(app, make):
    invitation = inv.invite(make.customer(), SurveyKind.NPS, T0)
    db.session.commit()
    assert invitation.used_at is None  # what this request read
    # Meanwhile another request answered and committed; this session has not seen it.
    db.session.execute(
        db.update(SurveyInvitation)
        .where(SurveyInvitation.id == invitation.id)
        .values(used_at=T0)
        .execution_options(synchronize_session=False)
    )
    with pytest.raises(inv.UsedSurveyLink):
        inv.answer(invitation, 8, "", T0 + H)
    assert db.session.scalar(db.select(db.func.count(Feedback.id))) == 0


@pytest.mark.parametrize(
    "kind, score, comment, field",
    [
        (SurveyKind.CASE_CSAT, 0, "", "score"),
        (SurveyKind.CASE_CSAT, 6, "", "score"),
        (SurveyKind.NPS, -1, "", "score"),
        (SurveyKind.NPS, 11, "", "score"),
        (SurveyKind.NPS, None, "", "score"),
        (SurveyKind.NPS, True, "", "score"),
        (SurveyKind.NPS, "7", "", "score"),
        (SurveyKind.NPS, 7, "x" * 5001, "comment"),
    ],
)
def test_answers_off_the_scale_are_refused_and_leave_the_link_unused(
    app, make, in_request, kind, score, comment, field
):
    customer = make.customer()
    fu = make.rating(customer, csat=1, now=T0).followup if kind == SurveyKind.CASE_CSAT else None
    invitation = inv.invite(customer, kind, T0, followup=fu)
    with pytest.raises(FeedbackError) as exc:
        inv.answer(invitation, score, comment, T0)
    assert set(exc.value.fields) == {field}
    assert invitation.used_at is None
    assert (
        db.session.scalar(db.select(db.func.count(Feedback.id)).where(Feedback.channel == Channel.EMAIL)) == 0
    )


def test_an_answer_after_28_days_is_refused(app, make):
    invitation = inv.invite(make.customer(), SurveyKind.NPS, T0)
    with pytest.raises(inv.ExpiredSurveyLink):
        inv.answer(invitation, 9, "", T0 + timedelta(days=29))
    assert invitation.used_at is None


@pytest.mark.parametrize("score, reopened", [(1, True), (2, True), (3, False), (5, False)])
def test_a_low_case_rating_reopens_the_case_instead_of_opening_another(app, make, score, reopened):
    customer, fu = resolved_case(make, T0)
    [invitation] = invitations(kind=SurveyKind.CASE_CSAT)
    fb = inv.answer(invitation, score, "", T0 + DAY)
    db.session.commit()
    assert (fb.csat, fb.channel, fb.category_id) == (score, Channel.EMAIL, fu.feedback.category_id)
    assert fb.followup is None  # no second case
    assert (fu.status == FollowupStatus.OPEN) is reopened
    assert ([e.actor_id for e in fu.events if e.kind == EventKind.REOPENED] == [customer.id]) is reopened
    assert (inv.outcome_case(invitation, fb) == fu) is reopened


def test_a_low_case_rating_with_a_comment_puts_it_on_the_case(app, make):
    customer, fu = resolved_case(make, T0)
    [invitation] = invitations(kind=SurveyKind.CASE_CSAT)
    inv.answer(invitation, 2, "Still slow at night", T0 + DAY)
    db.session.commit()
    [reply] = [e for e in fu.events if e.kind == EventKind.CUSTOMER_REPLY]
    assert (reply.actor_id, reply.body) == (customer.id, "Still slow at night")
    assert fu.awaiting_reply_since == T0 + DAY  # staff owe an answer now


def test_a_low_case_rating_on_a_case_open_again_does_not_fail(app, make):
    customer, fu = resolved_case(make, T0)
    fu_services.reopen(fu, customer, now=T0 + H)
    [invitation] = invitations(kind=SurveyKind.CASE_CSAT)
    inv.answer(invitation, 1, "", T0 + DAY)
    assert fu.status == FollowupStatus.OPEN and invitation.used_at == T0 + DAY


# The relationship (NPS) job


@pytest.fixture
def crowd(make):
    """Two customers who take surveys, one who turned optional mail off, one deactivated, and staff."""
    keen = [make.customer(), make.customer()]
    quiet = make.customer()
    quiet.optional_mail = False
    gone = make.customer()
    gone.active = False
    db.session.commit()
    make.staff(), make.manager()
    return keen, quiet, gone


def test_the_job_invites_every_customer_due_and_skips_opted_out_ones(app, crowd, smtp):
    keen, quiet, gone = crowd
    run = inv.send_relationship_surveys(T0)
    db.session.commit()
    assert (run.interval_days, run.invited, run.more) == (90, 2, False)
    assert [i.customer_id for i in invitations(kind=SurveyKind.NPS)] == [c.id for c in keen]
    dispatch(T0)
    assert sorted(m["To"].addresses[0].addr_spec for m in smtp.messages) == sorted(c.email for c in keen)
    message = smtp.messages[0]
    assert message["Subject"] == "How likely are you to recommend us?"
    text = text_body(message)
    assert [parse_qs(urlsplit(link_for(text, n)).query)["score"] for n in range(11)] == [
        [str(n)] for n in range(11)
    ]
    assert "0 = not at all likely" in html_body(message)


def test_the_job_is_idempotent_and_respects_the_interval(app, crowd):
    keen, _quiet, _gone = crowd
    assert inv.send_relationship_surveys(T0).invited == 2
    db.session.commit()
    assert inv.send_relationship_surveys(T0).invited == 0  # a second run changes nothing
    assert inv.send_relationship_surveys(T0 + timedelta(days=90) - H).invited == 0
    run = inv.send_relationship_surveys(T0 + timedelta(days=90))
    db.session.commit()
    assert run.invited == 2
    assert len(invitations(kind=SurveyKind.NPS)) == 4
    keys = set(
        db.session.scalars(db.select(OutboxMessage.dedupe_key).where(OutboxMessage.kind == "surveys/nps"))
    )
    assert len(keys) == 4 and all(k.startswith("nps:") for k in keys)


def test_a_customer_who_turns_optional_mail_back_on_is_invited_at_the_next_run(app, crowd):
    _keen, quiet, _gone = crowd
    inv.send_relationship_surveys(T0)
    quiet.optional_mail = True
    db.session.commit()
    run = inv.send_relationship_surveys(T0 + H)
    assert run.invited == 1 and invitations(customer_id=quiet.id)[0].sent_at == T0 + H


def test_interval_zero_turns_the_survey_off(app, crowd):
    set_interval("0")
    assert inv.send_relationship_surveys(T0) == inv.SurveyRun(interval_days=0)
    assert invitations() == []


@pytest.mark.parametrize("stored", ["abc", "-5", "400", ""])
def test_an_unreadable_stored_interval_falls_back_to_90_days(app, crowd, stored):
    set_interval(stored)
    assert inv.send_relationship_surveys(T0).interval_days == 90


def test_a_shorter_interval_applies_from_the_next_run(app, crowd):
    inv.send_relationship_surveys(T0)
    set_interval("30")
    assert inv.send_relationship_surveys(T0 + timedelta(days=29)).invited == 0
    assert inv.send_relationship_surveys(T0 + timedelta(days=30)).invited == 2


def test_the_job_works_in_batches_and_stops_at_its_cap(app, make):
    for _ in range(5):
        make.customer()
    first = inv.send_relationship_surveys(T0, batch_size=2, max_per_run=3)
    assert (first.invited, first.more) == (3, True)
    second = inv.send_relationship_surveys(T0 + H, batch_size=2, max_per_run=3)
    assert (second.invited, second.more) == (2, False)
    assert inv.send_relationship_surveys(T0 + 2 * H, batch_size=2, max_per_run=3).invited == 0
