"""New cases, told to the team without burying it.

Each staff member gets the first new-case e-mail at once; the cases that follow within
``FOLLOWUP_DIGEST_MINUTES`` (default 5) wait, and the digest job sends them in one e-mail per
person at the end of that window, listing every case still unassigned. Then the window starts
again from the digest. A burst of 30 negative ratings is two e-mails per person, not 30; a
critical case after a quiet spell still goes out at once.

Who is inside a window is settled on ``new_case_mail_windows``, one row per person, which
whoever mails them (the receipts job announcing a case, or the digest job) locks first, in
user order (PostgreSQL; SQLite takes one writer at a time). Each case waiting for a digest is
a ``new_case_alerts`` row, claimed by a conditional UPDATE in the same transaction as the
digest's outbox row (which also carries a dedupe key): a second worker, or a rerun after a
crash, mails no case twice and loses none.

:func:`alert_team` adds and flushes in its caller's transaction; :func:`send_digests` is a job
and commits once per person.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import LazyString, ngettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import selectinload

from ..auth.models import User
from ..core.db import conflict_insert
from ..core.templating import PRIORITY_LABELS
from ..core.urls import external_url
from ..extensions import db
from ..mailer.services import queue_email
from .models import PRIORITY_RANK, EventKind, Followup, NewCaseAlert, NewCaseMailWindow
from .notify import case_context, case_mail, case_team

log = logging.getLogger(__name__)

MAX_PEOPLE = 500  # per digest run; the next run takes the rest
KEEP = timedelta(days=30)  # how long a sent alert is kept


def digest_window() -> timedelta:
    """How long after a new-case e-mail further cases wait for the digest (0: they never wait)."""
    return timedelta(minutes=max(0, int(current_app.config.get("FOLLOWUP_DIGEST_MINUTES", 5))))


def _window_open(last_mailed_at: datetime | None, now: datetime, window: timedelta) -> bool:
    """Whether someone last mailed at ``last_mailed_at`` is still inside their window at ``now``."""
    return last_mailed_at is not None and last_mailed_at > now - window


def _lock_windows(user_ids: list[int]) -> dict[int, datetime | None]:
    """Each person's last new-case mail, with their window row created if missing and locked."""
    if not user_ids:
        return {}
    db.session.execute(
        conflict_insert(db.session.get_bind(), NewCaseMailWindow)
        .values([{"user_id": user_id, "last_mailed_at": None} for user_id in user_ids])
        .on_conflict_do_nothing()
    )
    rows = db.session.execute(
        select(NewCaseMailWindow.user_id, NewCaseMailWindow.last_mailed_at)
        .where(NewCaseMailWindow.user_id.in_(user_ids))
        .order_by(NewCaseMailWindow.user_id)  # one lock order for every worker: no deadlock
        .with_for_update()
    )
    return {user_id: last for user_id, last in rows}


def _start_windows(user_ids: list[int], now: datetime) -> None:
    if user_ids:
        db.session.execute(
            update(NewCaseMailWindow)
            .where(NewCaseMailWindow.user_id.in_(user_ids))
            .values(last_mailed_at=now)
            .execution_options(synchronize_session=False)
        )


def alert_team(fu: Followup, now: datetime) -> None:
    """Tell the team about a new unassigned case (its team's members, or every staff member for a
    case without a team): at once to whoever had no new-case e-mail in their window, in the next
    digest to the others. A case a routing rule gave to a person is told to that person. The
    receipts job calls it, once per case."""
    if not fu.is_open:
        return
    if fu.assignee_id is not None:
        if not any(e.kind in (EventKind.CLAIMED, EventKind.ASSIGNED) for e in fu.events):
            _tell_routed_assignee(fu, now)
        # else the receipt went late (no worker for a while) and someone took the case already
        return
    team = case_team(fu)
    window = digest_window()
    last = _lock_windows([member.id for member in team])
    now_ids = {member.id for member in team if not _window_open(last.get(member.id), now, window)}
    _start_windows(sorted(now_ids), now)
    # The priority's label, lower-cased inside the sentence ("New critical follow-up"), lazily:
    # translated with the subject, in each recipient's language.
    priority = LazyString(lambda: str(PRIORITY_LABELS[fu.priority.value]).lower())
    context = {**case_context(fu, True), "digest_minutes": round(window.total_seconds() / 60)}
    for member in team:
        if member.id in now_ids:
            queue_email(
                member,
                "followups/new_followup",
                **case_mail(fu, _l("New %(priority)s follow-up, unassigned", priority=priority)),
                context=context,
                now=now,
            )
    db.session.add_all(
        NewCaseAlert(
            user_id=member.id,
            followup_id=fu.id,
            created_at=now,
            mailed_at=now if member.id in now_ids else None,
            in_digest=member.id not in now_ids,
        )
        for member in team
    )
    db.session.flush()


