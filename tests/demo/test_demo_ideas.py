"""The demo's idea board looks like a real one: every status, a few ideas wanted by many,
duplicates for the staff to merge, answers, changelog, links; and it mails nobody."""

import re

import pytest
from sqlalchemy import func, select

from feedback.auth.models import Role, User
from feedback.demo.generator import DEMO_LOGINS, generate_demo
from feedback.extensions import db
from feedback.ideas import queries
from feedback.ideas.models import (
    ChangelogEntry,
    Idea,
    IdeaEvent,
    IdeaEventKind,
    IdeaLink,
    IdeaStatus,
    IdeaVote,
)
from feedback.mailer.models import OutboxMessage, OutboxStatus
from tests.conftest import T0, clear_database

ARABIC = re.compile(r"[\u0600-\u06FF]")
ESPERANTO = re.compile(r"[ĉĝĥĵŝŭ]|Esperanto")


@pytest.fixture
def demo(runner):
    result = runner.invoke(args=["demo", "--customers", "30", "--seed", "3", "--now", T0.isoformat()])
    assert result.exit_code == 0, result.output
    return result.output


def _board():
    return db.session.scalars(select(Idea).where(Idea.merged_into_id.is_(None), Idea.hidden.is_(False))).all()


def test_the_summary_counts_ideas_and_votes(demo):
    votes = db.session.scalar(select(func.count()).select_from(IdeaVote))
    line = next(line for line in demo.splitlines() if line.strip().startswith("ideas"))
    assert f"{len(_board())} on the board" in line and f"{votes} votes" in line


def test_a_board_in_every_status_and_three_languages(demo):
    board = _board()
    assert len(board) >= 40
    assert {idea.status for idea in board} == set(IdeaStatus)
    titles = [idea.title for idea in board]
    assert sum(bool(ARABIC.search(t)) for t in titles) >= 2
    assert sum(bool(ESPERANTO.search(t)) for t in titles) >= 2
    assert any(idea.anonymous for idea in board)
    assert db.session.scalar(select(func.count()).select_from(Idea).where(Idea.hidden)) == 1


def test_a_few_ideas_get_most_votes_and_counts_are_consistent(demo):
    board = sorted(_board(), key=lambda idea: idea.vote_count, reverse=True)
    counts = [idea.vote_count for idea in board]
    assert counts[0] >= 3 * counts[len(counts) // 2]  # skewed: the top far above the median
    for idea in board:
        group = select(Idea.id).where(Idea.root_id == idea.id)
        voters = select(func.count(func.distinct(IdeaVote.customer_id))).where(IdeaVote.idea_id.in_(group))
        assert idea.vote_count == db.session.scalar(voters), idea.title
    staff = select(User.id).where(User.role != Role.CUSTOMER)
    assert not db.session.scalar(
        select(func.count()).select_from(IdeaVote).where(IdeaVote.customer_id.in_(staff))
    )
    created = select(Idea.created_at).where(Idea.id == IdeaVote.idea_id).scalar_subquery()
    assert not db.session.scalar(
        select(func.count())
        .select_from(IdeaVote)
        .where((IdeaVote.created_at < created) | (IdeaVote.created_at > T0))
    )


def test_duplicates_to_merge_one_merged_and_the_staff_work_shown(demo):
    merged = db.session.scalars(select(Idea).where(Idea.merged_into_id.is_not(None))).all()
    assert len(merged) == 1 and merged[0].merged_into.title == "Bigger mailboxes"
    found = [idea.title for idea in queries.similar("Auto-renew SSL certificates")]
    assert "Auto-renew SSL" in found and "Let's Encrypt certificates renew automatically" in found
    done = [idea for idea in _board() if idea.status == IdeaStatus.DONE]
    entries = db.session.scalars(select(ChangelogEntry)).all()
    assert len(done) >= 3 and {e.idea_id for e in entries} == {idea.id for idea in done}
    assert all(e.body for e in entries)
    declined = [idea for idea in _board() if idea.status == IdeaStatus.DECLINED]
    assert declined and all(idea.decline_reason for idea in declined)
    assert sum(bool(idea.official_answer) for idea in _board()) >= 4
    links = db.session.scalars(select(IdeaLink)).all()
    assert any(link.followup_id for link in links) and any(link.notice_id for link in links)


def test_the_demo_customer_took_part_and_history_mail_is_all_sent(demo):
    dana = db.session.scalar(select(User).where(User.email == DEMO_LOGINS[Role.CUSTOMER][0]))
    assert db.session.scalar(select(func.count()).select_from(Idea).where(Idea.author_id == dana.id)) >= 2
    assert (
        db.session.scalar(select(func.count()).select_from(IdeaVote).where(IdeaVote.customer_id == dana.id))
        >= 5
    )
    pending = (
        select(func.count())
        .select_from(IdeaEvent)
        .where(IdeaEvent.kind == IdeaEventKind.STATUS, IdeaEvent.mailed_at.is_(None))
    )
    assert db.session.scalar(pending) == 0  # the worker will not mail the history on its first run
    mails = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "ideas/status_changed")
    ).all()
    assert mails and {m.to_email for m in mails} <= {email for email, _ in DEMO_LOGINS.values()}
    assert all(m.status == OutboxStatus.SENT for m in mails)


def _ideas_snapshot():
    return db.session.execute(
        select(Idea.title, Idea.status, Idea.vote_count, Idea.anonymous, Idea.created_at).order_by(Idea.id)
    ).all()


def test_same_seed_same_board(app):
    generate_demo(12, seed=5, now=T0)
    first = _ideas_snapshot()
    clear_database()
    generate_demo(12, seed=5, now=T0)
    assert _ideas_snapshot() == first
    clear_database()
