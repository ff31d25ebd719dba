"""Rows to JSON-safe dicts. Datetimes are ISO 8601 in UTC with a ``Z`` suffix, always."""

from datetime import datetime

from flask import url_for

from ..auth.models import User
from ..core.time import as_utc
from ..followups.models import EventKind, Followup, FollowupEvent
from ..followups.sla import customer_promise, risk_level
from ..ideas.labels import author_label
from ..ideas.models import Idea, IdeaStatus
from ..surveys.models import Feedback


def iso(value: datetime | None) -> str | None:
    """``2026-03-02T09:00:00Z`` (microseconds kept when present), or None."""
    if value is None:
        return None
    return as_utc(value).isoformat().replace("+00:00", "Z")


def person(user: User | None) -> dict | None:
    """A user as ``{"id", "name"}``."""
    return {"id": user.id, "name": user.name} if user else None


def customer(user: User) -> dict:
    """A customer as staff see them: contact and plan."""
    account = user.account
    return {
        "id": user.id,
        "name": user.name,
        "email": user.email,
        "plan": account.plan.value if account else None,
    }


def _author(event: FollowupEvent) -> str:
    if event.kind == EventKind.CUSTOMER_REPLY:
        return "customer"
    system = (EventKind.CREATED, EventKind.SLA_WARNING, EventKind.SLA_BREACH, EventKind.SLA_ESCALATED)
    if event.kind in system or event.actor is None:
        return "system"
    return "staff"


def event(item: FollowupEvent, *, staff: bool) -> dict:
    """One timeline entry; staff also see who acted and the internal detail."""
    data = {
        "id": item.id,
        "kind": item.kind.value,
        "author": _author(item),
        "author_name": item.actor.name if item.actor else None,
        "body": item.body,
        "public": item.is_public,
        "created_at": iso(item.created_at),
    }
    if staff:
        data["actor_id"] = item.actor_id
        data["detail"] = item.detail
    return data


def timeline(fu: Followup, *, staff: bool) -> list[dict]:
    """The full timeline for staff; only public entries for the customer."""
    return [event(e, staff=staff) for e in fu.events if staff or e.is_public]


def followup_summary(fu: Followup, *, staff: bool) -> dict:
    """What a feedback item says about its case: status, priority and when we answer by."""
    data = {
        "id": fu.id,
        "reference": fu.reference,
        "status": fu.status.value,
        "priority": fu.priority.value,
        "answer_by": iso(customer_promise(fu)),
        "created_at": iso(fu.created_at),
        "first_response_at": iso(fu.first_response_at),
        "resolved_at": iso(fu.resolved_at),
    }
    if staff:
        data["url"] = url_for("api.followup_show", followup_id=fu.id)
        data["assignee"] = person(fu.assignee)
        data["due_at"] = iso(fu.due_at)
        data["breached"] = fu.breached
    return data


def feedback(item: Feedback, *, staff: bool, with_timeline: bool = False) -> dict:
    """A feedback item with its follow-up summary (and timeline when asked)."""
    data = {
        "id": item.id,
        "url": url_for("api.feedback_show", feedback_id=item.id),
        "kind": item.kind.value,
        "channel": item.channel.value,
        "customer_id": item.customer_id,
        "category": item.category.slug if item.category else None,
        "csat": item.csat,
        "nps": item.nps,
        "urgent": item.urgent,
        "title": item.title,
        "comment": item.comment,
        "created_at": iso(item.created_at),
        "followup": followup_summary(item.followup, staff=staff) if item.followup else None,
    }
    if staff:
        data["customer"] = customer(item.customer)
    if with_timeline:
        data["timeline"] = timeline(item.followup, staff=staff) if item.followup else []
    return data