def _tell_routed_assignee(fu: Followup, now: datetime) -> None:
    queue_email(
        fu.assignee,
        "followups/assigned",
        **case_mail(fu, _l("A new follow-up was routed to you")),
        context={**case_context(fu, True), "actor": None, "assignee": fu.assignee},
        dedupe_key=f"routed:{fu.id}",
        now=now,
    )


@dataclass
class DigestResult:
    """What one run of the digest job did."""

    digests: int = 0
    cases: int = 0  # listed in those digests
    dropped: int = 0  # waited, but someone took or closed them first: nothing to tell
    failed: int = 0  # digests that could not be queued (logged); not retried


def _due_people(now: datetime, window: timedelta) -> list[int]:
    """People with cases waiting whose window has ended."""
    return list(
        db.session.scalars(
            select(NewCaseAlert.user_id)
            .join(NewCaseMailWindow, NewCaseMailWindow.user_id == NewCaseAlert.user_id)
            .where(
                NewCaseAlert.mailed_at.is_(None),
                or_(
                    NewCaseMailWindow.last_mailed_at.is_(None),
                    NewCaseMailWindow.last_mailed_at <= now - window,
                ),
            )
            .distinct()
            .order_by(NewCaseAlert.user_id)
            .limit(MAX_PEOPLE)
        )
    )


def _claim_waiting(user_id: int, now: datetime) -> list[tuple[int, int]]:
    """Mark the person's waiting alerts as mailed now; (alert id, case id) of those this run won."""
    return [
        (alert_id, followup_id)
        for alert_id, followup_id in db.session.execute(
            update(NewCaseAlert)
            .where(NewCaseAlert.user_id == user_id, NewCaseAlert.mailed_at.is_(None))
            .values(mailed_at=now)
            .returning(NewCaseAlert.id, NewCaseAlert.followup_id)
            .execution_options(synchronize_session=False)
        )
    ]


def _waiting_cases(followup_ids: list[int]) -> list[Followup]:
    """The cases still open and unassigned, most urgent first."""
    cases = db.session.scalars(
        select(Followup)
        .where(Followup.id.in_(followup_ids))
        .options(selectinload(Followup.customer), selectinload(Followup.feedback))
    )
    waiting = [fu for fu in cases if fu.is_open and fu.assignee_id is None]
    return sorted(waiting, key=lambda fu: (PRIORITY_RANK[fu.priority], fu.first_response_due, fu.id))


def _queue_digest(member: User, cases: list[Followup], key: str, now: datetime, window: timedelta) -> None:
    count = len(cases)
    queue_email(
        member,
        "followups/new_followups_digest",
        lambda: ngettext("%(num)d new follow-up, unassigned", "%(num)d new follow-ups, unassigned", count),
        context={
            "cases": cases,
            "case_urls": {fu.id: external_url("followups.show", followup_id=fu.id) for fu in cases},
            "queue_url": external_url("followups.queue"),
            "digest_minutes": round(window.total_seconds() / 60),
        },
        dedupe_key=key,
        now=now,
    )


def send_digests(now: datetime) -> DigestResult:
    """Periodic job: send each person whose window has ended one e-mail with the cases that
    waited for it. Idempotent: a second run at the same ``now`` finds nothing due."""
    result = DigestResult()
    window = digest_window()
    for user_id in _due_people(now, window):
        if _window_open(_lock_windows([user_id])[user_id], now, window):
            db.session.commit()  # another run mailed them a moment ago: the cases wait for the next
            continue
        claimed = _claim_waiting(user_id, now)
        cases = _waiting_cases([followup_id for _alert, followup_id in claimed])
        result.dropped += len(claimed) - len(cases)
        member = db.session.get(User, user_id)
        if not (member is not None and member.active and member.is_staff):
            result.dropped += len(cases)  # they left the team: the others were told
        elif cases:
            try:
                with db.session.begin_nested():  # a broken address must not hold up the others
                    _start_windows([user_id], now)
                    # Keyed by the first alert it lists: a digest is queued once, whatever happens.
                    _queue_digest(member, cases, f"new-case-digest:{user_id}:{min(claimed)[0]}", now, window)
            except Exception:
                log.exception("could not queue the new-case digest for user %s", user_id)
                result.failed += 1
            else:
                result.digests += 1
                result.cases += len(cases)
        db.session.commit()
    # The record of what was told whom is only needed while a window can be open; kept a while
    # to answer "did I get that case?", then dropped so the table stays small.
    db.session.execute(delete(NewCaseAlert).where(NewCaseAlert.mailed_at < now - KEEP))
    return result
