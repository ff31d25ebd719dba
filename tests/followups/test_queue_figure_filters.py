"""The queue filters behind the click-through of Support by person / by team: one assignee's
cases, opened in a period of UTC days, with an outcome; bad values are dropped, never a 500."""

from datetime import date, timedelta
from urllib.parse import parse_qsl

import pytest
from werkzeug.datastructures import MultiDict

from feedback.extensions import db
from feedback.followups import saved_views, services
from feedback.followups.queries import QueueFilter, queue
from tests.conftest import T0

H = timedelta(hours=1)
DAY = T0.date()


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ({"assignee": "12"}, {"assignee": 12}),
        ({"assignee": "-1"}, {"assignee": None}),
        ({"assignee": "1" * 12}, {"assignee": None}),  # beyond an integer column: ignored
        ({"assignee": "me"}, {"assignee": None}),
        (
            {"opened_from": "2026-03-01", "opened_to": "2026-03-31"},
            {"opened_from": date(2026, 3, 1), "opened_to": date(2026, 3, 31)},
        ),
        ({"opened_from": "2026-02-30"}, {"opened_from": None}),
        ({"opened_from": "20260301"}, {"opened_from": None}),  # the written-out form only
        ({"opened_to": "9999-12-31"}, {"opened_to": None}),  # past the last day a filter may name
        ({"opened_to": "1999-12-31"}, {"opened_to": None}),
        ({"outcome": "sla_met"}, {"outcome": "sla_met"}),
        ({"outcome": "__class__"}, {"outcome": None}),
    ],
)
def test_values_not_allowed_are_dropped(args, expected):
    flt = QueueFilter.from_args(MultiDict(args))
    assert {name: getattr(flt, name) for name in expected} == expected


def test_the_new_filters_round_trip_and_narrow_the_default_view():
    flt = QueueFilter(
        status="all",
        team="all",
        assignee=7,
        opened_from=date(2026, 3, 1),
        opened_to=date(2026, 3, 31),
        outcome="reopened",
    )
    query = saved_views.query_of(flt)
    assert (
        query == "status=all&team=all&assignee=7&opened_from=2026-03-01&opened_to=2026-03-31&outcome=reopened"
    )
    assert QueueFilter.from_args(MultiDict(parse_qsl(query))) == flt
    assert QueueFilter().lists_every_open_case and not QueueFilter().narrowed_to_figure
    assert not QueueFilter(assignee=7).lists_every_open_case and QueueFilter(assignee=7).narrowed_to_figure


def _world(make):
    """Ana: a case opened at the first second of the day, resolved on time; one opened in its
    last second, answered late (breached), resolved and reopened. Ben: one open case that day.
    Ana: one the day after."""
    ana, ben, customer = make.staff(name="Ana Agent"), make.staff(name="Ben Builder"), make.customer()
    start = T0.replace(hour=0, minute=0, second=0, microsecond=0)
    first = make.rating(customer, csat=2, now=start).followup
    services.claim(first, ana, now=start)
    services.resolve(first, ana, now=start + H)
    last = make.rating(customer, csat=2, now=start + timedelta(days=1) - timedelta(seconds=1)).followup
    services.claim(last, ana, now=last.created_at)
    services.staff_reply(last, ana, "Sorry", now=last.created_at + 5 * H)
    services.resolve(last, ana, now=last.created_at + 6 * H)
    services.reopen(last, customer, now=last.created_at + 7 * H)
    bens = make.rating(customer, csat=2, now=start + H).followup
    services.claim(bens, ben, now=start + H)
    after = make.rating(customer, csat=2, now=start + timedelta(days=1)).followup
    services.claim(after, ana, now=after.created_at)
    db.session.commit()
    return ana, ben, {"first": first.id, "last": last.id, "bens": bens.id, "after": after.id}


def _listed(names: dict, **flt) -> set[str]:
    ids = {fu.id for fu in db.session.scalars(queue(QueueFilter(status="all", team="all", **flt), user_id=0))}
    return {name for name, i in names.items() if i in ids}


def test_assignee_period_and_outcome_narrow_the_list(app, make):
    ana, ben, names = _world(make)
    assert _listed(names, assignee=ana.id) == {"first", "last", "after"}
    assert _listed(names, assignee=ben.id) == {"bens"}
    # The period's days are whole UTC days, both ends included.
    assert _listed(names, opened_from=DAY, opened_to=DAY) == {"first", "last", "bens"}
    assert _listed(names, opened_from=DAY + timedelta(days=1)) == {"after"}
    assert _listed(names, opened_to=DAY - timedelta(days=1)) == set()
    day = {"assignee": ana.id, "opened_from": DAY, "opened_to": DAY}
    assert _listed(names, outcome="resolved", **day) == {"first"}  # the reopened one is open again
    assert _listed(names, outcome="resolved_once", **day) == {"first", "last"}
    assert _listed(names, outcome="reopened", **day) == {"last"}
    assert _listed(names, outcome="sla_missed", **day) == {"last"}
    assert _listed(names, outcome="sla_met", **day) == {"first"}
    assert _listed(names, outcome="sla_known", **day) == {"first", "last"}
    assert _listed(names, outcome="responded", **day) == {"last"}  # the other was resolved unanswered


def test_the_queue_page_says_what_narrows_it(app, make, client, auth):
    ana, _ben, _names = _world(make)
    auth.login(ana)
    url = f"/queue/?status=all&team=all&assignee={ana.id}&opened_from={DAY}&opened_to={DAY}&outcome=reopened"
    page = client.get(url).get_data(as_text=True)
    assert (
        'data-total="1"' in page and "assigned to Ana Agent" in page and "reopened after a resolution" in page
    )
    # The filters form keeps the narrowing; "Every case" lets go of it.
    assert f'<input type="hidden" name="assignee" value="{ana.id}">' in page
    assert 'href="/queue/?status=all&amp;team=all">Every case</a>' in page


@pytest.mark.parametrize(
    "query",
    [
        "assignee=x",
        "assignee=99999999999999",
        "opened_from=2026-13-01",
        "opened_to=yesterday",
        "outcome=nope",
        "opened_from=9999-12-31",
    ],
)
def test_bad_values_are_ignored_not_a_500(app, make, client, auth, query):
    auth.login(make.staff())
    response = client.get("/queue/?" + query)
    assert response.status_code == 200
    assert 'id="queue-figure"' not in response.get_data(as_text=True)