def followup(fu: Followup, now: datetime, *, with_timeline: bool = False) -> dict:
    """A follow-up as staff see it: people, state, every deadline and breach flag."""
    fb = fu.feedback
    data = {
        "id": fu.id,
        "reference": fu.reference,
        "url": url_for("api.followup_show", followup_id=fu.id),
        "feedback": {
            "id": fb.id,
            "url": url_for("api.feedback_show", feedback_id=fb.id),
            "kind": fb.kind.value,
            "category": fb.category.slug if fb.category else None,
            "csat": fb.csat,
            "nps": fb.nps,
            "urgent": fb.urgent,
            "comment": fb.comment,
            "created_at": iso(fb.created_at),
        },
        "customer": customer(fu.customer),
        "assignee": person(fu.assignee),
        "team": {"id": fu.team.id, "name": fu.team.name} if fu.team is not None else None,
        "priority": fu.priority.value,
        "status": fu.status.value,
        "risk": risk_level(fu, now),
        "created_at": iso(fu.created_at),
        "first_response_at": iso(fu.first_response_at),
        "resolved_at": iso(fu.resolved_at),
        "paused_seconds": fu.paused_seconds,
        "due_at": iso(fu.due_at),
        "at_risk_at": iso(fu.at_risk_at),
        "answer_by": iso(customer_promise(fu)),
        "deadlines": {
            "first_response": iso(fu.first_response_due),
            "next_reply": iso(fu.next_reply_due),
            "resolution": iso(fu.resolution_due),
            "attention": iso(fu.attention_due),
        },
        "breached": fu.breached,
        "first_response_breached": fu.first_response_breached,
        "resolution_breached": fu.resolution_breached,
    }
    if with_timeline:
        data["timeline"] = timeline(fu, staff=True)
    return data


def idea(item: Idea, viewer: User, *, voted: bool, following: bool, labels: dict[str, str]) -> dict:
    """An idea as ``viewer`` may see it: another customer's author is a short name (or "A customer"
    when posted anonymously), never an id or e-mail; staff also get the author's id and moderation
    flags. ``voted`` and ``following`` are the viewer's own."""
    answered = bool(item.official_answer)
    data = {
        "id": item.id,
        "url": url_for("api.idea_show", idea_id=item.id),
        "title": item.title,
        "description": item.description,
        "category": item.category.slug if item.category else None,
        "status": item.status.value,
        "status_label": labels.get(item.status.value, item.status.value),
        "author": author_label(item, viewer),
        "anonymous": item.anonymous,
        "yours": item.author_id is not None and item.author_id == viewer.id,
        "vote_count": item.vote_count,
        "voted": bool(voted),
        "following": bool(following),
        "official_answer": {"text": item.official_answer, "answered_at": iso(item.answered_at)}
        if answered
        else None,
        "decline_reason": item.decline_reason if item.status == IdeaStatus.DECLINED else None,
        "locked": item.locked,
        "merged_into": item.merged_into_id,
        "created_at": iso(item.created_at),
        "updated_at": iso(item.updated_at),
        "status_changed_at": iso(item.status_changed_at),
        "done_at": iso(item.done_at),
    }
    if viewer.is_staff:
        data["author_id"] = item.author_id
        data["hidden"] = item.hidden
        if answered:
            data["official_answer"]["answered_by"] = person(item.answered_by)
    return data


def suggestion(item: Idea, author: User, *, labels: dict[str, str]) -> dict:
    """A suggestion sent to POST /feedback, now an idea: the feedback fields old clients read,
    with ``id`` and ``url`` those of the idea, and the idea itself under ``idea``."""
    return {
        "id": item.id,
        "idea_id": item.id,
        "url": url_for("api.idea_show", idea_id=item.id),
        "kind": "suggestion",
        "channel": "api",
        "customer_id": author.id,
        "category": item.category.slug if item.category else None,
        "csat": None,
        "nps": None,
        "urgent": False,
        "title": item.title,
        "comment": item.description,
        "created_at": iso(item.created_at),
        "followup": None,
        # A new idea: its author voted for it and follows it.
        "idea": idea(item, author, voted=True, following=True, labels=labels),
    }


def page(pagination, items: list[dict], next_url: str | None) -> dict:
    """The list envelope every paginated endpoint returns."""
    return {
        "items": items,
        "page": pagination.page,
        "per_page": pagination.per_page,
        "total": pagination.total,
        "next": next_url,
    }
