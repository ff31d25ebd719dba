"""Receipts ("thank you", "we opened a case", "new follow-up" to the team) come from a job
that the submission wakes, not from the submitting request."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from feedback.auth.models import User
from feedback.core.time import utcnow
from feedback.extensions import db
from feedback.followups import services
from feedback.mailer.models import OutboxMessage
from feedback.surveys.models import Feedback
from feedback.surveys.receipts import _claim, send_receipts
from feedback.surveys.services import category_by_slug, submit_suggestion
from feedback.worker.jobs import run_job
from tests.conftest import T0
from tests.factories import token_for

M = timedelta(minutes=1)


def _mail() -> list[tuple[str, str]]:
    rows = db.session.execute(select(OutboxMessage.to_email, OutboxMessage.kind).order_by(OutboxMessage.id))
    return [tuple(row) for row in rows]


def _break_address(user: User) -> None:
    """Give ``user`` an address stored before sign-up refused line breaks: mail to it is refused."""
    db.session.execute(update(User).where(User.id == user.id).values(email="a@example.test\r\nBcc: x@y"))
    db.session.commit()


@pytest.fixture
def recorder(app):
    """Stand in for the embedded scheduler and record which jobs commits ask it to run."""
    calls = []
    saved = app.config["WORKER_MODE"], app.extensions.get("kontento.scheduler")
    app.config["WORKER_MODE"] = "embedded"
    app.extensions["kontento.scheduler"] = type(
        "Recorder", (), {"run_soon": lambda self, job: calls.append(job), "kick": lambda self: None}
    )()
    yield calls
    app.config["WORKER_MODE"], app.extensions["kontento.scheduler"] = saved


def test_an_api_submission_renders_no_mail_and_wakes_the_receipts_job(app, client, make, recorder):
    customer, staff = make.customer(), make.staff()
    response = client.post(
        "/api/v1/feedback",
        json={"csat": 1, "category": "support", "comment": "Mail is bouncing"},
        headers={"Authorization": f"Bearer {token_for(customer)}"},
    )

    assert response.status_code == 201
    assert _mail() == []  # nothing rendered in the request
    assert recorder == ["feedback_receipts"]  # the worker was asked, after the commit
    run_job("feedback_receipts", T0, claim=False)
    assert _mail() == [(customer.email, "surveys/received"), (staff.email, "followups/new_followup")]
    run_job("feedback_receipts", T0 + M, claim=False)
    assert len(_mail()) == 2  # a second run mails nobody again


def test_a_suggestion_is_acknowledged_by_the_job(app, make, recorder):
    # Customers post ideas on the board now; suggestions still come in through the service
    # until it goes (the receipt job must keep answering the ones already stored).
    customer = make.customer()
    submit_suggestion(
        customer,
        title="Dark mode",
        text="For the control panel, please.",
        category=category_by_slug("support"),
    )
    db.session.commit()

    assert recorder == ["feedback_receipts"]
    [item] = db.session.scalars(select(Feedback)).all()
    assert item.acknowledged_at is None
    now = utcnow()
    assert send_receipts(now).acknowledged == 1
    db.session.refresh(item)
    assert item.acknowledged_at == now
    assert _mail() == [(customer.email, "surveys/received")]


def test_a_late_receipt_does_not_tell_the_team_a_taken_case_is_unassigned(app, make):
    customer, staff = make.customer(), make.staff()
    fu = make.rating(customer, csat=1, now=T0).followup
    services.claim(fu, staff, T0 + M)  # staff were faster than the worker (it was down)
    db.session.commit()

    send_receipts(T0 + 2 * M)
    db.session.commit()

    assert _mail() == [(customer.email, "surveys/received")]


def test_one_receipt_that_cannot_be_queued_does_not_hold_up_the_others(app, make):
    broken, fine = make.customer(), make.customer()
    make.rating(broken, csat=5, now=T0)
    make.rating(fine, csat=5, now=T0)
    _break_address(broken)

    result = send_receipts(T0)

    assert (result.acknowledged, result.failed) == (2, 1)
    assert _mail() == [(fine.email, "surveys/received")]
    assert send_receipts(T0 + M).acknowledged == 0  # the broken one is not retried forever


def test_a_large_backlog_is_worked_in_batches_each_mailed_once(app, make, monkeypatch):
    monkeypatch.setattr("feedback.surveys.receipts.MAX_BATCHES", 2)
    customers = [make.customer() for _ in range(7)]
    for customer in customers:
        make.rating(customer, csat=5, now=T0)

    first = send_receipts(T0, batch=3)  # 2 batches of 3: one row is left for the next run
    second = send_receipts(T0 + M, batch=3)

    assert (first.acknowledged, second.acknowledged) == (6, 1)
    assert sorted(to for to, _ in _mail()) == sorted(c.email for c in customers)


@pytest.mark.postgres
@pytest.mark.real_commits  # two sessions on connections of their own
def test_two_workers_claim_disjoint_rows(app, database_url, make):
    if not database_url.startswith("postgresql"):
        pytest.skip("needs PostgreSQL: SQLite takes one writer at a time, so claims cannot overlap")
    customer = make.customer()
    for _ in range(6):
        make.rating(customer, csat=5, now=T0)
    db.session.remove()
    first, second = Session(db.engine), Session(db.engine)
    try:
        ids_a = _claim_in(first, 4)
        ids_b = _claim_in(second, 4)  # while the first holds its rows: skips them, does not wait
        first.commit()
        second.commit()
    finally:
        first.close()
        second.close()
    assert len(ids_a) == 4 and len(ids_b) == 2 and not set(ids_a) & set(ids_b)
    pending = select(func.count()).select_from(Feedback).where(Feedback.acknowledged_at.is_(None))
    assert db.session.scalar(pending) == 0


def _claim_in(session: Session, batch: int) -> list[int]:
    """Run the claim in another session (another worker's connection)."""
    saved = db.session.registry()
    db.session.registry.set(session)
    try:
        return _claim(T0, batch)
    finally:
        db.session.registry.set(saved)


def test_a_case_from_an_address_that_cannot_take_mail_still_reaches_the_team(app, make):
    broken, staff = make.customer(), make.staff()
    make.rating(broken, csat=1, now=T0)
    _break_address(broken)

    result = send_receipts(T0)

    assert (result.acknowledged, result.failed) == (1, 1)
    assert _mail() == [(staff.email, "followups/new_followup")]
