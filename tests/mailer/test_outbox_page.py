"""The managers' outbox page: counts by state, filters, and the retry button."""

import re

from feedback.extensions import db
from feedback.mailer.dispatch import dispatch
from feedback.mailer.models import OutboxMessage, OutboxStatus
from feedback.mailer.queries import outbox
from feedback.surveys.invitations import send_relationship_surveys
from feedback.worker.jobs import run_job
from tests.conftest import T0
from tests.factories import query_plan


def test_manager_sees_failed_mail_and_retries_it(app, make, auth, client, smtp):
    manager = make.manager()
    customer = make.customer(name="Şebnem <script>")
    make.rating(customer, csat=5, now=T0)
    run_job("feedback_receipts", T0, claim=False)  # queues the receipt
    smtp.reject_code = 550
    dispatch(T0)
    auth.login(manager)
    page = client.get("/outbox/?status=failed")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Thank you for your feedback" in html
    assert "550" in html  # the last error is shown
    assert "Şebnem &lt;script&gt;" in html
    row = db.session.scalar(db.select(OutboxMessage))
    smtp.reject_code = None
    response = client.post(f"/outbox/{row.id}/retry")
    assert response.status_code == 302
    db.session.refresh(row)
    assert row.status == OutboxStatus.PENDING
    dispatch()
    assert len(smtp.messages) == 1
    assert "Sent <span" in client.get("/outbox/").get_data(as_text=True)


def test_only_failed_messages_can_be_retried(app, make, auth, client):
    manager, customer = make.manager(), make.customer()
    make.rating(customer, csat=5, now=T0)
    run_job("feedback_receipts", T0, claim=False)
    row = db.session.scalar(db.select(OutboxMessage))
    auth.login(manager)
    response = client.post(f"/outbox/{row.id}/retry", follow_redirects=True)
    assert "Only a failed message can be retried" in response.get_data(as_text=True)
    assert client.post("/outbox/999999/retry").status_code == 404
    assert client.get("/outbox/999999").status_code == 404


def test_empty_outbox_says_so(app, make, auth, client):
    auth.login(make.manager())
    assert "Nothing has been sent yet" in client.get("/outbox/").get_data(as_text=True)
    assert client.get("/outbox/?status=bogus").status_code == 200  # unknown filter: all


def test_a_manager_reading_a_survey_mail_cannot_use_its_one_click_links(app, make, auth, client):
    customer = make.customer()
    send_relationship_surveys(T0)
    db.session.commit()
    message = db.session.scalar(db.select(OutboxMessage).where(OutboxMessage.user_id == customer.id))
    tokens = re.findall(r"/s/([A-Za-z0-9_\-.~]+)", message.body_text)
    assert tokens  # the mail itself carries the customer's one-click links

    auth.login(make.manager())
    page = client.get(f"/outbox/{message.id}").get_data(as_text=True)
    assert "/s/••••••" in page
    assert not any(token in page for token in tokens)


def test_the_outbox_list_reads_the_creation_index(app):
    # Newest first, a page at a time: without (created_at, id) every view sorted the whole outbox.
    plan = query_plan(outbox().limit(25))

    assert "ix_outbox_created" in plan, plan
    # Read in index order: no sort step (PostgreSQL "Sort", SQLite "TEMP B-TREE FOR ORDER BY").
    assert "Sort" not in plan and "TEMP B-TREE" not in plan and "Seq Scan" not in plan, plan
