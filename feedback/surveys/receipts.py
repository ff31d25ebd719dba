"""Receipts for new feedback, queued from the background rather than by the submission.

A submission stores the feedback (and its follow-up) and wakes this job; the job thanks the
customer ("we opened a case, we will answer by …" when it did) and tells the team about a
new case. Rendering those mails for the customer and for every staff member was most of the
work of a submission, and grew with the size of the team.

Rows are claimed by a conditional ``UPDATE … SET acknowledged_at`` in the same transaction
as the mail they cause, so a second worker running at the same time, or a rerun after a
crash, mails nobody twice and a crash before the commit loses nothing.
"""

import logging
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from ..core.wake import wake_after_commit
from ..extensions import db
from ..followups.alerts import alert_team
from ..followups.models import Followup
from ..followups.notify import ahead, case_context, case_mail
from ..followups.sla import customer_promise
from ..mailer.services import queue_email
from .models import Feedback, FeedbackKind

log = logging.getLogger(__name__)

BATCH = 200
MAX_BATCHES = 50  # a run handles at most this many batches; the next run takes the rest


@dataclass
class ReceiptResult:
    """What one run of the receipts job did."""

    acknowledged: int = 0
    failed: int = 0  # receipts or team alerts that could not be queued (logged); not retried


def acknowledge_later() -> None:
    """Have the receipts job run soon after the current transaction commits."""
    wake_after_commit("feedback_receipts")


def thank_customer(feedback: Feedback, now: datetime) -> None:
    """Thank the customer; when a case opened, tell them by when we will answer (essential then)."""
    if feedback.kind == FeedbackKind.PROACTIVE:
        return  # staff reached out first: no "your feedback opened a case", they write themselves
    fu = feedback.followup
    if fu is None:
        queue_email(
            feedback.customer,
            "surveys/received",
            _l("Thank you for your feedback"),
            context={"feedback": feedback, "fu": None, "promise": None},
            optional=True,
            now=now,
        )
        return
    queue_email(
        feedback.customer,
        "surveys/received",
        **case_mail(fu, _l("We are on it: your feedback opened a case")),
        context={**case_context(fu, False), "promise": ahead(customer_promise(fu), now)},
        now=now,
    )


def announce_case(feedback: Feedback, now: datetime) -> None:
    """Tell the team about the case this feedback opened (none for proactive cases: staff
    opened those themselves, already assigned)."""
    if feedback.kind != FeedbackKind.PROACTIVE and feedback.followup is not None:
        alert_team(feedback.followup, now)


def _claim(now: datetime, batch: int) -> list[int]:
    """Mark up to ``batch`` unacknowledged rows as acknowledged now and return their ids.

    Two statements, not an ``UPDATE … WHERE id IN (SELECT … LIMIT)``: PostgreSQL may rescan
    such a subquery once per row and, skipping the rows it has just updated, claim far more
    than the limit. On PostgreSQL rows another worker holds are skipped. On SQLite the UPDATE
    waits for the other writer and then finds those rows acknowledged, or fails as "database
    is locked", and the next run takes them: either way no receipt goes twice.
    """
    candidates = db.session.scalars(
        select(Feedback.id)
        .where(Feedback.acknowledged_at.is_(None))
        .order_by(Feedback.id)
        .limit(batch)
        .with_for_update(skip_locked=True)
    ).all()
    if not candidates:
        return []
    stmt = (
        update(Feedback)
        .where(Feedback.id.in_(candidates), Feedback.acknowledged_at.is_(None))
        .values(acknowledged_at=now)
        .returning(Feedback.id)
        .execution_options(synchronize_session=False)
    )
    return sorted(db.session.scalars(stmt).all())


def send_receipts(now: datetime, batch: int = BATCH) -> ReceiptResult:
    """Queue the receipt mail of every feedback row not yet acknowledged, a batch per commit."""
    result = ReceiptResult()
    for _ in range(MAX_BATCHES):
        ids = _claim(now, batch)
        if not ids:
            break
        rows = db.session.scalars(
            select(Feedback)
            .where(Feedback.id.in_(ids))
            .options(
                selectinload(Feedback.customer),
                selectinload(Feedback.followup).selectinload(Followup.customer),
            )
            .order_by(Feedback.id)
        )
        for feedback in rows:
            # Each in its own savepoint: a customer address that cannot take mail (one stored
            # before validation) must neither block the other rows nor keep the team unaware.
            for send in (thank_customer, announce_case):
                try:
                    with db.session.begin_nested():
                        send(feedback, now)
                except Exception:
                    log.exception("could not queue %s for feedback %s", send.__name__, feedback.id)
                    result.failed += 1
        db.session.commit()
        result.acknowledged += len(ids)
    else:
        acknowledge_later()  # more than a run's worth waited: go on soon
        db.session.commit()
    return result
