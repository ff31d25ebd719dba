"""The customers' idea board as they use it: post, find, vote, follow, read the changelog,
and see other customers only as much as privacy allows."""

import re

import pytest

from feedback import create_app
from feedback.extensions import db
from feedback.ideas import merge as merging
from feedback.ideas import services
from feedback.ideas.models import Idea, IdeaFollower, IdeaStatus
from tests.conftest import make_config
from tests.factories import T0


def _post(customer, title="Faster backups", description="", **kwargs):
    idea = services.post_idea(customer, title=title, description=description, now=T0, **kwargs)
    db.session.commit()
    return idea


def _page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


def test_posting_an_idea_shows_it_with_the_authors_vote(client, auth, make):
    auth.login(make.customer("Ada Lovelace"))
    response = client.post(
        "/ideas/new",
        data={"title": "Staging sites", "description": "A copy to test on.", "category": "other"},
    )
    idea = db.session.scalar(db.select(Idea))
    assert response.status_code == 302
    assert response.headers["Location"] == f"/ideas/{idea.id}"
    page = _page(client, f"/ideas/{idea.id}")
    assert "Thank you: your idea is on the board, with your vote." in page
    assert "Staging sites" in page and "A copy to test on." in page
    assert f'action="/ideas/{idea.id}/unvote"' in page  # the author's vote is in
    assert "Staging sites" in _page(client, "/ideas/")


@pytest.mark.parametrize(
    "data, message",
    [
        ({"title": ""}, "Give your idea a title."),
        ({"title": "IP"}, "Say a little more in the title"),
        ({"title": "x" * 201}, "Keep the title under 200 characters."),
        ({"category": "no-such-area"}, "Not a valid choice."),
    ],
)
def test_a_refused_idea_keeps_what_was_typed(client, auth, make, data, message):
    auth.login(make.customer())
    typed = "Ĉu vi aŭdas? مرحبا my words must survive"
    response = client.post("/ideas/new", data={"title": "Staging", "description": typed, **data})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in page
    assert typed in page
    assert db.session.scalar(db.select(db.func.count(Idea.id))) == 0


def test_a_refused_idea_offers_the_similar_ones_without_javascript(client, auth, make):
    _post(make.customer(), "Longer backup retention")
    auth.login(make.customer())
    page = client.post("/ideas/new", data={"title": "", "description": "backup retention"}).get_data(True)
    assert "Longer backup retention" in page
    assert "Vote for this instead" in page


def test_vote_unvote_follow_unfollow_change_what_the_page_shows(client, auth, make):
    idea = _post(make.customer())
    me = make.customer()
    auth.login(me)
    url = f"/ideas/{idea.id}"
    assert "Follow it to get an e-mail" in _page(client, url)

    client.post(f"{url}/vote", data={"next": url})
    db.session.refresh(idea)
    assert idea.vote_count == 2
    page = _page(client, url)
    assert "Your vote counts." in page
    assert f'action="{url}/unvote"' in page
    assert "You follow this idea" in page  # voters follow by default

    client.post(f"{url}/unfollow")
    assert "Follow it to get an e-mail" in _page(client, url)
    assert services.has_voted(idea, me.id)  # the vote stays

    client.post(f"{url}/unvote")
    db.session.refresh(idea)
    assert idea.vote_count == 1
    assert f'action="{url}/vote"' in _page(client, url)

    client.post(f"{url}/follow")  # following without voting
    assert db.session.scalar(db.select(IdeaFollower).filter_by(idea_id=idea.id, user_id=me.id))
    assert "You follow this idea" in _page(client, url)


def test_a_vote_from_the_board_comes_back_to_the_same_filtered_page(client, auth, make):
    idea = _post(make.customer())
    auth.login(make.customer())
    back = "/ideas/?q=backups&sort=new"
    response = client.post(f"/ideas/{idea.id}/vote", data={"next": back})
    assert response.headers["Location"] == back
    response = client.post(f"/ideas/{idea.id}/unvote", data={"next": "https://evil.example/"})
    assert response.headers["Location"] == f"/ideas/{idea.id}"  # never off the site


def test_other_customers_see_a_short_name_or_a_customer_and_the_author_sees_their_own(client, auth, make):
    ada = make.customer("Ada Lovelace", email="ada@example.test", server="analytical-engines.example")
    named = _post(ada, "Named idea")
    hidden_name = _post(ada, "Anonymous idea", anonymous=True)
    auth.login(make.customer())
    for url in ("/ideas/", f"/ideas/{named.id}", f"/ideas/{hidden_name.id}"):
        page = _page(client, url)
        assert "Lovelace" not in page and "ada@example.test" not in page and "analytical-engines" not in page
    assert "Ada L." in _page(client, f"/ideas/{named.id}")
    anonymous_page = _page(client, f"/ideas/{hidden_name.id}")
    assert "A customer" in anonymous_page and "Ada L." not in anonymous_page
    auth.logout()
    auth.login(ada)
    assert "Ada Lovelace" in _page(client, f"/ideas/{hidden_name.id}")


