"""Followers hear of each status change of an idea once, in their language, with the reason
when it was declined and what changed when it was done."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from feedback.extensions import db
from feedback.ideas import services as ideas
from feedback.ideas.merge import merge
from feedback.ideas.models import IdeaStatus
from feedback.mailer.dispatch import dispatch
from feedback.mailer.models import OutboxMessage
from feedback.worker.jobs import run_job
from tests.factories import T0
from tests.i18n.english import MADE_UP, english_in, english_on, english_words

ARABIC = re.compile(r"[\u0600-\u06FF]")
LATER = T0 + timedelta(hours=1)


def _mails():
    return db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "ideas/status_changed").order_by(OutboxMessage.id)
    ).all()


def _run(now=LATER):
    return run_job("ideas", now, claim=False)


@pytest.fixture
def staff(make):
    return make.staff("Sam Support")


@pytest.fixture
def idea(make):
    author = make.customer("Ada Lovelace")
    posted = ideas.post_idea(
        author, title="Daily off-site backups", description="Copies kept elsewhere.", now=T0
    )
    db.session.commit()
    return posted


def test_done_mails_each_follower_once_in_their_language(make, staff, idea):
    arabic = make.customer("Vrokzal Kvaxow")
    arabic.locale = "ar"
    quiet = make.customer("Quiet Reader")
    quiet.optional_mail = False
    for user in (arabic, quiet):
        ideas.vote(idea, user, now=T0)
    ideas.set_status(idea, IdeaStatus.DONE, staff, changelog="Backups now go to a second site.", now=T0)
    db.session.commit()

    result = _run()

    mails = _mails()
    assert result.emails == 2 and len(mails) == 2  # the author and the Arabic reader; not the opted out
    by_to = {m.to_email: m for m in mails}
    assert quiet.email not in by_to
    author_mail = by_to[idea.author.email]
    assert author_mail.subject == "Your idea is now Done: Daily off-site backups"
    assert "Backups now go to a second site." in author_mail.body_text
    assert f"/ideas/{idea.id}" in author_mail.body_text
    arabic_mail = by_to[arabic.email]
    assert ARABIC.search(arabic_mail.subject) and "idea" not in arabic_mail.subject.lower()
    assert ARABIC.search(arabic_mail.body_text) and "Hello" not in arabic_mail.body_text
    assert 'dir="rtl"' in arabic_mail.body_html

    assert _run(LATER + timedelta(minutes=1)).emails == 0  # twice: nothing more
    assert len(_mails()) == 2


def test_declined_mail_tells_the_reason_and_escapes_it(make, staff, idea):
    ideas.set_status(
        idea, IdeaStatus.DECLINED, staff, reason="Our <b>mail</b> servers can't hold it.", now=T0
    )
    db.session.commit()

    _run()

    (mail,) = _mails()
    assert "Our <b>mail</b> servers can't hold it." in mail.body_text
    assert "Our &lt;b&gt;mail&lt;/b&gt; servers can&#39;t hold it." in mail.body_html
    assert "Declined" in mail.subject


def test_the_one_who_changed_it_is_not_mailed_and_staff_get_the_staff_link(make, staff, idea):
    manager = make.manager("Maya Manager")
    for user in (staff, manager):
        ideas.follow(idea, user, now=T0)
    ideas.set_status(idea, IdeaStatus.PLANNED, manager, now=T0)
    db.session.commit()

    _run()

    by_to = {m.to_email: m for m in _mails()}
    assert set(by_to) == {idea.author.email, staff.email}
    assert f"/staff/ideas/{idea.id}" in by_to[staff.email].body_text
    assert "An idea you follow is now Planned" in by_to[staff.email].subject


def test_a_bulk_change_sends_one_mail_per_idea_to_a_common_follower(make, staff):
    fan = make.customer("Common Follower")
    author = make.customer()
    first = ideas.post_idea(author, title="PHP 8.4 on shared hosting", now=T0)
    second = ideas.post_idea(author, title="NVMe storage for mail", now=T0)
    for one in (first, second):
        ideas.vote(one, fan, now=T0)
    ideas.bulk_set_status([first, second], IdeaStatus.PLANNED, staff, now=T0)
    db.session.commit()

    _run()

    fan_mails = [m for m in _mails() if m.to_email == fan.email]
    assert sorted(m.subject for m in fan_mails) == [
        "An idea you follow is now Planned: NVMe storage for mail",
        "An idea you follow is now Planned: PHP 8.4 on shared hosting",
    ]


def test_a_follower_of_a_merged_duplicate_gets_the_kept_ideas_mail_once(make, staff, idea):
    both = make.customer("Voted Twice")
    duplicate = ideas.post_idea(make.customer(), title="Backups kept in another data centre", now=T0)
    ideas.vote(duplicate, both, now=T0)
    ideas.vote(idea, both, now=T0)
    merge(duplicate, idea, staff, now=T0)
    ideas.set_status(idea, IdeaStatus.IN_PROGRESS, staff, now=T0)
    db.session.commit()

    _run()

    to = [m.to_email for m in _mails()]
    assert to.count(both.email) == 1
    assert duplicate.author.email in to  # followed the duplicate only: told about the kept idea
    mail = next(m for m in _mails() if m.to_email == duplicate.author.email)
    assert "Daily off-site backups" in mail.subject and f"/ideas/{idea.id}" in mail.body_text


def test_a_relabelled_status_is_shown_as_the_manager_typed_it(make, staff, idea):
    ideas.set_status_labels({"planned": "On the <roadmap>"})
    ideas.set_status(idea, IdeaStatus.PLANNED, staff, now=T0)
    db.session.commit()

    _run()

    (mail,) = _mails()
    assert "On the <roadmap>" in mail.subject
    assert "On the &lt;roadmap&gt;" in mail.body_html


@pytest.mark.parametrize("language", ["eo", "ar"])
def test_the_mail_has_no_english_word(make, staff, language):
    reader = make.customer(f"{MADE_UP[0]} {MADE_UP[1]}")
    reader.locale = language
    idea = ideas.post_idea(reader, title=f"{MADE_UP[2]} {MADE_UP[3]}", now=T0)
    ideas.answer(idea, MADE_UP[4], staff, now=T0)
    ideas.set_status(idea, IdeaStatus.DONE, staff, changelog=MADE_UP[5], now=T0)
    other = ideas.post_idea(make.customer(), title=f"{MADE_UP[3]} {MADE_UP[2]}", now=T0)
    ideas.vote(other, reader, now=T0)
    ideas.set_status(other, IdeaStatus.DECLINED, staff, reason=MADE_UP[1], now=T0)
    db.session.commit()

    _run()

    words = english_words(language)
    mails = [m for m in _mails() if m.to_email == reader.email]
    assert len(mails) == 2
    url = re.compile(r"https?://\S+")
    for mail in mails:
        assert not english_in(mail.subject, words), mail.subject
        assert not english_in(url.sub(" ", mail.body_text), words), mail.body_text
        assert not english_on(mail.body_html, language, words)
        assert f'lang="{language}"' in mail.body_html


def test_the_mail_reaches_a_real_smtp_server(make, staff, idea, smtp):
    ideas.set_status(idea, IdeaStatus.UNDER_REVIEW, staff, now=T0)
    db.session.commit()
    _run()
    db.session.commit()

    assert dispatch(LATER).sent == 1

    (message,) = smtp.messages
    assert str(message["To"]).endswith(idea.author.email + ">") or idea.author.email in str(message["To"])
    assert str(message["Subject"]) == "Your idea is now Under review: Daily off-site backups"
    assert "Daily off-site backups" in message.get_body(("plain",)).get_content()
