"""New cases reach the team without burying it: a burst of ratings is stopped at the customer's
budget, each staff member gets the first case at once and the rest in one digest."""

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from feedback.core.time import utcnow
from feedback.extensions import db
from feedback.followups import alerts
from feedback.followups import services as followups
from feedback.followups.models import NewCaseAlert, Priority
from feedback.mailer.dispatch import dispatch
from feedback.mailer.models import OutboxMessage
from feedback.surveys.models import Feedback
from feedback.worker.jobs import run_job
from tests.conftest import T0
from tests.mail_server import html_body, text_body

M = timedelta(minutes=1)
STAFF = 8
DIGEST = "followups/new_followups_digest"
NEW = "followups/new_followup"


def _critical(**extra) -> dict:
    """The dashboard's rating form: CSAT 1 on uptime opens a critical case."""
    return {"r-csat": "1", "r-nps": "", "r-category": "uptime", "r-comment": "Site down again", **extra}


def _staff_mail(kind: str | None = None) -> list[tuple[str, str]]:
    stmt = select(OutboxMessage.to_email, OutboxMessage.kind).where(
        OutboxMessage.kind.in_([NEW, DIGEST] if kind is None else [kind])
    )
    return [tuple(row) for row in db.session.execute(stmt.order_by(OutboxMessage.id))]


def _jobs(now) -> None:
    """What the worker does at ``now``: receipts (the team's alerts), then the digests."""
    run_job("feedback_receipts", now, claim=False)
    run_job("new_case_digests", now, claim=False)


def test_thirty_critical_ratings_in_a_burst_are_ten_cases_and_two_mails_per_staff_member(
    app, client, auth, make, smtp
):
    team = [make.staff() for _ in range(STAFF)]
    customer = make.customer(name="Flo Oder")
    auth.login(customer)

    codes = [
        client.post("/feedback", data=_critical(**{"r-comment": f"Site down, try {n}"})).status_code
        for n in range(30)
    ]

    # The configured budget (RATING_RATE_LIMIT, 10 per hour) stops the burst; the rest is refused.
    assert codes == [302] * 10 + [429] * 20
    cases = db.session.scalars(select(Feedback).order_by(Feedback.id)).all()
    assert len(cases) == 10 and all(fb.followup.priority == Priority.CRITICAL for fb in cases)

    start = utcnow()
    _jobs(start)
    dispatch(start)
    first_case = cases[0].followup.id
    for member in team:  # the first case, at once, to everyone
        [mail] = smtp.to(member.email)
        assert mail["Subject"] == f"[K-{first_case}] New critical follow-up, unassigned"
    smtp.messages.clear()

    _jobs(start + 4 * M)  # still inside the window: the other nine wait
    assert _staff_mail(DIGEST) == []

    _jobs(start + 5 * M)
    dispatch(start + 5 * M)
    for member in team:
        [digest] = smtp.to(member.email)
        assert digest["Subject"] == "9 new follow-ups, unassigned"
        text, html = text_body(digest), html_body(digest)
        for fb in cases[1:]:  # every case that waited, with its link, priority and customer
            assert f"{fb.followup.reference} · Critical · Flo Oder" in text
            assert f"http://kontento.test/queue/{fb.followup.reference}" in text
            assert f'href="http://kontento.test/queue/{fb.followup.reference}"' in html
        assert f"K-{first_case} " not in text  # that one had a mail of its own

    staff_mails = len(_staff_mail())
    assert staff_mails == 2 * STAFF  # not 30 × 8 = 240, nor 10 × 8 = 80
    _jobs(start + 30 * M)
    assert len(_staff_mail()) == staff_mails  # nothing left to send, nothing sent twice


def test_the_refused_ratings_are_told_why_and_keep_what_they_wrote(app, client, auth, make, monkeypatch):
    monkeypatch.setitem(app.config, "RATING_RATE_LIMIT", "1 per hour")
    auth.login(make.customer())
    client.post("/feedback", data=_critical())

    refused = client.post("/feedback", data=_critical(**{"r-comment": "Still down, third time today"}))

    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 3600
    page = refused.get_data(as_text=True)
    assert "You have sent many ratings in a short time. Please try again in" in page
    assert "what you wrote is still here" in page
    assert "Still down, third time today</textarea>" in page
    assert db.session.scalar(select(func.count(Feedback.id))) == 1


def _rate(make, customer, now, csat=1):
    fb = make.rating(customer, csat=csat, now=now)
    run_job("feedback_receipts", now, claim=False)
    return fb.followup


def test_the_window_starts_again_from_each_digest_and_a_quiet_spell_ends_it(app, make):
    staff, customer = make.staff(), make.customer()

    first = _rate(make, customer, T0)
    second = _rate(make, customer, T0 + 1 * M)
    assert _staff_mail() == [(staff.email, NEW)]  # the second waits

    run_job("new_case_digests", T0 + 4 * M, claim=False)
    assert len(_staff_mail()) == 1  # the window (5 minutes from the first mail) is still open
    run_job("new_case_digests", T0 + 5 * M, claim=False)
    assert _staff_mail() == [(staff.email, NEW), (staff.email, DIGEST)]

    third = _rate(make, customer, T0 + 6 * M)  # within 5 minutes of the digest: waits again
    run_job("new_case_digests", T0 + 9 * M, claim=False)
    assert len(_staff_mail()) == 2
    run_job("new_case_digests", T0 + 10 * M, claim=False)
    fourth = _rate(make, customer, T0 + 30 * M)  # a quiet spell: at once

    assert _staff_mail() == [(staff.email, k) for k in (NEW, DIGEST, DIGEST, NEW)]
    digests = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == DIGEST)).all()
    assert [d.subject for d in digests] == ["1 new follow-up, unassigned"] * 2
    assert f"{second.reference} " in digests[0].body_text and f"{third.reference} " in digests[1].body_text
    assert f"{first.reference} " not in digests[0].body_text + digests[1].body_text
    assert str(fourth.id) in _subjects(NEW)[-1]


