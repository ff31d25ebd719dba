"""One-click e-mail surveys: the signed links, the invitations behind them, and their answers.

A link carries ``{"i": invitation id, "n": nonce}`` signed with the app's secret key and a
purpose salt, and lives 28 days. Opening it (GET) only shows the question; an answer is
recorded on POST and marks the invitation used, so a link answers once. A link never signs
anyone in: the answer belongs to the invitation's customer, whoever sends it.

Everything here adds and flushes; the request or the job runner commits.
"""

import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import exists, select, update
from sqlalchemy.orm.attributes import set_committed_value

from ..auth.models import Role, User
from ..core.scales import CSAT_LOW_MAX, CSAT_SCALE, NPS_SCALE
from ..core.urls import external_url
from ..extensions import db
from ..followups.models import EventKind, Followup, FollowupEvent
from ..followups.notify import case_mail
from ..followups.services import customer_reply, reopen
from ..mailer.services import queue_email, would_queue
from .models import Channel, Feedback, FeedbackKind, SurveyInvitation, SurveyKind
from .queries import nps_interval_days
from .services import MAX_COMMENT, FeedbackError, store_rating

SALT = "kontento.survey-link"
LIFETIME = timedelta(days=28)
SCALES = {SurveyKind.CASE_CSAT: CSAT_SCALE, SurveyKind.NPS: NPS_SCALE}
REOPEN_AT_OR_BELOW = CSAT_LOW_MAX  # an after-resolution answer this low (1–2) reopens the case
BATCH = 500  # customers read and invited per round trip
MAX_PER_RUN = 5000  # the rest wait for the next hourly run, so a first run does not flood the outbox


class SurveyLinkError(Exception):
    """A survey link that cannot be answered."""


class InvalidSurveyLink(SurveyLinkError):
    """Tampered, truncated, or naming no invitation (shown as 404)."""


class ExpiredSurveyLink(SurveyLinkError):
    """Older than 28 days (shown as 410)."""


class UsedSurveyLink(SurveyLinkError):
    """Already answered: links are single-use."""


# Tokens


class _ClockSigner(TimestampSigner):
    """A timestamp signer reading the time from ``now``: signing and expiry follow the caller's clock."""

    def __init__(self, *args, now: datetime, **kwargs):
        super().__init__(*args, **kwargs)
        self.now = now

    def get_timestamp(self) -> int:
        return int(self.now.timestamp())


def _serializer(now: datetime) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(
        current_app.config["SECRET_KEY"], salt=SALT, signer=_ClockSigner, signer_kwargs={"now": now}
    )


def make_token(invitation: SurveyInvitation, now: datetime) -> str:
    """The signed token for an invitation's links, dated ``now``."""
    return _serializer(now).dumps({"i": invitation.id, "n": invitation.nonce})


def load_invitation(token: str, now: datetime) -> SurveyInvitation:
    """The invitation a link names, if it can still be answered at ``now``.

    Raises :class:`InvalidSurveyLink`, :class:`UsedSurveyLink` or :class:`ExpiredSurveyLink`,
    checked in that order: someone who already answered hears so, even after expiry.
    """
    serializer = _serializer(now)
    expired = False
    try:
        payload = serializer.loads(token, max_age=int(LIFETIME.total_seconds()))
    except SignatureExpired as exc:
        # The signature is genuine, only old (or from the future): read which invitation it names.
        expired = True
        try:
            payload = serializer.load_payload(exc.payload) if exc.payload is not None else None
        except BadSignature:
            payload = None
    except BadSignature:
        raise InvalidSurveyLink() from None
    if (
        not isinstance(payload, dict)
        or type(payload.get("i")) is not int
        or not isinstance(payload.get("n"), str)
    ):
        raise InvalidSurveyLink()
    invitation = db.session.get(SurveyInvitation, payload["i"])
    if (
        invitation is None
        or not hmac.compare_digest(invitation.nonce, payload["n"])
        or not invitation.customer.active
    ):
        raise InvalidSurveyLink()
    if invitation.used_at is not None:
        raise UsedSurveyLink()
    if expired:
        raise ExpiredSurveyLink()
    return invitation


