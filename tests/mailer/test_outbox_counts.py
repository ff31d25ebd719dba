"""The outbox page at volume: small states counted exactly, sent mail and the list's total only up
to a cap (the page then says "N+" and pages on without a last page), all through indexes."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from feedback.extensions import db
from feedback.mailer import queries
from feedback.mailer.models import OutboxMessage, OutboxStatus
from tests.conftest import T0
from tests.factories import query_plan

CAP = 3


def _messages(status: OutboxStatus, n: int) -> None:
    for i in range(n):
        db.session.add(
            OutboxMessage(
                kind="test",
                to_email=f"{status.value}{i}@example.test",
                subject=f"{status.value} {i}",
                body_text="",
                body_html="",
                status=status,
                created_at=T0 - timedelta(minutes=len(db.session.new) + i),
            )
        )
    db.session.commit()


@pytest.fixture
def small_cap(monkeypatch):
    monkeypatch.setattr(queries, "COUNT_CAP", CAP)


def _exact() -> dict[str, int]:
    rows = db.session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all()
    return {status.value: n for status, n in rows}


def test_counts_are_exact_below_the_cap_and_a_bound_above_it(app, small_cap):
    _messages(OutboxStatus.SENT, 3)
    _messages(OutboxStatus.PENDING, 5)  # more than the cap: the small states are always exact
    _messages(OutboxStatus.FAILED, 1)
    counts = queries.counts()
    assert counts == {"pending": 5, "sending": 0, "sent": 3, "failed": 1} == {"sending": 0, **_exact()}
    assert not queries.capped(counts["sent"])

    _messages(OutboxStatus.SENT, 2)
    counts = queries.counts()
    assert counts["sent"] == CAP + 1 and queries.capped(counts["sent"])  # 5 sent: "more than 3"
    assert {k: v for k, v in counts.items() if k != "sent"} == {"pending": 5, "sending": 0, "failed": 1}


def test_the_page_shows_a_capped_figure_and_pages_on(app, make, auth, client, small_cap, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    _messages(OutboxStatus.SENT, 9)
    _messages(OutboxStatus.FAILED, 1)
    auth.login(make.manager())

    html = client.get("/outbox/").get_data(as_text=True)
    assert 'text-bg-light">3+</span>' in html  # sent: more than the cap
    assert 'text-bg-light">4+</span>' in html  # all: 3+ sent and 1 failed
    assert 'text-bg-danger">1</span>' in html  # failed: exact
    assert "page 1 of" not in html  # no last page is known
    assert 'href="/outbox/?page=2">Next' in html.replace("\n", "")

    # Two pages past the current one are always counted, so Next leads to the end.
    seen = []
    for page in range(1, 8):
        html = client.get(f"/outbox/?page={page}").get_data(as_text=True)
        seen += [i for i in range(9) if f">sent {i}</a>" in html] + (
            ["failed"] if ">failed 0</a>" in html else []
        )
    assert len(seen) == 10 and len(set(seen)) == 10
    html = client.get("/outbox/?page=5").get_data(as_text=True)
    assert "10 items, page 5 of 5" in html  # near the end the total is exact again


def test_page_totals_are_capped_at_the_bound(app, small_cap):
    _messages(OutboxStatus.SENT, 12)
    first = queries.outbox_page(None, page=1, per_page=2)
    assert (first.capped, first.total, len(first.items)) == (True, 6, 2)  # counted to 3 pages
    last = queries.outbox_page(None, page=5, per_page=2)
    assert (last.capped, last.total, last.pages) == (False, 12, 6)
    failed = queries.outbox_page(OutboxStatus.FAILED, page=1, per_page=2)
    assert (failed.capped, failed.total, failed.items) == (False, 0, [])


def test_the_counts_read_the_status_index(app):
    for stmt in (queries.small_state_counts(), queries.sent_ids().limit(queries.COUNT_CAP + 1)):
        plan = query_plan(stmt)
        assert "ix_outbox_status_next_attempt" in plan, plan
        assert "Seq Scan" not in plan and "SCAN outbox" not in plan.replace("SCAN outbox USING", ""), plan
