"""The managers' daily digest: real figures, once per manager and day."""

from datetime import timedelta

from feedback.extensions import db
from feedback.followups.jobs import sweep
from feedback.mailer.dispatch import dispatch
from feedback.reports.digest import daily_digest
from tests.conftest import T0
from tests.mail_server import text_body

H = timedelta(hours=1)


def test_digest_summarises_yesterday_once_per_manager(app, make, smtp):
    boss, deputy, agent = make.manager(), make.manager(), make.staff()
    customer = make.customer()
    for csat in (5, 4, 1):  # CSAT 2 of 3 satisfied = 66.7 %
        make.rating(customer, csat=csat, category="support", now=T0)
    sweep(T0 + 30 * H)  # the CSAT 1 case (high: first response 4 h) breached
    db.session.commit()
    morning = T0 + timedelta(days=1) - 2 * H  # 07:00 UTC the next day
    assert daily_digest(morning).queued == 2
    assert daily_digest(morning + H).queued == 0  # already sent today
    db.session.commit()
    dispatch(morning + H)
    digests = [m for m in smtp.messages if "daily digest" in m["Subject"]]
    assert sorted(m["To"].addresses[0].addr_spec for m in digests) == sorted([boss.email, deputy.email])
    body = text_body(digests[0])
    assert digests[0]["Subject"] == "Kontento daily digest for 2026-03-02"
    assert "Ratings received: 3" in body
    assert "CSAT: 66.7% (n = 3, fewer than 5 responses)" in body
    assert "Follow-ups opened: 1" in body
    assert "Open now: 1 (1 overdue, 0 at risk)" in body
    assert agent.email not in str([m["To"] for m in digests])


def test_no_digest_before_six_in_the_morning(app, make):
    make.manager()
    assert daily_digest(T0.replace(hour=5, minute=59)) is None