def answer_url(token: str, score: int) -> str:
    """The one-click link for one score."""
    return external_url("survey_links.answer", token=token, score=score)


# Invitations


def invite(
    customer: User, kind: SurveyKind, now: datetime, followup: Followup | None = None
) -> SurveyInvitation:
    """Create an invitation row (the mail is queued by the caller); flushed so it has an id."""
    invitation = SurveyInvitation(
        customer_id=customer.id,
        kind=kind,
        followup_id=followup.id if followup is not None else None,
        nonce=secrets.token_urlsafe(24),
        sent_at=now,
    )
    invitation.customer = customer
    db.session.add(invitation)
    db.session.flush()
    return invitation


def _invite_by_mail(
    customer, kind, template, subject, *, optional, dedupe_key, now, followup=None, context=None, headers=None
):
    if not would_queue(customer, optional, dedupe_key):
        return None
    invitation = invite(customer, kind, now, followup)
    token = make_token(invitation, now)
    links = [(n, answer_url(token, n)) for n in SCALES[kind]]
    queued = queue_email(
        customer,
        template,
        subject,
        context={**(context or {}), "links": links, "expires_at": now + LIFETIME},
        optional=optional,
        dedupe_key=dedupe_key,
        headers=headers,
        now=now,
    )
    if queued is None:  # refused after all: an invitation nobody received would skew the response rate
        db.session.delete(invitation)
        db.session.flush()
        return None
    return invitation


def send_case_survey(fu: Followup, now: datetime) -> SurveyInvitation | None:
    """Queue the "your case is resolved" e-mail with the one-click satisfaction survey (1–5).

    Essential mail, sent even to customers who turned optional mail off. Once per resolution:
    a second call for the same resolution queues nothing and returns None.
    """
    resolved_at = fu.resolved_at or now
    note = db.session.scalar(
        select(FollowupEvent.body)
        .where(FollowupEvent.followup_id == fu.id, FollowupEvent.kind == EventKind.RESOLVED)
        .order_by(FollowupEvent.created_at.desc(), FollowupEvent.id.desc())
        .limit(1)
    )
    mail = case_mail(fu, _l("Your case is resolved"))
    return _invite_by_mail(
        fu.customer,
        SurveyKind.CASE_CSAT,
        "surveys/case_resolved",
        mail["subject"],
        headers=mail["headers"],
        optional=False,
        dedupe_key=f"case-resolved:{fu.id}:{resolved_at.isoformat()}",
        now=now,
        followup=fu,
        context={
            "fu": fu,
            "note": note or "",
            "case_url": external_url("surveys.case", followup_id=fu.id),
        },
    )


@dataclass(frozen=True)
class SurveyRun:
    """What one run of the relationship-survey job did."""

    interval_days: int
    invited: int = 0
    more: bool = False  # stopped at the per-run cap; the next run carries on


def period_index(now: datetime, interval_days: int) -> str:
    """Which survey period ``now`` falls in; with the interval in it, so changing it never reuses a key."""
    days = (now - datetime(1970, 1, 1, tzinfo=UTC)).days
    return f"{interval_days}d{days // interval_days}"


def send_relationship_surveys(
    now: datetime, batch_size: int = BATCH, max_per_run: int = MAX_PER_RUN
) -> SurveyRun:
    """Periodic job: invite every active customer whose last NPS survey is older than the interval.

    Customers never surveyed are invited at once. Customers who turned optional mail off get
    neither mail nor invitation. Idempotent: a second run at the same ``now`` finds nobody due.
    """
    interval = nps_interval_days()
    if interval == 0:
        return SurveyRun(interval_days=0)
    cutoff = now - timedelta(days=interval)
    recent = exists().where(
        SurveyInvitation.customer_id == User.id,
        SurveyInvitation.kind == SurveyKind.NPS,
        SurveyInvitation.sent_at > cutoff,
    )
    due = (
        select(User)
        .where(User.role == Role.CUSTOMER, User.active, User.optional_mail, ~recent)
        .order_by(User.id)
    )
    period = period_index(now, interval)
    invited, last_id = 0, 0
    while invited < max_per_run:
        batch = list(
            db.session.scalars(due.where(User.id > last_id).limit(min(batch_size, max_per_run - invited)))
        )
        if not batch:
            return SurveyRun(interval_days=interval, invited=invited)
        for customer in batch:
            sent = _invite_by_mail(
                customer,
                SurveyKind.NPS,
                "surveys/nps",
                _l("How likely are you to recommend us?"),
                optional=True,
                dedupe_key=f"nps:{customer.id}:{period}",
                now=now,
            )
            invited += sent is not None
        last_id = batch[-1].id
    more = db.session.scalar(select(due.where(User.id > last_id).exists())) or False
    return SurveyRun(interval_days=interval, invited=invited, more=more)


