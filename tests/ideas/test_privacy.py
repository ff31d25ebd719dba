"""A customer never learns another customer's e-mail, surname, plan or anonymous identity from
the idea board: not on any page a customer can open, not in any API answer, not in any e-mail."""

import re
from decimal import Decimal

from feedback.auth.models import Plan
from feedback.extensions import db
from feedback.ideas import merge, services
from feedback.ideas.models import IdeaStatus
from feedback.mailer.models import OutboxMessage
from feedback.worker.jobs import run_job
from tests.factories import T0, ApiClient, token_for

SECRET_EMAIL = "ada.secret@bigclient.example"
# The price is one no timestamp or count can contain ("HH:MM:SS.ffffff" has 2 digits before a dot).
SECRETS = (SECRET_EMAIL, "Lovelace-Byron", "Zenobia", "Dedicated", "8765.43", "8,765.43")


def _setup(make):
    ada = make.customer(name="Ada Lovelace-Byron", email=SECRET_EMAIL, plan=Plan.DEDICATED)
    ada.account.monthly_price = Decimal("8765.43")
    zen = make.customer(name="Zenobia Quist")
    reader = make.customer(name="Rex Reader")
    staff = make.staff()
    named = services.post_idea(ada, title="Daily off-site backups", description="In a second data centre.")
    hidden_author = services.post_idea(zen, title="Cheaper domains please", anonymous=True)
    duplicate = services.post_idea(zen, title="Backups somewhere else", anonymous=True)
    services.vote(named, reader)
    services.vote(hidden_author, reader)
    services.answer(named, "We plan it for spring.", staff)
    merge.merge(duplicate, named, staff)
    services.set_status(named, IdeaStatus.PLANNED, staff, now=T0)
    db.session.commit()
    return reader, [named, hidden_author, duplicate]


def _visible_text(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", html)


def _leaks(text: str) -> list[str]:
    # "Zenobia" may only ever appear as Zen's short name on a named idea; every idea of hers here
    # is anonymous, so her first name must not appear at all.
    return [secret for secret in SECRETS if secret.lower() in text.lower()]


def test_no_page_a_customer_opens_shows_another_customers_identity(client, auth, make):
    reader, ideas = _setup(make)
    auth.login(reader)
    pages = [
        "/dashboard",
        "/ideas/",
        "/ideas/?sort=new",
        "/ideas/?sort=updated",
        "/ideas/?q=backups",
        "/ideas/new",
        "/ideas/changelog",
        "/ideas/similar?q=backups+domains",
        *(f"/ideas/{idea.id}" for idea in ideas),
    ]
    for path in pages:
        response = client.get(path, follow_redirects=True)
        assert response.status_code == 200, path
        assert not _leaks(_visible_text(response.get_data(as_text=True))), path
        assert SECRET_EMAIL not in response.get_data(as_text=True), path  # not even in attributes


def test_no_api_answer_shows_another_customers_identity(client, make):
    reader, ideas = _setup(make)
    api = ApiClient(client, token_for(reader))
    answers = [api.get("/ideas"), api.get("/ideas?q=backups")]
    answers += [api.get(f"/ideas/{idea.id}") for idea in ideas]
    for response in answers:
        assert response.status_code == 200
        body = response.get_data(as_text=True)
        assert not _leaks(body), body
        assert '"author_id"' not in body


def test_no_email_to_a_follower_shows_another_customers_identity(app, make):
    reader, _ideas = _setup(make)
    run_job("ideas", T0, claim=False)
    db.session.commit()
    mails = db.session.scalars(db.select(OutboxMessage).where(OutboxMessage.user_id == reader.id)).all()
    assert mails  # the reader follows what they voted for and hears that it is planned
    for mail in mails:
        for part in (mail.subject, mail.body_text, mail.body_html):
            assert not _leaks(part), part
