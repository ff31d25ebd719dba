"""Resolving a case (followups) sends its survey (surveys) through the followup_resolved signal."""

from datetime import timedelta

from sqlalchemy import func, select

from feedback import create_app
from feedback.extensions import db
from feedback.followups import services as fu_services
from feedback.followups.signals import followup_resolved
from feedback.mailer.models import OutboxMessage
from feedback.surveys.models import SurveyInvitation, SurveyKind
from feedback.surveys.signals import survey_resolved_case
from tests.conftest import T0, make_config

H = timedelta(hours=1)


def test_surveys_listen_to_resolved_cases_once_however_many_apps_a_process_builds(app, database_url):
    for _ in range(2):  # a test run or a Celery worker builds several apps in one process
        create_app(make_config(database_url))
    assert list(followup_resolved.receivers_for(object())) == [survey_resolved_case]


def test_resolving_a_case_queues_one_survey_through_the_signal(app, database_url, make):
    create_app(make_config(database_url))  # another app connects again: still one survey
    customer = make.customer()
    fu = make.rating(customer, csat=1, now=T0).followup
    fu_services.resolve(fu, make.staff(), now=T0 + H)
    db.session.commit()

    [invitation] = db.session.scalars(select(SurveyInvitation)).all()
    assert (invitation.kind, invitation.followup_id, invitation.customer_id) == (
        SurveyKind.CASE_CSAT,
        fu.id,
        customer.id,
    )
    survey_mail = select(func.count(OutboxMessage.id)).where(OutboxMessage.kind == "surveys/case_resolved")
    assert db.session.scalar(survey_mail) == 1


def test_a_resolution_rolled_back_leaves_no_survey(app, make):
    fu = make.rating(make.customer(), csat=1, now=T0).followup
    db.session.commit()
    fu_services.resolve(fu, make.staff(), now=T0 + H)
    db.session.rollback()  # the receiver ran in the same transaction: its rows go too
    assert db.session.scalar(select(func.count(SurveyInvitation.id))) == 0