# Answers


def _validate(kind: SurveyKind, score, comment: str | None) -> tuple[int, str]:
    scale = SCALES[kind]
    errors = {}
    if isinstance(score, bool) or not isinstance(score, int) or score not in scale:
        errors["score"] = _("Choose a score from %(low)s to %(high)s.", low=scale[0], high=scale[-1])
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        errors["comment"] = _("Keep the comment under %(n)s characters.", n=MAX_COMMENT)
    if errors:
        raise FeedbackError(errors)
    return score, comment


def record_nps(
    customer: User, nps: int, comment: str, now: datetime, channel: Channel = Channel.EMAIL
) -> Feedback:
    """Store an NPS-only rating and route it as ``submit_rating`` does (a detractor opens a follow-up)."""
    return store_rating(
        customer, csat=None, nps=nps, category=None, comment=comment, urgent=False, channel=channel, now=now
    )


def _record_case_csat(invitation: SurveyInvitation, csat: int, comment: str, now: datetime) -> Feedback:
    """Store the after-resolution rating; a low one reopens the case instead of opening a second one."""
    fu = db.session.get(Followup, invitation.followup_id)
    customer = invitation.customer
    feedback = Feedback(
        customer=customer,
        kind=FeedbackKind.RATING,
        channel=Channel.EMAIL,
        category_id=fu.feedback.category_id if fu is not None else None,
        csat=csat,
        comment=comment,
        urgent=False,
        created_at=now,
        # No receipt: the answer page thanks them, and a low score reopens the case they know.
        acknowledged_at=now,
        followup=None,
    )
    db.session.add(feedback)
    db.session.flush()
    if fu is not None and csat <= REOPEN_AT_OR_BELOW:
        if not fu.is_open:
            reopen(fu, actor=customer, now=now)
        if comment:  # staff see why on the timeline, and the next-reply clock starts
            customer_reply(fu, customer, comment, now)
    return feedback


def answer(invitation: SurveyInvitation, score, comment: str | None, now: datetime) -> Feedback:
    """Record the answer to an invitation, once.

    Raises :class:`FeedbackError` for a score off the scale or an over-long comment,
    :class:`UsedSurveyLink` when it was answered already (also when two answers race) and
    :class:`ExpiredSurveyLink` after 28 days.
    """
    score, comment = _validate(invitation.kind, score, comment)
    if invitation.used_at is not None:
        raise UsedSurveyLink()
    if now - invitation.sent_at > LIFETIME:
        raise ExpiredSurveyLink()
    # Claim the invitation with a conditional UPDATE: of two concurrent answers only one matches.
    claimed = db.session.execute(
        update(SurveyInvitation)
        .where(SurveyInvitation.id == invitation.id, SurveyInvitation.used_at.is_(None))
        .values(used_at=now)
    ).rowcount
    if claimed != 1:
        raise UsedSurveyLink()
    set_committed_value(invitation, "used_at", now)  # the UPDATE bypassed the object; tell it
    if invitation.kind == SurveyKind.NPS:
        feedback = record_nps(invitation.customer, score, comment, now)
    else:
        feedback = _record_case_csat(invitation, score, comment, now)
    invitation.feedback_id = feedback.id
    db.session.flush()
    return feedback


def outcome_case(invitation: SurveyInvitation, feedback: Feedback) -> Followup | None:
    """The case an answer opened (NPS detractor) or reopened (low after-resolution rating), if any."""
    if invitation.kind == SurveyKind.NPS:
        return feedback.followup
    if feedback.csat is not None and feedback.csat <= REOPEN_AT_OR_BELOW:
        return db.session.get(Followup, invitation.followup_id)
    return None
