"""Writes for notices: drafts, publishing, timed updates and closing.

Each function adds and flushes; the request (or the job runner) commits once, so the
e-mails queued here go out only if the change itself is saved.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy import update as sql_update

from ..auth.models import Plan, User
from ..core.time import as_utc
from ..core.urls import external_url
from ..core.wake import wake_after_commit
from ..extensions import db
from ..followups.models import ACTIVE_STATUSES, EventKind, Followup, FollowupEvent
from ..mailer.services import queue_email
from .models import Notice, NoticeKind, NoticeUpdate
from .queries import REMINDER_WINDOW, affected_customer_ids, affected_customers, is_over

MAX_TITLE = 200
MAX_BODY = 10_000
MAX_DOWNTIME = 7 * 24 * 60  # a week, in minutes
MAX_SERVERS = 50
MAX_HOSTNAME = 120  # the width of CustomerAccount.server
HOSTNAME = re.compile(r"^[A-Za-z0-9.-]+$")
SERVER_SEPARATORS = re.compile(r"[,\r\n]+")

# Announcements and backup routines are news a customer may turn off; maintenance and
# incidents concern the service they pay for, so they always go out.
OPTIONAL_MAIL = {
    NoticeKind.ANNOUNCEMENT: True,
    NoticeKind.BACKUP: True,
    NoticeKind.MAINTENANCE: False,
    NoticeKind.INCIDENT: False,
}
# A window has a planned end; an incident or announcement may not know it yet.
NEEDS_END = {NoticeKind.MAINTENANCE, NoticeKind.BACKUP}


class NoticeError(ValueError):
    """A notice change that cannot be made; ``fields`` maps form fields to messages."""

    def __init__(self, fields: dict[str, str]):
        super().__init__("; ".join(fields.values()))
        self.fields = fields


@dataclass
class NoticeDraft:
    """What a manager typed: the editable fields of a notice."""

    kind: NoticeKind | str
    title: str
    body: str = ""
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    expected_downtime_minutes: int | None = None
    plans: list[str] | tuple[str, ...] = ()
    servers: str = ""


def parse_servers(text: str | None) -> list[str]:
    """Split a comma- or newline-separated list of hostnames, lower-cased, without repeats."""
    seen: dict[str, None] = {}
    for part in SERVER_SEPARATORS.split(text or ""):
        name = part.strip().lower()
        if name:
            seen.setdefault(name, None)
    return list(seen)


def _check_title(title: str | None, errors: dict) -> str:
    title = title or ""
    if any(ch in title for ch in "\r\n"):
        # The title becomes the e-mail subject: a line break would inject a header.
        errors["title"] = _("Titles cannot contain line breaks.")
        return title
    title = title.strip()
    if not title:
        errors["title"] = _("Enter a title.")
    elif len(title) > MAX_TITLE:
        errors["title"] = _("Use at most %(n)s characters for the title.", n=MAX_TITLE)
    return title


def _check_servers(text: str | None, errors: dict) -> str:
    servers = parse_servers(text)
    bad = [s for s in servers if len(s) > MAX_HOSTNAME or not HOSTNAME.match(s)]
    if bad:
        errors["servers"] = _(
            "Not a server name: %(name)s. Use letters, digits, dots and hyphens.", name=bad[0][:60]
        )
    elif len(servers) > MAX_SERVERS:
        errors["servers"] = _("List at most %(n)s servers.", n=MAX_SERVERS)
    return ",".join(servers)


def _check_plans(plans, errors: dict) -> str:
    values = [str(p) for p in plans or ()]
    known = {p.value for p in Plan}
    unknown = [v for v in values if v not in known]
    if unknown:
        errors["plans"] = _("Unknown plan: %(plan)s.", plan=unknown[0][:30])
        return ""
    # Stored in plan order so the same choice always reads the same.
    return ",".join(p.value for p in Plan if p.value in values)


def validate(draft: NoticeDraft) -> dict:
    """Check a draft; return model attributes or raise :class:`NoticeError` listing every problem."""
    errors: dict[str, str] = {}
    try:
        kind = NoticeKind(draft.kind)
    except ValueError:
        errors["kind"] = _("Choose what kind of notice this is.")
        kind = None
    title = _check_title(draft.title, errors)
    body = (draft.body or "").strip()
    if len(body) > MAX_BODY:
        errors["body"] = _("Use at most %(n)s characters.", n=MAX_BODY)
    starts_at = as_utc(draft.starts_at) if draft.starts_at else None
    ends_at = as_utc(draft.ends_at) if draft.ends_at else None
    if starts_at is None:
        errors["starts_at"] = _("Enter when it starts.")
    if ends_at is None and kind in NEEDS_END:
        errors["ends_at"] = _("Enter when the window ends.")
    if starts_at and ends_at and ends_at <= starts_at:
        errors["ends_at"] = _("The end must be after the start.")
    downtime = draft.expected_downtime_minutes
    if downtime is not None and (isinstance(downtime, bool) or not 0 <= downtime <= MAX_DOWNTIME):
        errors["expected_downtime_minutes"] = _(
            "Expected downtime is between 0 and %(n)s minutes (a week).", n=MAX_DOWNTIME
        )
    plans = _check_plans(draft.plans, errors)
    servers = _check_servers(draft.servers, errors)
    if errors:
        raise NoticeError(errors)
    return {
        "kind": kind,
        "title": title,
        "body": body,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "expected_downtime_minutes": downtime,
        "plans": plans,
        "servers": servers,
    }


def save_notice(notice: Notice | None, actor: User, draft: NoticeDraft, now: datetime) -> Notice:
    """Create a draft (``notice`` None) or change a notice that is not closed yet.

    Editing a published notice changes what the banner and status page show; it sends no
    e-mail, not even when the window moves (post an update to tell customers).
    """
    if notice is not None and notice.resolved_at is not None:
        raise NoticeError({"title": _("This notice is closed and can no longer be edited.")})
    values = validate(draft)
    if notice is None:
        notice = Notice(created_by=actor, created_at=now)
        db.session.add(notice)
    elif notice.published_at is not None and values["kind"] != notice.kind:
        raise NoticeError({"kind": _("A published notice keeps its kind.")})
    for name, value in values.items():
        setattr(notice, name, value)
    db.session.flush()
    return notice


def delete_draft(notice: Notice) -> None:
    """Delete a notice nobody has seen yet."""
    if notice.published_at is not None:
        raise NoticeError({"notice": _("Only drafts can be deleted. Close a published notice instead.")})
    db.session.delete(notice)
    db.session.flush()


PUBLISHED_SUBJECTS: dict[NoticeKind, Callable[[str], str]] = {
    NoticeKind.ANNOUNCEMENT: lambda title: title,
    NoticeKind.MAINTENANCE: lambda title: _("Planned maintenance: %(title)s", title=title),
    NoticeKind.BACKUP: lambda title: _("Backup notice: %(title)s", title=title),
    NoticeKind.INCIDENT: lambda title: _("Service incident: %(title)s", title=title),
}


def _update_subject(title: str) -> str:
    return _("Update: %(title)s", title=title)


Checkpoint = Callable[[], bool]
"""Called after each batch of recipients: commits it; False if the work was taken over."""


def _mail_all(
    notice: Notice,
    template: str,
    subject: Callable[[str], str],
    key: str,
    now: datetime,
    checkpoint: Checkpoint | None = None,
    **context,
) -> tuple[int, bool]:
    """Queue ``template`` for every affected customer, ``MAIL_FANOUT_BATCH`` at a time.

    Return how many were queued and whether every customer was reached. After each batch
    ``checkpoint`` (the job's commit) runs; one answering False stops the fan-out unfinished.
    A fan-out stopped (or killed) half-way is resumed by running it again: the dedupe keys
    skip whoever already has the message.
    """
    queued, after = 0, 0
    size = max(int(current_app.config["MAIL_FANOUT_BATCH"]), 1)
    status_url = external_url("status.page") + f"#notice-{notice.id}"
    while True:
        # Keyset pages by id: each batch is a fresh query, valid across the commits between.
        customers = db.session.scalars(affected_customers(notice).where(User.id > after).limit(size)).all()
        if not customers:
            return queued, True
        for customer in customers:
            message = queue_email(
                customer,
                template,
                partial(subject, notice.title),  # queue_email renders it in the customer's language
                context={"notice": notice, "status_url": status_url, **context},
                optional=OPTIONAL_MAIL[notice.kind],
                dedupe_key=f"notice:{notice.id}:{key}:{customer.id}",
                now=now,
            )
            queued += message is not None
        after = customers[-1].id
        db.session.flush()
        if checkpoint is not None and not checkpoint():
            return queued, False


def publish(notice: Notice, actor: User, now: datetime) -> int:
    """Publish a draft; return how many customers it affects.

    The e-mail to them goes out from a background job (:func:`.jobs.send_notice_mail`),
    woken by this commit: rendering one mail per customer would not fit in a request for a
    host with many thousands. A notice about something already over is published without
    e-mail: it only goes on the status page's recent list.
    """
    validate(_as_draft(notice))  # a draft saved before a rule changed must still hold
    # A conditional UPDATE, so a double-click (two requests at once) publishes once.
    won = db.session.execute(
        sql_update(Notice)
        .where(Notice.id == notice.id, Notice.published_at.is_(None))
        .values(published_at=now)
    ).rowcount
    if not won:
        raise NoticeError({"notice": _("This notice is already published.")})
    db.session.refresh(notice)
    if is_over(notice, now):
        notice.notified_at = now  # nothing to tell anyone ahead of time
        return 0
    if notice.kind == NoticeKind.MAINTENANCE and notice.starts_at <= now + REMINDER_WINDOW:
        # The announcement itself arrives within a day of the start: no reminder on top.
        notice.reminded_at = now
    db.session.flush()
    wake_after_commit("notice_mail")
    return db.session.scalar(select(func.count()).select_from(affected_customers(notice).subquery()))


def mail_published(notice: Notice, now: datetime, checkpoint: Checkpoint | None = None) -> int:
    """Queue the e-mail announcing ``notice`` to every affected customer (the job calls this,
    with a ``checkpoint`` that commits each batch); mark it mailed once all are reached."""
    queued, done = _mail_all(
        notice, "notices/published", PUBLISHED_SUBJECTS[notice.kind], "published", now, checkpoint
    )
    if not done:
        return queued
    notice.notified_at = now
    db.session.flush()
    return queued


def mail_update(update_row: NoticeUpdate, now: datetime, checkpoint: Checkpoint | None = None) -> int:
    """Queue the e-mail carrying an update to every affected customer (the job calls this)."""
    notice = update_row.notice
    queued, done = _mail_all(
        notice,
        "notices/update",
        _update_subject,
        f"update:{update_row.id}",
        now,
        checkpoint,
        update=update_row,
    )
    if not done:
        return queued
    update_row.mailed_at = now
    db.session.flush()
    return queued


def _reminder_subject(title: str) -> str:
    return _("Reminder – planned maintenance: %(title)s", title=title)


def remind(notice: Notice, now: datetime, checkpoint: Checkpoint | None = None) -> int:
    """E-mail the affected customers that the window starts soon; mark it reminded."""
    queued, done = _mail_all(notice, "notices/reminder", _reminder_subject, "reminder", now, checkpoint)
    if not done:
        return queued
    notice.reminded_at = now
    db.session.flush()
    return queued


def _as_draft(notice: Notice) -> NoticeDraft:
    return NoticeDraft(
        kind=notice.kind,
        title=notice.title,
        body=notice.body,
        starts_at=notice.starts_at,
        ends_at=notice.ends_at,
        expected_downtime_minutes=notice.expected_downtime_minutes,
        plans=[p for p in (notice.plans or "").split(",") if p],
        servers=notice.servers,
    )


def _check_open(notice: Notice) -> None:
    if notice.published_at is None:
        raise NoticeError({"body": _("Publish the notice before posting updates.")})
    if notice.resolved_at is not None:
        raise NoticeError({"body": _("This notice is closed.")})


def add_update(notice: Notice, actor: User, body: str, now: datetime) -> NoticeUpdate:
    """Post a timed update and, for an incident, add it to the timeline of the affected
    customers' open cases; the background job e-mails it to them.
    """
    _check_open(notice)
    body = (body or "").strip()
    if not body:
        raise NoticeError({"body": _("Write the update.")})
    if len(body) > MAX_BODY:
        raise NoticeError({"body": _("Use at most %(n)s characters.", n=MAX_BODY)})
    update = NoticeUpdate(notice=notice, author=actor, body=body, created_at=now)
    db.session.add(update)
    db.session.flush()
    if notice.kind == NoticeKind.INCIDENT:
        cases = db.session.scalars(
            select(Followup).where(
                Followup.status.in_(ACTIVE_STATUSES),
                Followup.customer_id.in_(affected_customer_ids(notice)),
            )
        )
        for fu in cases:
            db.session.add(
                FollowupEvent(
                    followup=fu,
                    actor=actor,
                    kind=EventKind.NOTICE_UPDATE,
                    body=body,
                    detail=f"notice:{notice.id}",
                    created_at=now,
                )
            )
    db.session.flush()
    wake_after_commit("notice_mail")  # the e-mail to the affected customers goes from the job
    return update


def resolve_incident(notice: Notice, actor: User, now: datetime, body: str = "") -> NoticeUpdate | None:
    """Close a published notice: an incident is resolved, any other notice ends early.

    A closing ``body`` is posted as a last update first (e-mailed, and added to open cases
    for an incident); return that update, if any.
    """
    if notice.published_at is None:
        raise NoticeError({"body": _("A draft cannot be closed; delete it instead.")})
    if notice.resolved_at is not None:
        raise NoticeError({"body": _("This notice is already closed.")})
    update = add_update(notice, actor, body, now) if (body or "").strip() else None
    notice.resolved_at = now
    db.session.flush()
    return update