def _subjects(kind: str) -> list[str]:
    return list(db.session.scalars(select(OutboxMessage.subject).where(OutboxMessage.kind == kind)))


def test_a_case_someone_took_meanwhile_is_left_out_and_no_empty_digest_goes(app, make):
    staff, other, customer = make.staff(), make.staff(), make.customer()
    _rate(make, customer, T0)
    taken = _rate(make, customer, T0 + M)
    waiting = _rate(make, customer, T0 + 2 * M)
    followups.claim(taken, staff, T0 + 3 * M)
    db.session.commit()

    result = alerts.send_digests(T0 + 5 * M)

    assert (result.digests, result.cases, result.dropped) == (2, 2, 2)
    for digest in db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == DIGEST)):
        assert f"{waiting.reference} " in digest.body_text and f"{taken.reference} " not in digest.body_text
    followups.claim(_rate(make, customer, T0 + 6 * M), other, T0 + 7 * M)
    db.session.commit()
    assert alerts.send_digests(T0 + 15 * M).digests == 0  # the only waiting case was taken


def test_with_no_window_every_case_is_mailed_at_once(app, make, monkeypatch):
    monkeypatch.setitem(app.config, "FOLLOWUP_DIGEST_MINUTES", 0)
    staff, customer = make.staff(), make.customer()
    for n in range(3):
        _rate(make, customer, T0 + n * M)

    assert alerts.send_digests(T0 + 10 * M).digests == 0
    assert _staff_mail() == [(staff.email, NEW)] * 3
    assert "come together in one e-mail" not in db.session.scalar(select(OutboxMessage.body_text))


def test_a_crash_before_the_commit_loses_no_case_and_the_rerun_mails_each_once(app, make, monkeypatch):
    make.staff()
    customer = make.customer()
    for n in range(3):
        _rate(make, customer, T0 + n * M)
    real = alerts._queue_digest

    def killed(*args, **kwargs):
        real(*args, **kwargs)
        raise SystemExit("worker killed")  # after the outbox row was added, before the commit

    monkeypatch.setattr(alerts, "_queue_digest", killed)
    with pytest.raises(SystemExit):
        alerts.send_digests(T0 + 5 * M)
    db.session.rollback()
    monkeypatch.setattr(alerts, "_queue_digest", real)

    assert alerts.send_digests(T0 + 6 * M).cases == 2
    assert alerts.send_digests(T0 + 6 * M).digests == 0
    assert len(_staff_mail(DIGEST)) == 1
    waiting = select(func.count(NewCaseAlert.id)).where(NewCaseAlert.mailed_at.is_(None))
    assert db.session.scalar(waiting) == 0


def test_what_was_told_whom_is_kept_a_month(app, make):
    make.staff()
    customer = make.customer()
    _rate(make, customer, T0)
    _rate(make, customer, T0 + M)
    alerts.send_digests(T0 + 5 * M)
    count = select(func.count(NewCaseAlert.id))

    alerts.send_digests(T0 + timedelta(days=30))
    assert db.session.scalar(count) == 2
    alerts.send_digests(T0 + timedelta(days=30, minutes=6))
    assert db.session.scalar(count) == 0


def _waiting_on_a_lock() -> int:
    """Backends of this database waiting for a row lock (another session holds it)."""
    query = text(
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    with db.engine.connect() as conn:
        return conn.scalar(query)


def _poll(check, what: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


@pytest.mark.postgres
@pytest.mark.real_commits  # two workers, each on a connection of its own
def test_two_digest_runs_at_once_send_each_person_one_digest(app, database_url, make, monkeypatch):
    if not database_url.startswith("postgresql"):
        pytest.skip("needs PostgreSQL: SQLite takes one writer at a time, so runs cannot overlap")
    team = [make.staff(), make.staff()]
    customer = make.customer()
    for n in range(4):
        _rate(make, customer, T0 + n * M)
    emails = sorted(member.email for member in team)
    db.session.remove()
    real_claim = alerts._claim_waiting
    holding = threading.Event()

    def claim_and_hold(user_id, now):
        claimed = real_claim(user_id, now)
        if threading.current_thread().name == "first" and not holding.is_set():
            holding.set()  # this person's window is locked, their cases claimed, nothing committed
            _poll(lambda: _waiting_on_a_lock() >= 1, "the second run to queue behind the first")
        return claimed

    monkeypatch.setattr(alerts, "_claim_waiting", claim_and_hold)
    results, errors = {}, []

    def run(name):
        try:
            with app.app_context():
                results[name] = alerts.send_digests(T0 + 5 * M)
                db.session.remove()
        except Exception as exc:  # noqa: BLE001 (reported below: a thread's error would be lost)
            errors.append(exc)

    first = threading.Thread(target=run, args=("first",), name="first")
    second = threading.Thread(target=run, args=("second",), name="second")
    first.start()
    _poll(holding.is_set, "the first run to hold a window")
    second.start()
    first.join(60)
    second.join(60)

    assert not errors, errors
    assert results["first"].digests + results["second"].digests == len(emails)
    assert sorted(to for to, _ in _staff_mail(DIGEST)) == emails  # one each
    assert db.session.scalar(select(func.count(NewCaseAlert.id)).where(NewCaseAlert.mailed_at.is_(None))) == 0
