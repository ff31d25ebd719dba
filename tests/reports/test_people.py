"""Support by person and by team: cases, times, SLA, CSAT after resolution, reopen rate; and every
count links to the queue listing exactly the cases it counts."""

import html
import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from feedback.core.time import utcnow
from feedback.extensions import db
from feedback.followups import services
from feedback.followups.models import Followup
from feedback.reports.people import people_figures, team_figures
from feedback.surveys.invitations import answer
from feedback.surveys.models import SurveyInvitation
from feedback.teams.models import Team
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


def _teams(make):
    """``_world`` with two teams: Billing has Ana's two cases of the day and the nobody's case,
    Uptime none; Ben's case has no team."""
    ana, ben = _world(make)
    billing, uptime = Team(name="Billing"), Team(name="Uptime")
    db.session.add_all([billing, uptime])
    for fu in db.session.scalars(db.select(Followup).where(Followup.created_at >= T0)):
        if fu.assignee_id != ben.id:
            fu.team = billing
    db.session.commit()
    return ana, ben, billing, uptime


def test_each_teams_figures_from_the_cases_in_its_queue(app, make):
    _teams(make)
    rows = [(r["team"].name if r["team"] else None, r) for r in team_figures(DAY, DAY)]
    assert [name for name, _ in rows] == ["Billing", "Uptime", None]  # by name, "No team" last
    billing, uptime, none = (r for _, r in rows)
    assert billing["cases"] == 3  # assigned or not: the nobody's case is the team's all the same
    assert (billing["sla_met"]["met"], billing["sla_met"]["n"]) == (1, 2)
    assert (billing["reopened"]["met"], billing["reopened"]["n"]) == (1, 2)
    assert (billing["csat"]["met"], billing["csat"]["n"]) == (1, 1)
    assert billing["first_response"]["n"] == 2
    assert uptime["cases"] == 0 and uptime["sla_met"]["value"] is None  # a team with nothing shows
    assert none["cases"] == 1 and none["queue"]["team"] == "none"


def test_no_team_row_when_every_case_has_a_team(app, make):
    _world(make)
    db.session.add(team := Team(name="Everyone"))
    for fu in db.session.scalars(db.select(Followup)):
        fu.team = team
    db.session.commit()
    assert [r["team"].name for r in team_figures(DAY, DAY)] == ["Everyone"]


LINK = re.compile(r'<a href="([^"]+)" data-count="(\d+)">')


def _links(page: str, table: str) -> list[tuple[str, int]]:
    """The (queue address, count shown) of every count in the table ``table`` of the report."""
    body = page.split(f'id="{table}"', 1)[1].split("</table>", 1)[0]
    return [(html.unescape(href), int(n)) for href, n in LINK.findall(body)]


def _listed(client, href: str) -> int:
    """How many cases the queue at ``href`` lists (its "N cases" line)."""
    page = client.get(href).get_data(as_text=True)
    return int(re.search(r'data-total="(\d+)"', page).group(1))


@pytest.mark.parametrize("table", ["people-figures", "team-figures"])
def test_every_count_lists_as_many_cases_as_it_says(app, make, client, auth, table):
    _teams(make)
    auth.login(make.manager())
    page = client.get(f"/reports/people/?start={DAY}&end={DAY}").get_data(as_text=True)
    links = _links(page, table)
    # Per row: cases, the n of both times, SLA met of known, reopened of resolved once.
    assert len(links) == 7 * (2 if table == "people-figures" else 3)
    outcomes = {parse_qs(urlsplit(href).query).get("outcome", [""])[0] for href, _ in links}
    assert outcomes == {"", "responded", "resolved", "sla_met", "sla_known", "reopened", "resolved_once"}
    for href, n in links:
        assert _listed(client, href) == n, href
    assert any(n for href, n in links if "outcome=reopened" in href)  # not all zeros: a real check


def test_staff_see_their_own_row_and_no_team_table(app, make, client, auth):
    ana, *_ = _teams(make)
    auth.login(ana)
    page = client.get(f"/reports/people/?start={DAY}&end={DAY}").get_data(as_text=True)
    assert 'id="people-figures"' in page and 'id="team-figures"' not in page and "By team" not in page
    for href, n in _links(page, "people-figures"):
        assert f"assignee={ana.id}" in href and _listed(client, href) == n


def test_the_team_table_says_when_there_are_no_teams(app, make, client, auth):
    _world(make)
    auth.login(make.manager())
    page = client.get(f"/reports/people/?start={DAY}&end={DAY}").get_data(as_text=True)
    assert "There are no teams yet" in page and 'id="team-figures"' not in page