def test_what_customers_typed_is_escaped(client, auth, make):
    idea = _post(make.customer("<b>Eve</b> Evil"), "<script>alert(1)</script>")
    auth.login(make.customer())
    for url in ("/ideas/", f"/ideas/{idea.id}"):
        page = _page(client, url)
        assert "<script>alert(1)" not in page and "<b>Eve" not in page
        assert "&lt;script&gt;alert(1)" in page


def test_the_board_searches_filters_sorts_and_paginates(app, client, auth, make, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 20)
    author = make.customer()
    for n in range(23):
        _post(author, f"Idea number {n}")
    planned = _post(author, "Ĉambro por testoj")
    staff = make.staff()
    services.set_status(planned, IdeaStatus.PLANNED, staff, now=T0)
    db.session.commit()
    auth.login(make.customer())
    assert "Ĉambro por testoj" in _page(client, "/ideas/?q=cambro")
    assert "Idea number" not in _page(client, "/ideas/?q=cambro")
    only_planned = _page(client, "/ideas/?status=planned")
    assert "Ĉambro por testoj" in only_planned and "Idea number" not in only_planned
    first = _page(client, "/ideas/?sort=new")
    assert first.index("Ĉambro por testoj") < first.index("Idea number 22")
    assert 'class="pagination' in first
    assert "Idea number" in _page(client, "/ideas/?sort=new&page=2")
    assert "No idea matches your search." in _page(client, "/ideas/?q=zzzqqq")


def test_an_empty_board_invites_the_first_idea(client, auth, make):
    auth.login(make.customer())
    assert "No ideas yet. Be the first" in _page(client, "/ideas/")
    assert "Nothing here yet." in _page(client, "/ideas/changelog")


def test_the_public_trail_shows_answers_and_status_changes_but_never_notes(client, auth, make):
    idea = _post(make.customer())
    staff = make.staff("Sam Support")
    services.answer(idea, "We are on it.", staff, now=T0)
    services.add_note(idea, "Costs too much, secretly.", staff, now=T0)
    services.set_status(idea, IdeaStatus.DECLINED, staff, reason="Our storage cannot hold it.", now=T0)
    db.session.commit()
    auth.login(make.customer())
    page = _page(client, f"/ideas/{idea.id}")
    assert "We are on it." in page and "Sam Support" in page
    assert "Why we declined it" in page and "Our storage cannot hold it." in page
    assert "Status changed to Declined" in page
    assert "secretly" not in page


def test_a_hidden_idea_is_404_and_off_the_board(client, auth, make):
    idea = _post(make.customer(), "Buy cheap pills")
    services.set_hidden(idea, True, make.staff(), now=T0)
    db.session.commit()
    auth.login(make.customer())
    assert client.get(f"/ideas/{idea.id}").status_code == 404
    assert client.post(f"/ideas/{idea.id}/vote").status_code == 404
    assert "Buy cheap pills" not in _page(client, "/ideas/")
    assert client.get("/ideas/999999").status_code == 404


def test_a_merged_idea_redirects_to_the_kept_one_with_a_notice(client, auth, make):
    keep, duplicate = _post(make.customer(), "Dark mode"), _post(make.customer(), "Night theme")
    merging.merge(duplicate, keep, make.staff(), now=T0)
    db.session.commit()
    auth.login(make.customer())
    response = client.get(f"/ideas/{duplicate.id}")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/ideas/{keep.id}"
    assert "was merged into this idea" in _page(client, f"/ideas/{keep.id}")


def test_a_locked_idea_says_voting_is_closed(client, auth, make):
    idea = _post(make.customer())
    services.set_locked(idea, True, make.staff(), now=T0)
    db.session.commit()
    auth.login(make.customer())
    page = _page(client, f"/ideas/{idea.id}")
    assert "This idea is closed for voting." in page
    assert f'action="/ideas/{idea.id}/vote"' not in page
    client.post(f"/ideas/{idea.id}/vote")
    db.session.refresh(idea)
    assert idea.vote_count == 1


@pytest.mark.parametrize(
    "title, typed",
    [("Ĉambro por testoj", "ĉambro"), ("Ĉambro por testoj", "CAMBRO"), ("نسخ احتياطي يومي", "احتياطي")],
)
def test_similar_finds_ideas_in_every_language(client, auth, make, title, typed):
    idea = _post(make.customer(), title)
    _post(make.customer(), "Something else entirely")
    me = make.customer()
    auth.login(me)
    response = client.get("/ideas/similar", query_string={"q": typed})
    assert response.status_code == 200
    [found] = response.get_json()
    assert found == {
        "id": idea.id,
        "title": title,
        "status": "New",
        "votes": 1,
        "votes_label": "1 vote",
        "url": f"/ideas/{idea.id}",
        "vote_url": f"/ideas/{idea.id}/vote",
        "voted": False,
        "locked": False,
    }
    services.vote(idea, me, now=T0)
    db.session.commit()
    assert client.get("/ideas/similar", query_string={"q": typed}).get_json()[0]["voted"] is True
    assert client.get("/ideas/similar", query_string={"q": ""}).get_json() == []


