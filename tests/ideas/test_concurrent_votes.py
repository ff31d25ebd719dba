"""Votes cast at the same moment on their own connections (a double click, a retried request,
two customers at once) count exactly once each: ``services.vote`` locks the live idea's row
(SELECT … FOR UPDATE) and inserts with ON CONFLICT DO NOTHING. PostgreSQL only."""

import threading

import pytest
from sqlalchemy import func, select

from feedback.auth.models import User
from feedback.extensions import db
from feedback.ideas import services
from feedback.ideas.merge import merge
from feedback.ideas.models import Idea, IdeaFollower, IdeaVote
from tests.factories import T0

ROUNDS = 5  # a race that slips through once in a while should still show up


@pytest.fixture
def postgres(database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("needs PostgreSQL: SQLite takes one writer at a time, so votes cannot overlap")


def _at_once(app, calls: list[tuple[int, int]]) -> list[BaseException]:
    """Run ``vote(idea, customer)`` for each (idea id, customer id) in its own thread, app context,
    session and connection, all released together by a barrier; each commits. Returns errors."""
    barrier = threading.Barrier(len(calls))
    errors: list[BaseException] = []

    def cast(idea_id: int, customer_id: int) -> None:
        with app.app_context():
            try:
                idea, customer = db.session.get(Idea, idea_id), db.session.get(User, customer_id)
                db.session.connection()  # the connection is open before the race starts
                barrier.wait(timeout=10)
                services.vote(idea, customer, now=T0)
                db.session.commit()
            except Exception as exc:  # noqa: BLE001  (reported to the test's thread)
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=cast, args=call) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads), "a vote hung (deadlock?)"
    return errors


def _count(model, idea_ids: list[int]) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(model.idea_id.in_(idea_ids)))


def _fresh_idea(author: User, title: str) -> Idea:
    idea = services.post_idea(author, title=title, now=T0)
    db.session.commit()
    return idea


@pytest.mark.postgres
@pytest.mark.real_commits  # each thread commits on a connection of its own
def test_the_same_customer_voting_twice_at_once_counts_once(app, postgres, make):
    author, voter = make.customer(), make.customer()
    for n in range(ROUNDS):
        idea = _fresh_idea(author, f"Dark mode, take {n}")

        errors = _at_once(app, [(idea.id, voter.id), (idea.id, voter.id)])

        assert errors == []
        db.session.expire_all()
        assert _count(IdeaVote, [idea.id]) == 2  # the author's and the voter's
        assert db.session.get(Idea, idea.id).vote_count == 2
        assert _count(IdeaFollower, [idea.id]) == 2


@pytest.mark.postgres
@pytest.mark.real_commits
def test_two_customers_voting_at_once_both_count(app, postgres, make):
    author, first, second = make.customer(), make.customer(), make.customer()
    for n in range(ROUNDS):
        idea = _fresh_idea(author, f"IPv6 everywhere, take {n}")

        errors = _at_once(app, [(idea.id, first.id), (idea.id, second.id)])

        assert errors == []
        db.session.expire_all()
        assert _count(IdeaVote, [idea.id]) == 3
        assert db.session.get(Idea, idea.id).vote_count == 3


@pytest.mark.postgres
@pytest.mark.real_commits
def test_one_customer_voting_for_an_idea_and_its_duplicate_at_once_counts_once(app, postgres, make):
    author, staff, voter = make.customer(), make.staff(), make.customer()
    for n in range(ROUNDS):
        keep = _fresh_idea(author, f"Night theme, take {n}")
        duplicate = _fresh_idea(author, f"Dark theme, take {n}")
        merge(duplicate, keep, staff, now=T0)
        db.session.commit()

        errors = _at_once(app, [(keep.id, voter.id), (duplicate.id, voter.id)])

        assert errors == []
        db.session.expire_all()
        assert _count(IdeaVote, [keep.id, duplicate.id]) == 3  # the author's two, the voter's one
        assert db.session.get(Idea, keep.id).vote_count == 2  # distinct customers in the group
