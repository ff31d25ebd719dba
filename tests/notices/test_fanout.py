"""A notice to a large audience is queued in batches, a transaction each, and a fan-out
killed between batches resumes without losing or doubling anyone's mail."""

from collections import Counter

import pytest
from sqlalchemy import select

from feedback.extensions import db
from feedback.mailer.models import OutboxMessage
from feedback.notices import services
from feedback.notices.jobs import send_notice_mail
from feedback.notices.models import Notice
from tests.conftest import T0
from tests.factories import make_notice


class Killed(Exception):
    """The worker died here."""


@pytest.fixture
def audience(app, make, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_FANOUT_BATCH", 3)
    customers = [make.customer(name=f"Customer {n}") for n in range(7)]
    db.session.commit()
    return customers


def _published(make):
    notice = make_notice(make.manager(), title="Kernel upgrade")
    services.publish(notice, notice.created_by, T0)
    db.session.commit()
    return notice


def _recipients() -> Counter:
    return Counter(db.session.scalars(select(OutboxMessage.user_id)).all())


def _count_commits(monkeypatch, kill_after: int | None = None) -> list[int]:
    """Count the session's commits with queued mail in them; raise Killed after the n-th."""
    commits: list[int] = []
    real_commit = db.session.commit

    def commit():
        before = db.session.scalar(select(db.func.count()).select_from(OutboxMessage))
        real_commit()
        commits.append(before)
        if kill_after is not None and len(commits) == kill_after:
            raise Killed

    monkeypatch.setattr(db.session, "commit", commit)
    return commits


def test_the_fan_out_commits_a_batch_of_recipients_at_a_time(app, make, audience, monkeypatch):
    notice = _published(make)
    commits = _count_commits(monkeypatch)
    assert send_notice_mail(T0).emails == 7
    # The outbox grows 3, 3, 1 rows per commit: three transactions, not one for everyone.
    assert [n for n in commits if n] == [3, 6, 7]
    monkeypatch.undo()
    db.session.commit()
    assert _recipients() == Counter(c.id for c in audience)
    assert db.session.get(Notice, notice.id).notified_at is not None


def test_a_fan_out_killed_between_batches_resumes_with_everyone_mailed_once(app, make, audience, monkeypatch):
    notice = _published(make)
    _count_commits(monkeypatch, kill_after=3)  # the notice's lock, then two batches of three
    with pytest.raises(Killed):
        send_notice_mail(T0)
    monkeypatch.undo()
    db.session.rollback()
    assert sum(_recipients().values()) == 6  # two batches committed, the rest not yet
    assert db.session.get(Notice, notice.id).notified_at is None  # so the next run resumes it
    assert send_notice_mail(T0).emails == 1  # only the customer the killed run had not reached
    db.session.commit()
    assert _recipients() == Counter(c.id for c in audience)  # everyone, once
    assert send_notice_mail(T0).emails == 0