def test_the_changelog_lists_done_ideas_newest_first(client, auth, make):
    author, staff = make.customer(), make.staff()
    first, second = _post(author, "Free SSL"), _post(author, "PHP 8.4")
    services.set_status(first, IdeaStatus.DONE, staff, changelog="Every site has one.", now=T0)
    services.set_status(
        second, IdeaStatus.DONE, staff, changelog="Choose it per site.", now=T0.replace(day=3)
    )
    db.session.commit()
    auth.login(make.customer())
    page = _page(client, "/ideas/changelog")
    assert page.index("PHP 8.4") < page.index("Free SSL")
    assert f'href="/ideas/{first.id}"' in page and "Every site has one." in page


@pytest.mark.parametrize("role", ["staff", "manager"])
def test_staff_and_managers_do_not_use_the_customers_board(client, auth, make, role):
    idea = _post(make.customer())
    auth.login(getattr(make, role)())
    for url in ("/ideas/", "/ideas/new", f"/ideas/{idea.id}", "/ideas/changelog", "/ideas/similar?q=x"):
        assert client.get(url).status_code == 403, url
    assert client.post(f"/ideas/{idea.id}/vote").status_code == 403


def test_signed_out_visitors_are_sent_to_sign_in(client):
    assert client.get("/ideas/").headers["Location"].startswith("/login?next=")


def test_every_write_is_rate_limited_and_the_similar_endpoint_too(client, auth, make):
    idea = _post(make.customer())
    auth.login(make.customer())
    codes = [client.post(f"/ideas/{idea.id}/follow").status_code for _ in range(31)]
    assert codes[:30] == [302] * 30 and codes[30] == 429
    codes = [client.get("/ideas/similar?q=backups").status_code for _ in range(61)]
    assert codes[-1] == 429
    codes = [client.post("/ideas/new", data={"title": ""}).status_code for _ in range(31)]
    assert codes[-1] == 429


def test_new_ideas_are_limited_per_customer_and_refused_ones_do_not_count(
    app, client, auth, make, monkeypatch
):
    monkeypatch.setitem(app.config, "IDEA_POST_RATE_LIMIT", "2 per hour")
    auth.login(make.customer())
    refused = [client.post("/ideas/new", data={"title": ""}).status_code for _ in range(3)]
    posted = [client.post("/ideas/new", data={"title": f"Idea number {n}"}).status_code for n in range(3)]
    assert refused == [400, 400, 400] and posted == [302, 302, 429]


@pytest.fixture
def csrf_client(app, database_url):
    protected = create_app(make_config(database_url, WTF_CSRF_ENABLED=True))
    yield protected.test_client()
    with protected.app_context():
        db.session.remove()
        db.engine.dispose()


def _token(html: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def test_every_button_carries_a_csrf_token_and_a_forged_post_is_refused(csrf_client, make):
    idea = _post(make.customer())
    me = make.customer()
    login = _token(csrf_client.get("/login").get_data(True))
    csrf_client.post("/login", data={"email": me.email, "password": "password123", "csrf_token": login})
    page = csrf_client.get(f"/ideas/{idea.id}").get_data(True)
    assert csrf_client.post(f"/ideas/{idea.id}/vote").status_code == 400
    assert csrf_client.post("/ideas/new", data={"title": "Forged idea"}).status_code == 400
    response = csrf_client.post(f"/ideas/{idea.id}/vote", data={"csrf_token": _token(page)})
    assert response.status_code == 302
    db.session.refresh(idea)
    assert idea.vote_count == 2


def test_the_dashboard_shows_a_merged_idea_with_the_status_and_votes_of_the_one_kept(client, auth, make):
    author, staff = make.customer(), make.staff()
    mine = _post(author, "Backups in a second place")
    kept = _post(make.customer(), "Daily off-site backups")
    merging.merge(mine, kept, staff, now=T0)
    services.set_status(kept, IdeaStatus.PLANNED, staff, now=T0)
    db.session.commit()
    auth.login(author)
    page = client.get("/dashboard").get_data(as_text=True)
    assert "Merged into “Daily off-site backups”" in page
    assert "Planned · 2" in page


def test_a_follower_who_turned_optional_mail_off_is_told_the_e_mails_will_not_come(client, auth, make):
    idea = _post(make.customer())
    me = make.customer()
    me.optional_mail = False
    db.session.commit()
    auth.login(me)
    page = client.get(f"/ideas/{idea.id}").get_data(as_text=True)
    assert "Your e-mail preferences turn idea updates off" in page
