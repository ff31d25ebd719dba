"""Merging duplicates from the staff's idea page: choose, confirm, merge, and undo from either
idea, with the vote counts back where they were."""

import pytest

from feedback.extensions import db
from feedback.ideas import services
from feedback.ideas.models import Idea, IdeaEventKind
from tests.factories import T0


def post(author, title) -> Idea:
    idea = services.post_idea(author, title=title, now=T0)
    db.session.commit()
    return idea


@pytest.fixture
def pair(app, make, auth):
    """A kept idea with two voters and a duplicate with two (one voted on both); staff signed in."""
    ada, bob, cy = make.customer("Ada"), make.customer("Bob"), make.customer("Cy")
    keep = post(ada, "Staging sites for WordPress")
    duplicate = post(bob, "A staging copy of my WordPress site")
    services.vote(keep, cy)
    services.vote(duplicate, cy)
    db.session.commit()
    auth.login(make.staff())
    return keep, duplicate


def test_the_staff_page_offers_similar_live_ideas_to_merge_into(app, client, pair):
    keep, duplicate = pair

    page = client.get(f"/staff/ideas/{duplicate.id}").get_data(as_text=True)

    assert f'<option value="{keep.id}">' in page
    searched = client.get(f"/staff/ideas/{duplicate.id}?merge_q=nothing-like-it").get_data(as_text=True)
    assert "No live idea matches." in searched


def test_merge_asks_for_confirmation_first(app, client, pair):
    keep, duplicate = pair

    page = client.get(f"/staff/ideas/{duplicate.id}/merge?keep={keep.id}")

    assert page.status_code == 200
    assert f"Merge #{duplicate.id} into #{keep.id}" in page.get_data(as_text=True)
    assert duplicate.merged_into_id is None


def test_merge_then_undo_restores_the_counts(app, client, pair):
    keep, duplicate = pair
    assert (keep.vote_count, duplicate.vote_count) == (2, 2)

    response = client.post(
        f"/staff/ideas/{duplicate.id}/merge", data={"keep": keep.id}, follow_redirects=True
    )

    page = response.get_data(as_text=True)
    assert "Merged into" in page and "Undo merge" in page
    db.session.expire_all()
    assert duplicate.merged_into_id == keep.id
    assert keep.vote_count == 3  # Cy voted on both and counts once
    kept_page = client.get(f"/staff/ideas/{keep.id}").get_data(as_text=True)
    assert "Undo this merge" in kept_page

    client.post(f"/staff/ideas/{duplicate.id}/unmerge")

    db.session.expire_all()
    assert duplicate.merged_into_id is None
    assert (keep.vote_count, duplicate.vote_count) == (2, 2)
    assert [e.kind for e in duplicate.events][-2:] == [IdeaEventKind.MERGED_INTO, IdeaEventKind.UNMERGED]


def test_undo_from_the_kept_idea_goes_back_to_it(app, client, pair):
    keep, duplicate = pair
    client.post(f"/staff/ideas/{duplicate.id}/merge", data={"keep": keep.id})

    response = client.post(f"/staff/ideas/{duplicate.id}/unmerge", data={"back": keep.id})

    assert response.headers["Location"] == f"/staff/ideas/{keep.id}"
    db.session.expire_all()
    assert keep.vote_count == 2 and duplicate.merged_into_id is None


def test_merging_into_itself_or_a_missing_idea_is_refused(app, client, pair):
    _keep, duplicate = pair

    itself = client.post(
        f"/staff/ideas/{duplicate.id}/merge", data={"keep": duplicate.id}, follow_redirects=True
    )
    missing = client.get(f"/staff/ideas/{duplicate.id}/merge?keep=999999", follow_redirects=True)
    no_number = client.get(f"/staff/ideas/{duplicate.id}/merge?keep=abc", follow_redirects=True)

    assert "cannot be merged into itself" in itself.get_data(as_text=True)
    assert "There is no idea #999999." in missing.get_data(as_text=True)
    assert "Idea to keep (number)" in no_number.get_data(as_text=True)
    assert duplicate.merged_into_id is None


def test_a_merged_idea_cannot_change_status(app, client, pair):
    keep, duplicate = pair
    client.post(f"/staff/ideas/{duplicate.id}/merge", data={"keep": keep.id})

    page = client.get(f"/staff/ideas/{duplicate.id}").get_data(as_text=True)

    assert f"/staff/ideas/{duplicate.id}/status" not in page  # no status form on a merged idea
    assert f"/staff/ideas/{duplicate.id}/unmerge" in page
