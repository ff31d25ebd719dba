"""What customers read stays true: the changelog follows the idea's status and visibility, only
a decline's reason or a done idea's changes are public status text, spam is neither merged into
nor announced, and saving the same answer twice is not news."""

import pytest

from feedback.extensions import db
from feedback.ideas import merge, queries, services
from feedback.ideas.jobs import mail_status_changes
from feedback.ideas.models import IdeaEvent, IdeaEventKind, IdeaStatus
from feedback.mailer.models import OutboxMessage
from tests.factories import T0


@pytest.fixture
def people(make):
    return make.customer(), make.staff()


def _changelog_titles() -> list[str]:
    return [entry.title for entry in db.session.scalars(queries.changelog())]


def test_the_changelog_drops_an_idea_that_is_no_longer_done_or_is_hidden(people):
    customer, staff = people
    idea = services.post_idea(customer, title="Hourly backups", now=T0)
    other = services.post_idea(customer, title="Dark mode", now=T0)
    services.set_status(idea, IdeaStatus.DONE, staff, changelog="Every hour now.", now=T0)
    services.set_status(other, IdeaStatus.DONE, staff, changelog="In the panel.", now=T0)
    assert sorted(_changelog_titles()) == ["Dark mode", "Hourly backups"]

    services.set_status(idea, IdeaStatus.PLANNED, staff, now=T0)  # done by mistake
    services.set_hidden(other, True, staff, now=T0)
    assert _changelog_titles() == []
    services.set_hidden(other, False, staff, now=T0)
    assert _changelog_titles() == ["Dark mode"]


def test_only_a_decline_reason_or_what_changed_becomes_public_status_text(people):
    customer, staff = people
    idea = services.post_idea(customer, title="Hourly backups", now=T0)
    event = services.set_status(idea, IdeaStatus.PLANNED, staff, changelog="draft: internal", now=T0)
    assert event.body == ""
    assert (
        services.set_status(idea, IdeaStatus.DONE, staff, changelog="Every hour.", now=T0).body
        == "Every hour."
    )


def test_an_idea_cannot_be_merged_into_a_hidden_one(people):
    customer, staff = people
    spam = services.post_idea(customer, title="Buy cheap watches", now=T0)
    real = services.post_idea(customer, title="Hourly backups", now=T0)
    services.set_hidden(spam, True, staff, now=T0)
    with pytest.raises(services.IdeaError):
        merge.merge(real, spam, staff, now=T0)
    assert real.merged_into_id is None


def test_a_hidden_ideas_status_change_mails_nobody(people, app):
    customer, staff = people
    idea = services.post_idea(customer, title="Buy cheap watches", now=T0)
    services.set_hidden(idea, True, staff, now=T0)
    services.set_status(idea, IdeaStatus.DECLINED, staff, reason="Spam.", now=T0)
    db.session.commit()
    mail_status_changes(T0)
    assert db.session.scalar(db.select(db.func.count(OutboxMessage.id))) == 0
    assert db.session.scalar(db.select(IdeaEvent.mailed_at).where(IdeaEvent.kind == IdeaEventKind.STATUS))


def test_saving_the_same_answer_again_adds_nothing_to_the_trail(people):
    customer, staff = people
    idea = services.post_idea(customer, title="Hourly backups", now=T0)
    assert services.answer(idea, "We plan it.", staff, now=T0) is not None
    assert services.answer(idea, " We plan it. ", staff, now=T0) is None
    answered = db.select(db.func.count(IdeaEvent.id)).where(IdeaEvent.kind == IdeaEventKind.ANSWERED)
    assert db.session.scalar(answered) == 1
