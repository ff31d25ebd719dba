"""The open queue page hears of new cases: a count since it was made, critical ones announced."""

from datetime import timedelta
from urllib.parse import quote

import pytest
from sqlalchemy import select, update

from feedback.auth.models import UserSession
from feedback.core.time import utcnow
from feedback.extensions import db
from feedback.followups import services


@pytest.fixture
def agent(make, auth):
    user = make.staff(name="Ana Agent")
    auth.login(user)
    return user


def _news(client, since):
    return client.get("/queue/news?since=" + quote(since.isoformat()))


def test_what_came_in_since_the_page_was_made(client, make, agent):
    customer = make.customer(name="Zoë <Zed>")
    opened = utcnow()
    make.rating(customer, csat=2, now=opened - timedelta(minutes=5))  # on the page already
    critical = make.rating(customer, csat=1, category="uptime", now=opened + timedelta(seconds=1)).followup
    make.rating(customer, csat=2, now=opened + timedelta(seconds=2))
    done = make.rating(customer, csat=2, now=opened + timedelta(seconds=3)).followup
    services.resolve(done, agent, now=opened + timedelta(seconds=4))  # came and went: not news
    db.session.commit()

    response = _news(client, opened)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    assert body["new"] == 2 and body["message"] == "2 new cases since you opened this page."
    assert body["critical"] == [
        {
            "reference": critical.reference,
            "url": f"/queue/{critical.reference}",
            # Plain text: the page inserts it as text, never as markup.
            "text": f"New critical case {critical.reference} from Zoë <Zed>",
        }
    ]
    quiet = _news(client, opened + timedelta(minutes=1)).get_json()
    assert quiet == {"new": 0, "message": "", "critical": []}


@pytest.mark.parametrize("since", ["yesterday", "2026-03-02T09:00:00", "9" * 40, "2026-13-45T00:00:00+00:00"])
def test_a_moment_that_is_not_one_is_refused(client, agent, since):
    assert client.get("/queue/news?since=" + quote(since)).status_code == 400


def test_without_a_moment_nothing_is_news_yet(client, make, agent):
    make.rating(make.customer(), csat=1, now=utcnow() - timedelta(seconds=5))
    db.session.commit()
    for url in ("/queue/news", "/queue/news?since="):
        assert client.get(url).get_json() == {"new": 0, "message": "", "critical": []}


def test_polling_does_not_keep_an_idle_session_alive(client, agent, app):
    ten_minutes_ago = utcnow() - timedelta(minutes=10)
    db.session.execute(update(UserSession).values(last_seen_at=ten_minutes_ago))
    db.session.commit()
    assert _news(client, utcnow()).status_code == 200
    db.session.expire_all()
    assert db.session.scalar(select(UserSession.last_seen_at)) == ten_minutes_ago
    assert client.get("/queue/").status_code == 200  # the person at work: that counts
    db.session.expire_all()
    assert db.session.scalar(select(UserSession.last_seen_at)) > ten_minutes_ago


@pytest.mark.parametrize("since", ["0001-01-01T00:00:00+05:00", "9999-12-31T23:00:00-05:00"])
def test_a_moment_out_of_range_is_refused_not_an_error(client, agent, since):
    assert client.get("/queue/news?since=" + quote(since)).status_code == 400


def test_only_the_view_of_every_open_case_hears_of_new_ones(client, agent):
    assert 'id="queue-news"' in client.get("/queue/").get_data(as_text=True)
    assert 'id="queue-news"' in client.get("/queue/?sort=-priority").get_data(as_text=True)
    for narrowed in ("mine=1", "status=resolved", "priority=critical", "q=mail", "breached=1"):
        assert 'id="queue-news"' not in client.get("/queue/?" + narrowed).get_data(as_text=True), narrowed
