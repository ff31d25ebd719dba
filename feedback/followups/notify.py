"""Who hears about what happens to a follow-up, by e-mail. Every function only queues
outbox rows in the caller's transaction; the dispatcher sends them after the commit.

Customers get their case mail (always: it is essential); staff get assignments, 80 % warnings
and progress reminders (new cases: :mod:`.alerts`, which batches them); managers get breach alerts.
"""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..auth.models import Role, User
from ..core.urls import external_url
from ..extensions import db
from ..mailer.services import queue_email
from .models import Followup, FollowupEvent, SlaTarget
from .sla import Deadline, customer_promise

TARGET_LABELS = {
    SlaTarget.FIRST_RESPONSE: _l("first response"),
    SlaTarget.NEXT_REPLY: _l("next reply"),
    SlaTarget.RESOLUTION: _l("resolution"),
    SlaTarget.ATTENTION: _l("24-hour update"),
}


def staff_team() -> list[User]:
    """Active support staff; the managers when there is no staff member at all."""
    staff = list(
        db.session.scalars(select(User).where(User.role == Role.STAFF, User.active).order_by(User.id))
    )
    return staff or managers()


def managers() -> list[User]:
    """Active managers, who receive breach alerts and the daily digest."""
    return list(
        db.session.scalars(select(User).where(User.role == Role.MANAGER, User.active).order_by(User.id))
    )


def case_context(fu: Followup, for_staff: bool) -> dict:
    """What every case mail's template gets: the case, its feedback, and the link to open it."""
    return {
        "fu": fu,
        "feedback": fu.feedback,
        "case_url": external_url("followups.show", followup_id=fu.id)
        if for_staff
        else external_url("surveys.show", feedback_id=fu.feedback_id),
    }


def case_subject(fu: Followup, text):
    """``[#12] text``, translated when the mail is rendered for its recipient."""
    return lambda: f"[#{fu.id}] {text}"


def ahead(moment: datetime | None, now: datetime) -> datetime | None:
    """A promise worth making: none when the moment has already passed (the case is late)."""
    return moment if moment is not None and moment > now else None


def assigned(fu: Followup, actor: User, assignee: User | None, now: datetime) -> None:
    """Tell the new assignee (unless they took it themselves); unassigned cases go to the team."""
    if assignee is not None and assignee.id == actor.id:
        return
    recipients = [assignee] if assignee is not None else [u for u in staff_team() if u.id != actor.id]
    subject = (
        _l("%(name)s assigned you a follow-up", name=actor.name)
        if assignee is not None
        else _l("A follow-up is back with the team, unassigned")
    )
    for member in recipients:
        queue_email(
            member,
            "followups/assigned",
            case_subject(fu, subject),
            context={**case_context(fu, True), "actor": actor, "assignee": assignee},
            now=now,
        )


def public_reply(fu: Followup, event: FollowupEvent, now: datetime) -> None:
    """Send a staff member's public reply to the customer."""
    queue_email(
        fu.customer,
        "followups/reply",
        case_subject(fu, _l("New reply on your case")),
        context={**case_context(fu, False), "event": event, "promise": ahead(customer_promise(fu), now)},
        dedupe_key=f"reply:{event.id}",
        now=now,
    )


def _who_works_it(fu: Followup) -> list[User]:
    if fu.assignee is not None and fu.assignee.active:
        return [fu.assignee]
    return staff_team()


def _escalate(fu: Followup, deadline: Deadline, level: str, recipients: list[User], subject, now) -> None:
    label = TARGET_LABELS[deadline.target]
    for user in recipients:
        queue_email(
            user,
            f"followups/sla_{level}",
            case_subject(fu, subject),
            context={**case_context(fu, True), "deadline": deadline, "target": label},
            # One per deadline, due time and person: a repeated or concurrent sweep adds nothing.
            dedupe_key=f"sla:{level}:{fu.id}:{deadline.target.value}:{deadline.due.isoformat()}:{user.id}",
            now=now,
        )


def sla_warning(fu: Followup, deadline: Deadline, now: datetime) -> None:
    """80 % of a deadline has passed: warn the assignee, or the whole team if nobody has it."""
    subject = _l("Due soon: %(target)s deadline", target=TARGET_LABELS[deadline.target])
    _escalate(fu, deadline, "warning", _who_works_it(fu), subject, now)


def sla_breach(fu: Followup, deadline: Deadline, now: datetime) -> None:
    """A deadline passed: alert the managers."""
    subject = _l("Breached: %(target)s deadline", target=TARGET_LABELS[deadline.target])
    _escalate(fu, deadline, "breach", managers(), subject, now)


def progress(fu: Followup, now: datetime) -> None:
    """The automatic progress report to the customer and the reminder to whoever works the case."""
    stamp = now.isoformat()
    queue_email(
        fu.customer,
        "followups/progress",
        case_subject(fu, _l("An update on your case")),
        context={**case_context(fu, False), "promise": ahead(customer_promise(fu), now)},
        dedupe_key=f"progress:{fu.id}:{stamp}",
        now=now,
    )
    for member in _who_works_it(fu):
        queue_email(
            member,
            "followups/progress_reminder",
            case_subject(fu, _l("Reminder: post a progress update")),
            context=case_context(fu, True),
            dedupe_key=f"progress-reminder:{fu.id}:{stamp}:{member.id}",
            now=now,
        )
