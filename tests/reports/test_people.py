"""Support by person: each staff member's cases, times, SLA, CSAT after resolution, reopen rate."""

from datetime import timedelta

import pytest

from feedback.core.time import utcnow
from feedback.extensions import db
from feedback.followups import services
from feedback.reports.people import people_figures
from feedback.surveys.invitations import answer
from feedback.surveys.models import SurveyInvitation
from tests.conftest import T0

H = timedelta(hours=1)
DAY = T0.date()


def _world(make):
    """Ana: a case answered in 1 h and resolved in 3 h (CSAT 5), and a case answered late,
    resolved, reopened. Ben: one open case, not yet due. Plus an unassigned case and one of Ana's
    opened the week before: neither is in the period."""
    ana, ben = make.staff(name="Ana Agent"), make.staff(name="Ben Builder")
    customer = make.customer()
    quick = make.rating(customer, csat=2, now=T0).followup  # high: first response 4 h
    services.staff_reply(quick, ana, "On it", now=T0 + H)
    services.resolve(quick, ana, now=T0 + 3 * H)
    # Resolving sent the after-resolution survey; the customer answers it with a 5.
    survey = db.session.scalar(db.select(SurveyInvitation).where(SurveyInvitation.followup_id == quick.id))
    answer(survey, 5, "", T0 + 4 * H)
    late = make.rating(customer, csat=2, now=T0).followup
    services.claim(late, ana, now=T0)
    services.staff_reply(late, ana, "Sorry", now=T0 + 5 * H)  # past the 4 h first response: breached
    services.resolve(late, ana, now=T0 + 6 * H)
    services.reopen(late, customer, now=T0 + 7 * H)
    open_case = make.rating(customer, csat=2, now=T0 + 2 * H).followup
    services.claim(open_case, ben, now=T0 + 2 * H)
    make.rating(customer, csat=2, now=T0)  # nobody's
    earlier = make.rating(customer, csat=2, now=T0 - timedelta(days=8)).followup
    services.claim(earlier, ana, now=T0 - timedelta(days=8))
    db.session.commit()
    return ana, ben


def test_each_persons_figures_from_their_own_cases(app, make):
    ana, ben = _world(make)
    rows = {r["person"].name: r for r in people_figures(DAY, DAY)}
    assert list(rows) == ["Ana Agent", "Ben Builder"]  # most cases first; nobody's case is nobody's row
    a, b = rows["Ana Agent"], rows["Ben Builder"]
    assert a["cases"] == 2 and b["cases"] == 1
    assert (a["first_response"]["n"], a["resolution"]["n"]) == (2, 1)  # the reopened case is open again
    assert a["first_response"]["median_hours"] == pytest.approx(3.0, rel=0.01)  # 1 h and 5 h
    assert a["resolution"]["median_hours"] == pytest.approx(3.0, rel=0.01)
    assert (a["sla_met"]["met"], a["sla_met"]["n"], a["sla_met"]["value"]) == (1, 2, 50.0)
    assert (a["csat"]["met"], a["csat"]["n"]) == (1, 1)
    assert (a["reopened"]["met"], a["reopened"]["n"], a["reopened"]["value"]) == (1, 2, 50.0)
    # Ben's one case is open and not breached: no outcome yet, so no SLA figure, not 0 %.
    assert b["sla_met"]["n"] == 0 and b["sla_met"]["value"] is None
    assert b["first_response"]["median_hours"] is None


def test_managers_see_everyone_staff_see_themselves(app, make, client, auth):
    ana, ben = _world(make)
    period = f"?start={DAY.isoformat()}&end={DAY.isoformat()}"
    auth.login(make.manager())
    page = client.get("/reports/people/" + period).get_data(as_text=True)
    assert "Support by person" in page and "Ana Agent" in page and "Ben Builder" in page
    auth.logout()
    auth.login(ben)
    page = client.get("/reports/people/" + period).get_data(as_text=True)
    assert "My support figures" in page and "Ben Builder" in page and "Ana Agent" not in page


def test_an_empty_period_and_a_bad_one_say_so(app, make, client, auth):
    auth.login(make.staff())
    page = client.get("/reports/people/?start=2001-01-01&end=2001-01-02").get_data(as_text=True)
    assert "No case opened in this period is assigned to you." in page
    bad = client.get("/reports/people/?start=2026-03-05&end=2026-03-01")
    assert bad.status_code == 400


def test_the_default_period_is_the_last_90_days(app, make, client, auth):
    agent = make.staff(name="Recent Agent")
    fu = make.rating(make.customer(), csat=2, now=utcnow() - timedelta(days=3)).followup
    services.claim(fu, agent, now=utcnow() - timedelta(days=3))
    db.session.commit()
    auth.login(agent)
    page = client.get("/reports/people/").get_data(as_text=True)
    assert "Recent Agent" in page
