"""Who hears about what happens to a follow-up, by e-mail. Every function only queues
outbox rows in the caller's transaction; the dispatcher sends them after the commit.

Customers get their case mail (always: it is essential); staff get assignments, 80 % warnings
and progress reminders (new cases: :mod:`.alerts`, which batches them); managers get breach alerts.
"""

from collections.abc import Callable
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..auth.models import Role, User
from ..core.urls import external_url
from ..extensions import db
from ..mailer.deferred import Deferred, register
from ..mailer.services import queue_email
from ..teams.models import team_members as team_member_table
from .escalation import BREACH, ESCALATED, WARNING, Levels
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


def team_members(team_id: int) -> list[User]:
    """The active members of team ``team_id``."""
    return list(
        db.session.scalars(
            select(User)
            .join(team_member_table, team_member_table.c.user_id == User.id)
            .where(team_member_table.c.team_id == team_id, User.active)
            .order_by(User.id)
        )
    )


def case_team(fu: Followup) -> list[User]:
    """Who a case's team is: the active members of its team, or every staff member when it has
    no team (or its team nobody active)."""
    return (team_members(fu.team_id) if fu.team_id is not None else []) or staff_team()


def team_lead(fu: Followup) -> User | None:
    """The case's team lead, when it has a team with an active lead."""
    lead = fu.team.lead if fu.team is not None else None
    return lead if lead is not None and lead.active else None


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
        else external_url("surveys.case", followup_id=fu.id),
    }


def case_subject(fu: Followup, text):
    """``[K-12] text``, translated when the mail is rendered for its recipient."""
    return lambda: f"[{fu.reference}] {text}"


def case_thread(fu: Followup) -> dict[str, str]:
    """Headers that file every mail about the case in one thread, whatever its subject: all of
    them refer to the same (never sent) root message, as issue trackers' notifications do."""
    return {"References": f"<case-{fu.id}@kontento>"}


def case_mail(fu: Followup, text) -> dict:
    """The subject (:func:`case_subject`) and threading headers of a mail about ``fu``, as
    keyword arguments of :func:`..mailer.services.queue_email`."""
    return {"subject": case_subject(fu, text), "headers": case_thread(fu)}


def ahead(moment: datetime | None, now: datetime) -> datetime | None:
    """A promise worth making: none when the moment has already passed (the case is late)."""
    return moment if moment is not None and moment > now else None


def assigned(fu: Followup, actor: User, assignee: User | None, now: datetime) -> None:
    """Tell the new assignee (unless they took it themselves); unassigned cases go to the team."""
    if assignee is not None and assignee.id == actor.id:
        return
    recipients = [assignee] if assignee is not None else [u for u in case_team(fu) if u.id != actor.id]
    subject = (
        _l("%(name)s assigned you a follow-up", name=actor.name)
        if assignee is not None
        else _l("A follow-up is back with the team, unassigned")
    )
    for member in recipients:
        queue_email(
            member,
            "followups/assigned",
            **case_mail(fu, subject),
            context={**case_context(fu, True), "actor": actor, "assignee": assignee},
            now=now,
        )


def public_reply(fu: Followup, event: FollowupEvent, now: datetime) -> None:
    """Send a staff member's public reply to the customer."""
    queue_email(
        fu.customer,
        "followups/reply",
        **case_mail(fu, _l("New reply on your case")),
        context={**case_context(fu, False), "event": event, "promise": ahead(customer_promise(fu), now)},
        dedupe_key=f"reply:{event.id}",
        now=now,
    )


def _who_works_it(fu: Followup, team: Callable[[Followup], list[User]] = case_team) -> list[User]:
    """The case's assignee, or its whole team (:func:`case_team`) while nobody (active) has it."""
    if fu.assignee is not None and fu.assignee.active:
        return [fu.assignee]
    return team(fu)


