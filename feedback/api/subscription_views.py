"""``/api/v1/subscriptions/events``: a billing panel pushes subscription events as they happen."""

import re
from datetime import date
from decimal import Decimal

from flask import jsonify
from sqlalchemy import func, select

from ..auth.models import Plan, User, matchable_customer
from ..extensions import db
from ..lifecycle.models import EventKind, SubscriptionEvent
from ..lifecycle.services import EventConflict, LifecycleError, record_event
from .auth import managers_only
from .blueprint import bp, request_now
from .validation import ApiError, Field, json_body, validate

_PRICE = re.compile(r"[0-9]{1,8}(\.[0-9]{1,2})?")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

SUBSCRIPTION_EVENT = {
    "event_id": Field(
        "string",
        required=True,
        not_blank=True,
        max_length=150,
        description="Your unique id for this event; sending it again is safe (200, nothing changes).",
    ),
    "email": Field(
        "string",
        required=True,
        not_blank=True,
        max_length=254,
        description="The customer's e-mail: an account staff made or invited, or one whose owner "
        "confirmed the address (a self-service sign-up not yet confirmed is not matched: 404).",
    ),
    "service_id": Field(
        "string", required=True, not_blank=True, max_length=64, description="The billing system's service id."
    ),
    "kind": Field("string", required=True, choices=tuple(k.value for k in EventKind)),
    "occurred_on": Field("string", required=True, max_length=10, description="The day, YYYY-MM-DD."),
    "plan": Field(
        "string",
        nullable=True,
        choices=tuple(p.value for p in Plan),
        description="The plan after the event; required for started/upgraded/downgraded.",
    ),
    "monthly_price": Field(
        "string",
        nullable=True,
        max_length=11,
        description='The monthly price after the event as a decimal string, e.g. "39.00"; '
        "required for started/upgraded/downgraded, null keeps the current price.",
    ),
    "cycle_months": Field(
        "integer",
        nullable=True,
        minimum=1,
        maximum=36,
        description="Months per billing cycle (1, 12, …); null keeps the subscription's (new ones: 1).",
    ),
}


def _parse(body: dict) -> tuple[date, Decimal | None]:
    fields = {}
    day = price = None
    try:
        if not _DATE.fullmatch(body["occurred_on"]):
            raise ValueError
        day = date.fromisoformat(body["occurred_on"])
    except ValueError:
        fields["occurred_on"] = "Must be a real date written YYYY-MM-DD."
    if body["monthly_price"] is not None:
        if _PRICE.fullmatch(body["monthly_price"]):
            price = Decimal(body["monthly_price"])
        else:
            fields["monthly_price"] = 'Must be a decimal string with at most 2 decimals, e.g. "39.00".'
    if fields:
        raise ApiError(422, "The request body has invalid fields.", fields)
    return day, price


def _event(event: SubscriptionEvent, event_id: str) -> dict:
    sub = event.subscription
    return {
        "id": event.id,
        "event_id": event_id,
        "service_id": sub.external_id,
        "customer_id": event.customer_id,
        "kind": event.kind.value,
        "occurred_on": event.occurred_on.isoformat(),
        "plan": event.plan.value,
        "from_plan": event.from_plan.value if event.from_plan else None,
        "monthly_price": str(event.monthly_price),
        "subscription": {
            "status": sub.status.value,
            "plan": sub.plan.value,
            "monthly_price": str(sub.monthly_price),
            "cycle_months": sub.cycle_months,
            "started_on": sub.started_on.isoformat(),
            "renews_on": sub.renews_on.isoformat() if sub.renews_on else None,
            "ended_on": sub.ended_on.isoformat() if sub.ended_on else None,
        },
    }


@bp.post("/subscriptions/events")
@managers_only
def subscription_event_create():
    """Record one event of a customer's subscription; idempotent by ``event_id``."""
    data = validate(json_body(), SUBSCRIPTION_EVENT)
    day, price = _parse(data)
    customer = db.session.scalar(
        select(User).where(func.lower(User.email) == data["email"].strip().lower(), matchable_customer())
    )
    if customer is None:
        # Also for a self-service sign-up not yet confirmed (see the field's description).
        raise ApiError(404, "No customer with this e-mail.", {"email": "Unknown customer e-mail."})
    try:
        event, new = record_event(
            customer,
            data["service_id"],
            EventKind(data["kind"]),
            day,
            Plan(data["plan"]) if data["plan"] else None,
            price,
            cycle_months=data["cycle_months"],
            source_key="api:" + data["event_id"],
            now=request_now(),
        )
    except EventConflict as exc:
        raise ApiError(409, exc.message, {"event_id": "Already used for a different event."}) from exc
    except LifecycleError as exc:
        raise ApiError(422, exc.message) from exc
    return jsonify(_event(event, data["event_id"])), 201 if new else 200
