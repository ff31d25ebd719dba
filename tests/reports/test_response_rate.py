"""Survey response rate (responses ÷ surveys sent) in the satisfaction report, page and API data."""

from datetime import timedelta

import pytest

from feedback.extensions import db
from feedback.followups import services as fu_services
from feedback.reports.metrics import response_rate, satisfaction_report
from feedback.surveys import invitations as inv
from feedback.surveys.models import SurveyInvitation, SurveyKind
from tests.conftest import T0

DAY = timedelta(days=1)
START, END = T0.date(), (T0 + 13 * DAY).date()  # Mon 2 – Sun 15 March 2026


@pytest.fixture
def surveys(app, make):
    """Surveys sent around the range 2–15 March, some answered.

    In the range: NPS 4 sent, 1 answered; case 2 sent, 2 answered (one of them after the range).
    Outside: an NPS sent the day before (answered) and one the day after.
    """
    customer = make.customer()
    nps = [inv.invite(customer, SurveyKind.NPS, T0 + n * DAY) for n in (0, 3, 6, 13)]
    inv.answer(nps[1], 9, "", T0 + 4 * DAY)
    fu = make.rating(customer, csat=1, now=T0).followup
    fu_services.resolve(fu, make.staff(), now=T0 + DAY)
    inv.send_case_survey(fu, T0 + DAY)  # resolve() sends it already; this is a no-op then
    [first_case] = [i for i in _all() if i.kind == SurveyKind.CASE_CSAT]
    inv.answer(first_case, 5, "", T0 + 2 * DAY)
    second_case = inv.invite(customer, SurveyKind.CASE_CSAT, T0 + 12 * DAY, followup=fu)
    inv.answer(second_case, 4, "", T0 + 20 * DAY)  # answered after the range: still a response
    before = inv.invite(customer, SurveyKind.NPS, T0 - DAY)
    inv.answer(before, 10, "", T0)
    inv.invite(customer, SurveyKind.NPS, T0 + 14 * DAY)
    db.session.commit()


def _all():
    return list(db.session.scalars(db.select(SurveyInvitation)))


def test_response_rate_counts_surveys_sent_in_the_range_and_their_answers(surveys):
    rate = response_rate(START, END)
    # 3 of 6 answered = 50.0 %; per kind: NPS 1 of 4 = 25.0 %, case 2 of 2 = 100.0 %.
    assert {k: rate[k] for k in ("value", "n", "low_sample", "sent", "responses")} == {
        "value": 50.0,
        "n": 6,
        "low_sample": False,
        "sent": 6,
        "responses": 3,
    }
    assert rate["by_kind"] == [
        {"kind": "nps", "value": 25.0, "n": 4, "low_sample": True, "sent": 4, "responses": 1},
        {"kind": "case_csat", "value": 100.0, "n": 2, "low_sample": True, "sent": 2, "responses": 2},
    ]


def test_rounding_to_one_decimal(app, make):
    customer = make.customer()
    sent = [inv.invite(customer, SurveyKind.NPS, T0 + n * DAY) for n in range(3)]
    inv.answer(sent[0], 8, "", T0 + 3 * DAY)
    db.session.commit()
    assert response_rate(START, END)["value"] == 33.3  # 1 ÷ 3


def test_no_surveys_sent_gives_no_rate(app):
    rate = satisfaction_report(START, END)["response_rate"]
    assert (rate["value"], rate["n"], rate["low_sample"], rate["sent"], rate["responses"]) == (
        None,
        0,
        True,
        0,
        0,
    )
    assert [k["value"] for k in rate["by_kind"]] == [None, None]


def test_the_report_carries_the_rate_and_its_definition(surveys):
    report = satisfaction_report(START, END)
    assert report["response_rate"]["value"] == 50.0
    assert report["definitions"]["response_rate"].startswith("Response rate = responses ÷ surveys sent")


def test_the_satisfaction_page_shows_the_rate_with_its_sample(client, auth, make, surveys):
    auth.login(make.manager())
    page = client.get(f"/reports/satisfaction?start={START}&end={END}").get_data(as_text=True)
    assert "Survey response rate" in page
    assert "50.0 %" in page and "n = 6" in page
    assert "Response rate = responses ÷ surveys sent" in page
    assert "3 of 6 surveys answered (relationship 1 of 4, after resolution 2 of 2)." in page
