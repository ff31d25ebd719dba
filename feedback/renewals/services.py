"""Writes for the renewal-at-risk queue: opening a proactive follow-up.

A follow-up hangs off a Feedback row, so reaching out creates one of kind ``proactive``.
What is public and what is internal:

- ``Feedback.comment`` is what the customer sees on their dashboard: a neutral sentence
  ("We reached out about your upcoming renewal …"), written in the customer's language.
  It never mentions risk, scores or their ratings.
- The risk reasons, score and revenue go in an internal note on the follow-up, which only
  staff see.

No "your feedback opened a case" mail is sent (``surveys.receipts`` skips proactive
feedback); the customer hears from us when staff post their first public reply.
"""

from datetime import datetime

from flask import current_app
from flask_babel import force_locale, format_date, gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..auth.models import User
from ..core.templating import money
from ..extensions import db
from ..followups.models import ACTIVE_STATUSES, Followup, Priority
from ..followups.services import assign, internal_note, open_followup
from ..surveys.models import Channel, Feedback, FeedbackKind
from .queries import HIGH_RISK, WEIGHTS, AtRisk, risk_for

PUBLIC_TEXT = _l(
    "We reached out about your upcoming renewal to make sure your hosting works the way you need it."
)


class ProactiveError(ValueError):
    """Reaching out is not possible; ``followup`` is the open case to continue instead, if any."""

    def __init__(self, message: str, followup: Followup | None = None):
        super().__init__(message)
        self.followup = followup


def open_case_of(customer_id: int) -> Followup | None:
    """The customer's oldest follow-up that is not resolved, if any."""
    return db.session.scalar(
        select(Followup)
        .where(Followup.customer_id == customer_id, Followup.status.in_(ACTIVE_STATUSES))
        .order_by(Followup.id)
        .limit(1)
    )


def reason_lines(row: AtRisk) -> list[str]:
    """The risk signals of ``row`` in words, with their weights (for staff only)."""
    texts = {
        "detractor": gettext("Detractor: latest NPS answer %(nps)s", nps=row.latest_nps),
        "low_csat": gettext("Low CSAT in the last 90 days (lowest %(csat)s of 5)", csat=row.lowest_csat),
        "breached": gettext("A follow-up breached its SLA in the last 180 days"),
        "open_followup": gettext("Has an open follow-up"),
    }
    return [f"{texts[code]} (+{WEIGHTS[code]})" for code in row.reasons]


def _note_text(row: AtRisk | None, note: str) -> str:
    if row is None or row.renews_on is None:
        lines = [gettext("Proactive follow-up. No renewal date is known for this customer.")]
    else:
        lines = [
            gettext(
                "Proactive follow-up before the renewal on %(date)s (in %(days)s days), "
                "monthly revenue %(revenue)s.",
                date=format_date(row.renews_on),
                days=row.days_left,
                revenue=money(row.revenue),
            )
        ]
    if row is not None and row.risk:
        lines.append(
            gettext(
                "Risk score %(risk)s, priority %(priority)s:", risk=row.risk, priority=money(row.priority)
            )
        )
        lines += [f"- {line}" for line in reason_lines(row)]
    else:
        lines.append(gettext("No risk signal at the moment."))
    if note.strip():
        lines += ["", note.strip()]
    return "\n".join(lines)


def open_proactive_followup(customer: User, staff: User, now: datetime, note: str = "") -> Followup:
    """Open a follow-up to call a customer before their renewal, assigned to ``staff``.

    Priority is high from a risk score of ``HIGH_RISK``, else normal. Raises
    :class:`ProactiveError` when the user is not a customer or already has an open case
    (its ``followup`` is that case).
    """
    if not customer.is_customer:
        raise ProactiveError(gettext("Only customers can be contacted about a renewal."))
    # Serialise concurrent clicks for the same customer (PostgreSQL; SQLite writes one at a time).
    db.session.execute(select(User.id).where(User.id == customer.id).with_for_update())
    existing = open_case_of(customer.id)
    if existing is not None:
        raise ProactiveError(
            gettext(
                "%(name)s already has an open follow-up (%(ref)s): continue there.",
                name=customer.name,
                ref=existing.reference,
            ),
            existing,
        )
    row = risk_for(customer.id, now)
    priority = Priority.HIGH if row is not None and row.risk >= HIGH_RISK else Priority.NORMAL
    with force_locale(customer.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        public_text = str(PUBLIC_TEXT)
    feedback = Feedback(
        customer=customer,
        kind=FeedbackKind.PROACTIVE,
        channel=Channel.DASHBOARD,
        comment=public_text,
        created_at=now,
        acknowledged_at=now,  # no receipt: staff wrote first, and write themselves
    )
    db.session.add(feedback)
    db.session.flush()
    plan = customer.account.plan if customer.account is not None else None  # its plan's deadlines
    fu = open_followup(feedback, priority, now, plan)
    assign(fu, staff, staff, now)
    internal_note(fu, staff, _note_text(row, note), now)
    return fu