def escalation_mail(fu: Followup, deadline: Deadline, level: str, recipients: list[User]) -> list[Deferred]:
    """The SLA ``level`` (escalation.py) mail about ``deadline`` to each recipient, to be
    queued by :func:`..mailer.deferred.queue_deferred` and rendered when it is sent."""
    # "[K-12] " + the subject's words: the words are one lazy string per level and target, so the
    # mailer translates them once per language, not once per message (case_subject's shape).
    subject = _SUBJECTS[(level, deadline.target)]
    params = {
        "followup": fu.id,
        "target": deadline.target.value,
        "start": deadline.start.isoformat(),
        "due": deadline.due.isoformat(),
    }
    prefix, thread = f"[{fu.reference}] ", case_thread(fu)  # once, not once per recipient
    return [
        Deferred(
            user,
            f"followups/sla_{level}",
            subject,
            params,
            prefix,
            # One per deadline, due time and person: a repeated or concurrent sweep adds nothing.
            f"sla:{level}:{fu.id}:{deadline.target.value}:{params['due']}:{user.id}",
            thread,
        )
        for user in recipients
    ]


_SUBJECTS = {
    **{(WARNING, t): _l("Due soon: %(target)s deadline", target=label) for t, label in TARGET_LABELS.items()},
    **{(BREACH, t): _l("Breached: %(target)s deadline", target=label) for t, label in TARGET_LABELS.items()},
    **{
        (ESCALATED, t): _l("Escalated: %(target)s deadline long past", target=label)
        for t, label in TARGET_LABELS.items()
    },
}


class Audience:
    """Who hears of each escalation level (escalation.py), with each team and the managers read
    once for the life of the instance (one sweep)."""

    def __init__(self):
        self._teams: dict[int | None, list[User]] = {}
        self._managers: list[User] | None = None

    def managers(self) -> list[User]:
        """Active managers."""
        if self._managers is None:
            self._managers = managers()
        return self._managers

    def team_of(self, fu: Followup) -> list[User]:
        """:func:`case_team`, read once per team."""
        if fu.team_id not in self._teams:
            self._teams[fu.team_id] = case_team(fu)
        return self._teams[fu.team_id]

    def recipients(self, fu: Followup, level: str, levels: Levels) -> list[User]:
        """A warning: whoever works the case; a breach: the team lead (or the managers, when so set
        or when there is no lead); the last level: the managers."""
        if level == WARNING:
            return _who_works_it(fu, self.team_of)
        if level == BREACH and levels.breach_to == "lead" and (lead := team_lead(fu)) is not None:
            return [lead]
        return self.managers()


def _escalation_context(params: dict) -> dict:
    """The SLA mail's template context, from what :func:`escalation_mail` stored."""
    fu = db.session.get(Followup, params["followup"])
    if fu is None:
        raise LookupError(f"follow-up {params['followup']} was deleted")
    deadline = Deadline(
        SlaTarget(params["target"]),
        datetime.fromisoformat(params["start"]),
        datetime.fromisoformat(params["due"]),
    )
    return {**case_context(fu, True), "deadline": deadline, "target": TARGET_LABELS[deadline.target]}


for _level in (WARNING, BREACH, ESCALATED):
    register(f"followups/sla_{_level}", _escalation_context)


def progress(fu: Followup, now: datetime) -> None:
    """The automatic progress report to the customer and the reminder to whoever works the case."""
    stamp = now.isoformat()
    queue_email(
        fu.customer,
        "followups/progress",
        **case_mail(fu, _l("An update on your case")),
        context={**case_context(fu, False), "promise": ahead(customer_promise(fu), now)},
        dedupe_key=f"progress:{fu.id}:{stamp}",
        now=now,
    )
    for member in _who_works_it(fu):
        queue_email(
            member,
            "followups/progress_reminder",
            **case_mail(fu, _l("Reminder: post a progress update")),
            context=case_context(fu, True),
            dedupe_key=f"progress-reminder:{fu.id}:{stamp}:{member.id}",
            now=now,
        )
