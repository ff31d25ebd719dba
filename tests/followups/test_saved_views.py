"""Saved views of the staff queue: save, list, rename, delete, one's own only; the presets; the
"breached in the last 7 days" filter behind "Breached this week"."""

from datetime import timedelta
from urllib.parse import parse_qsl

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from feedback.extensions import db
from feedback.followups import saved_views
from feedback.followups.jobs import sweep
from feedback.followups.queries import QueueFilter, queue
from feedback.followups.saved_views import MAX_VIEWS, PRESETS, SavedView, SavedViewError
from tests.conftest import T0


@pytest.fixture
def agent(make, auth):
    user = make.staff(name="Ana Agent")
    auth.login(user)
    return user


def _views(user) -> list[tuple[str, str]]:
    return [(v.name, v.query) for v in saved_views.views_of(user)]


def test_save_a_view_from_the_queue_and_open_it(client, agent):
    back = "priority=critical&mine=1&page=2&junk=x&sort=-opened"
    response = client.post("/queue/views", data={"name": "  Hot   ones ", "back": back})
    assert response.status_code == 302
    # Stored as the filter reads it: defaults, junk and the page left out, fields in their order.
    assert _views(agent) == [("Hot ones", "priority=critical&mine=1&sort=-opened")]
    assert response.headers["Location"] == "/queue/?priority=critical&mine=1&sort=-opened"
    page = client.get("/queue/?priority=critical&mine=1&sort=-opened").get_data(as_text=True)
    assert (
        'href="/queue/?priority=critical&amp;mine=1&amp;sort=-opened" aria-current="page">Hot ones</a>'
        in page
    )
    assert "View “Hot ones” saved." in page


@pytest.mark.parametrize(
    "name, message",
    [
        ("", "Give the view a name."),
        ("   ", "Give the view a name."),
        ("x" * 61, "View names are limited to 60 characters."),
        ("MY OWN", "You already have a view with this name."),
    ],
)
def test_names_are_checked(client, agent, name, message):
    client.post("/queue/views", data={"name": "My own", "back": "mine=1"})
    response = client.post("/queue/views", data={"name": name, "back": "unassigned=1"}, follow_redirects=True)
    assert message in response.get_data(as_text=True)
    assert _views(agent) == [("My own", "mine=1")]


def test_sixty_characters_is_fine_and_names_fold_case_in_any_script(app, make):
    person = make.staff()
    saved_views.save_view(person, "é" * 60, QueueFilter())
    saved_views.save_view(person, "Über", QueueFilter(mine=True))
    with pytest.raises(SavedViewError):
        saved_views.save_view(person, "über", QueueFilter())  # SQLite's lower() would miss this one


def test_at_most_twenty_views_each(app, make):
    person, other = make.staff(), make.staff()
    for n in range(MAX_VIEWS):
        saved_views.save_view(person, f"View {n}", QueueFilter())
    with pytest.raises(SavedViewError, match="20 saved views"):
        saved_views.save_view(person, "One more", QueueFilter())
    saved_views.save_view(other, "Theirs", QueueFilter())  # the limit is per person


def test_rename_and_delete(client, agent):
    client.post("/queue/views", data={"name": "Mine", "back": "mine=1"})
    client.post("/queue/views", data={"name": "Free", "back": "unassigned=1"})
    mine, free = saved_views.views_of(agent)
    assert (
        client.post(
            f"/queue/views/{mine.id}/rename", data={"name": "Free"}, follow_redirects=True
        ).status_code
        == 200
    )
    assert _views(agent)[0][0] == "Mine"  # taken by the other one
    assert (
        client.post(f"/queue/views/{mine.id}/rename", data={"name": "Only mine", "back": "mine=1"}).headers[
            "Location"
        ]
        == "/queue/?mine=1"
    )
    assert client.post(f"/queue/views/{mine.id}/rename", data={"name": "only MINE"}).status_code == 302
    assert _views(agent) == [("only MINE", "mine=1"), ("Free", "unassigned=1")]  # its own name, other case
    assert client.post(f"/queue/views/{free.id}/delete", data={"back": ""}).status_code == 302
    assert _views(agent) == [("only MINE", "mine=1")]


def test_another_persons_view_is_not_found(client, make, agent):
    theirs = saved_views.save_view(make.staff(), "Theirs", QueueFilter(mine=True))
    db.session.commit()
    assert client.post(f"/queue/views/{theirs.id}/rename", data={"name": "Mine now"}).status_code == 404
    assert client.post(f"/queue/views/{theirs.id}/delete").status_code == 404
    assert client.post("/queue/views/999999/delete").status_code == 404
    assert db.session.scalar(select(func.count()).select_from(SavedView)) == 1
    assert "Theirs" not in client.get("/queue/").get_data(as_text=True)  # nor listed


def test_presets_are_there_without_saving(client, agent):
    page = client.get("/queue/").get_data(as_text=True)
    assert 'href="/queue/?priority=critical&amp;mine=1"' in page and ">My critical</a>" in page
    assert 'href="/queue/?status=all&amp;breached_since=7d"' in page and ">Breached this week</a>" in page


@pytest.mark.parametrize("preset", PRESETS, ids=lambda p: p.key)
def test_presets_are_written_as_the_filter_writes_them(preset):
    # What marks a preset as the view showing: the queue compares the query strings.
    assert saved_views.query_of(QueueFilter.from_args(MultiDict(parse_qsl(preset.query)))) == preset.query


def test_the_filter_round_trips_through_its_query():
    flt = QueueFilter(status="all", priority="high", unassigned=True, q="slow site", sort="-customer")
    assert QueueFilter.from_args(MultiDict(parse_qsl(saved_views.query_of(flt)))) == flt
    assert saved_views.query_of(QueueFilter()) == ""


def test_breached_since_counts_the_breach_moment_not_the_opening(app, make):
    from feedback.followups import services

    customer, person = make.customer(), make.staff()
    # Both opened at T0. Critical, unanswered: every deadline breached within the first day.
    early = make.rating(customer, csat=1, category="uptime", comment="early", now=T0).followup
    # Normal, answered within the hour: its resolution (72 h) breached on day 3.
    late = make.rating(customer, csat=3, nps=3, comment="late", now=T0).followup
    services.staff_reply(late, person, "Looking into it", now=T0 + timedelta(hours=1))
    sweep(now=T0 + timedelta(days=4))
    db.session.commit()
    flt = QueueFilter(status="all", breached_since="7d")

    def listed(flt, now):
        return {fu.id for fu in db.session.scalars(queue(flt, person.id, now))}

    now = T0 + timedelta(days=8, hours=2)  # the week began after day 1 (and its breaches)
    assert listed(flt, now) == {late.id}
    assert listed(QueueFilter(status="all", breached=True), now) == {early.id, late.id}
    assert listed(flt, T0 + timedelta(days=11)) == set()  # a week after day 3
    # On day 1 only the early one had breached (the late one's 24 h ceiling came an hour later).
    assert listed(flt, T0 + timedelta(hours=24, minutes=30)) == {early.id}
    assert not flt.lists_every_open_case


def test_breached_since_from_the_address(client, make, agent):
    assert QueueFilter.from_args({"breached_since": "7d"}).breached_since == "7d"
    assert QueueFilter.from_args({"breached_since": "3y"}).breached_since is None
    page = client.get("/queue/?breached_since=7d").get_data(as_text=True)
    assert '<option value="7d" selected>' in page


def test_saving_is_rate_limited(client, agent):
    for n in range(30):
        client.post("/queue/views", data={"name": f"v{n}"})
    assert client.post("/queue/views", data={"name": "one too many"}).status_code == 429
