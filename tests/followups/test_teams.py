"""Teams in the support desk: routing by plan to a team and a person, policies per plan tier,
who hears of each escalation level, and what staff may do with other teams' cases."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from feedback.auth.models import Plan
from feedback.extensions import db
from feedback.followups.bulk import apply
from feedback.followups.escalation import Levels
from feedback.followups.jobs import sweep
from feedback.followups.models import EventKind, Followup, Priority, RoutingRule, SlaEscalation, SlaTarget
from feedback.followups.policies import policy_for
from feedback.followups.services import internal_note, staff_reply
from feedback.followups.sla import HORIZON, active_deadlines
from feedback.mailer.models import OutboxMessage
from feedback.settings.services import delete_plan_policy, delete_team, save_levels, update_policy
from feedback.teams.services import set_work_any_team
from tests.conftest import T0
from tests.factories import ApiClient, Factory, token_for

H = timedelta(hours=1)
M = timedelta(minutes=1)


def _team(name, members=(), lead=None, **calendar):
    return Factory().team(name, members=members, lead=lead, **calendar)


def _route_all_to(team, assignee=None, plan=None):
    for rule in db.session.scalars(select(RoutingRule)):
        rule.team_id, rule.assignee_id, rule.plan = team.id, assignee.id if assignee else None, plan
    db.session.flush()


def _mail_to(user, kind):
    return list(
        db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.user_id == user.id, OutboxMessage.kind == kind)
        )
    )


def test_a_rule_sends_the_case_to_its_team_and_person(make):
    ana = make.staff(name="Ana")
    night = _team("Night", [ana])
    _route_all_to(night, ana)
    fu = make.rating(make.customer(), csat=1, category="uptime", now=T0).followup
    assert (fu.team_id, fu.assignee_id, fu.priority) == (night.id, ana.id, Priority.CRITICAL)


def test_a_rule_on_the_plan_matches_that_plan_only(make):
    vip = _team("Dedicated desk")
    rule = RoutingRule(
        position=-1,
        name="Dedicated, unhappy",
        csat_max=2,
        plan=Plan.DEDICATED,
        priority=Priority.CRITICAL,
        team_id=vip.id,
    )
    db.session.add(rule)
    db.session.flush()
    dedicated = make.rating(make.customer(plan=Plan.DEDICATED), csat=2, now=T0).followup
    shared = make.rating(make.customer(plan=Plan.SHARED), csat=2, now=T0).followup
    assert (dedicated.priority, dedicated.team_id) == (Priority.CRITICAL, vip.id)
    assert (shared.priority, shared.team_id) == (Priority.HIGH, None)  # the default rule


def test_a_plan_policy_sets_the_deadlines_of_that_plans_cases(make):
    update_policy(Priority.HIGH, 60, 120, 6 * 60, 6 * 60, plan=Plan.DEDICATED)
    dedicated = make.rating(make.customer(plan=Plan.DEDICATED), csat=2, now=T0).followup
    shared = make.rating(make.customer(plan=Plan.SHARED), csat=2, now=T0).followup
    assert dedicated.first_response_due == T0 + H
    assert shared.first_response_due == T0 + 4 * H  # the high default


def test_a_routed_person_no_longer_staff_leaves_the_case_with_the_team(make):
    ana = make.staff(name="Ana")
    desk = _team("Desk", [ana])
    _route_all_to(desk, ana)
    ana.active = False
    fu = make.rating(make.customer(), csat=2, now=T0).followup
    assert (fu.team_id, fu.assignee_id) == (desk.id, None)


def test_each_escalation_level_reaches_its_people_once(make):
    ana, lead, boss = make.staff(name="Ana"), make.staff(name="Lea Lead"), make.manager(name="Boss")
    desk = _team("Desk", [ana, lead], lead=lead)
    _route_all_to(desk)
    fu = make.rating(
        make.customer(), csat=1, category="uptime", now=T0
    ).followup  # critical: 1 h first response
    fu.assignee = ana
    db.session.flush()
    sweep(T0 + 48 * M)
    sweep(T0 + 61 * M)
    sweep(T0 + 2 * H)
    sweep(T0 + 2 * H)  # again: nothing more
    levels = sorted(
        db.session.scalars(
            select(SlaEscalation.level).where(
                SlaEscalation.followup_id == fu.id, SlaEscalation.target == "first_response"
            )
        )
    )
    assert levels == ["breach", "escalated", "warning"]
    assert len(_mail_to(ana, "followups/sla_warning")) == 1
    assert len(_mail_to(lead, "followups/sla_breach")) >= 1
    assert _mail_to(boss, "followups/sla_breach") == []  # the lead hears of the breach, not the managers
    assert len(_mail_to(boss, "followups/sla_escalated")) == 1
    kinds = [e.kind for e in fu.events]
    assert kinds.count(EventKind.SLA_ESCALATED) == 1


def test_a_breach_goes_to_the_managers_when_the_team_has_no_lead(make):
    boss = make.manager(name="Boss")
    _route_all_to(_team("Leaderless"))
    make.rating(make.customer(), csat=1, category="uptime", now=T0)
    sweep(T0 + 61 * M)
    assert len(_mail_to(boss, "followups/sla_breach")) == 1


def test_the_levels_follow_the_settings(make):
    boss, lead = make.manager(name="Boss"), make.staff(name="Lea Lead")
    _route_all_to(_team("Led", lead=lead))
    save_levels(Levels(warn_percent=90, escalate_percent=None, breach_to="managers"))
    fu = make.rating(make.customer(), csat=1, category="uptime", now=T0).followup  # 1 h first response

    def first_response_levels():
        return sorted(
            db.session.scalars(
                select(SlaEscalation.level).where(
                    SlaEscalation.followup_id == fu.id, SlaEscalation.target == "first_response"
                )
            )
        )

    sweep(T0 + 53 * M)
    assert first_response_levels() == []  # 90 % of 60 min is 54 min
    sweep(T0 + 54 * M)
    assert first_response_levels() == ["warning"]
    sweep(T0 + 61 * M)
    sweep(T0 + 3 * H)  # past 2×, but the last level is off
    assert first_response_levels() == ["breach", "warning"]
    assert _mail_to(lead, "followups/sla_breach") == []
    assert len(_mail_to(boss, "followups/sla_breach")) == 1
    assert _mail_to(boss, "followups/sla_escalated") == []


@pytest.fixture
def desks(make):
    ana, ben = make.staff(name="Ana"), make.staff(name="Ben")
    berlin, night = _team("Berlin", [ana]), _team("Night", [ben])
    customer = make.customer(name="Carla Customer")
    _route_all_to(berlin)
    berlin_case = make.rating(customer, csat=2, comment="berlin case", now=T0).followup
    _route_all_to(night)
    night_case = make.rating(customer, csat=2, comment="night case", now=T0).followup
    for rule in db.session.scalars(select(RoutingRule)):
        rule.team_id = None
    free_case = make.rating(customer, csat=2, comment="nobody's case", now=T0).followup
    db.session.commit()
    return ana, berlin_case, night_case, free_case


def _listed(page: str, fu) -> bool:
    return f'href="/queue/{fu.reference}"' in page


def test_staff_see_their_teams_and_teamless_cases_by_default(client, auth, desks):
    ana, berlin_case, night_case, free_case = desks
    auth.login(ana)
    page = client.get("/queue/").get_data(as_text=True)
    assert _listed(page, berlin_case) and _listed(page, free_case)
    assert not _listed(page, night_case)
    assert _listed(client.get("/queue/?team=all").get_data(as_text=True), night_case)
    only_night = client.get(f"/queue/?team={night_case.team_id}").get_data(as_text=True)
    assert _listed(only_night, night_case) and not _listed(only_night, berlin_case)
    assert client.get("/queue/?team=99999999999999999999").status_code == 200  # ignored, not an error


def test_another_teams_case_is_read_only_unless_a_manager_allows_it(client, auth, desks):
    ana, berlin_case, night_case, _free = desks
    auth.login(ana)
    page = client.get(f"/queue/{night_case.reference}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "You can read it" in text and 'name="reply-body"' not in text
    refused = client.post(f"/queue/{night_case.reference}/reply", data={"reply-body": "hello"})
    assert refused.status_code == 403
    assert client.post(f"/queue/{night_case.reference}/claim").status_code == 403
    db.session.refresh(night_case)
    assert night_case.assignee_id is None and night_case.first_response_at is None
    own = client.get(f"/queue/{berlin_case.reference}").get_data(as_text=True)
    assert 'name="reply-body"' in own
    set_work_any_team(True)
    db.session.commit()
    assert 'name="reply-body"' in client.get(f"/queue/{night_case.reference}").get_data(as_text=True)


def test_bulk_actions_skip_another_teams_cases(desks):
    ana, berlin_case, night_case, _free = desks
    result = apply("resolve", [berlin_case.id, night_case.id], ana)
    assert result.updated == 1 and sum(result.skipped.values()) == 1
    db.session.refresh(night_case)
    assert night_case.is_open


def test_a_manager_works_every_teams_case(client, auth, make, desks):
    _ana, _berlin, night_case, _free = desks
    auth.login(make.manager())
    assert 'name="reply-body"' in client.get(f"/queue/{night_case.reference}").get_data(as_text=True)
    assert client.post(f"/queue/{night_case.reference}/claim").status_code in (302, 303)


def test_the_case_keeps_its_policy_when_the_customers_plan_changes(make):
    update_policy(Priority.HIGH, 60, 120, 6 * 60, 6 * 60, plan=Plan.DEDICATED)
    customer = make.customer(plan=Plan.DEDICATED)
    fu = make.rating(customer, csat=2, now=T0).followup
    customer.account.plan = Plan.SHARED
    internal_note(fu, make.staff(), "moved to shared", T0 + M)
    staff_reply(fu, make.staff(), "hello", T0 + 2 * M)
    assert fu.first_response_due == T0 + H
    assert db.session.get(Followup, fu.id).sla_policy_id is not None


def test_deleting_a_team_or_a_plan_policy_leaves_its_cases_on_the_defaults(make):
    desk = _team("Desk")
    _route_all_to(desk)
    policy = update_policy(Priority.HIGH, 60, 120, 6 * 60, 6 * 60, plan=Plan.DEDICATED)
    fu = make.rating(make.customer(plan=Plan.DEDICATED), csat=2, now=T0).followup
    assert (fu.team_id, fu.sla_policy_id) == (desk.id, policy.id)
    delete_team(desk)
    delete_plan_policy(policy)
    db.session.expire_all()
    fu = db.session.get(Followup, fu.id)
    assert (fu.team_id, fu.sla_policy_id) == (None, None)
    assert all(rule.team_id is None for rule in db.session.scalars(select(RoutingRule)))
    staff_reply(fu, make.staff(), "hello", T0 + M)  # recomputed on the high default: 4 h
    assert fu.first_response_due == T0 + 4 * H


def test_the_api_lets_staff_read_another_teams_case_but_not_work_it(client, desks):
    ana, berlin_case, night_case, _free = desks
    api = ApiClient(client, token_for(ana))
    shown = api.get(f"/followups/{night_case.id}")
    assert shown.status_code == 200 and shown.get_json()["team"]["name"] == "Night"
    refused = api.post(f"/followups/{night_case.id}/reply", json={"body": "hello"})
    assert refused.status_code == 403
    assert api.post(f"/followups/{night_case.id}/resolve", json={}).status_code == 403
    assert api.post(f"/followups/{berlin_case.id}/reply", json={"body": "hello"}).status_code == 201


def test_a_calendar_too_thin_for_a_policy_neither_stops_ratings_nor_the_sweep(make):
    """Two working hours a week and a 720 h resolution: 360 weeks, beyond the calendar's horizon.
    The deadline stops at the horizon and the last level never falls; nothing raises."""
    thin = _team("Thin", always_open=False, hours=["09:00-11:00", "", "", "", "", "", ""])
    _route_all_to(thin)
    update_policy(Priority.HIGH, 60, 120, 720 * 60, 6 * 60, business_hours=True)
    save_levels(Levels(80, 1000, "lead"))
    fu = make.rating(make.customer(), csat=2, now=T0).followup
    assert fu.resolution_due == T0 + HORIZON
    sweep(T0 + 2 * H)  # no error
    resolution = next(d for d in active_deadlines(fu, policy_for(fu, T0)) if d.target == SlaTarget.RESOLUTION)
    assert resolution.escalate_at is None


def test_the_cases_assignee_works_it_whatever_their_teams(client, auth, make, desks):
    ana, _berlin, night_case, _free = desks
    night_case.assignee_id = ana.id  # a rule or a manager gave it to her
    db.session.commit()
    auth.login(ana)
    assert 'name="reply-body"' in client.get(f"/queue/{night_case.reference}").get_data(as_text=True)
    assert (
        client.post(f"/queue/{night_case.reference}/reply", data={"reply-body": "on it"}).status_code == 302
    )


def test_a_changed_policy_reaches_open_cases_at_the_next_sweep(make):
    fu = make.rating(make.customer(), csat=2, now=T0).followup  # high: 4 h first response
    assert fu.first_response_due == T0 + 4 * H
    update_policy(Priority.HIGH, 60, 120, 24 * 60, 12 * 60, now=T0 + M)
    db.session.refresh(fu)
    assert fu.next_check_at == T0 + M
    sweep(T0 + 2 * H)
    assert fu.first_response_due == T0 + H and fu.breached  # breached on the tighter deadline


def test_bulk_ids_out_of_any_range_are_dropped_not_an_error(client, auth, desks):
    ana, berlin_case, _night, _free = desks
    auth.login(ana)
    page = client.get("/queue/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    data = {"action": "resolve", "case": ["99999999999999999999999", str(berlin_case.id)]}
    if token:
        data["csrf_token"] = token.group(1)
    response = client.post("/queue/bulk", data=data)
    assert response.status_code == 302
    db.session.refresh(berlin_case)
    assert not berlin_case.is_open
