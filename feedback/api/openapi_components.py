"""Schemas of the OpenAPI document: resources, pages, errors, and the request bodies from ``schemas``."""

from ..core.scales import CSAT_MAX, CSAT_MIN, NPS_MAX, NPS_MIN
from ..surveys.models import FeedbackKind
from . import schemas
from .subscription_views import SUBSCRIPTION_EVENT
from .validation import MAX_PER_PAGE, object_schema

DATETIME = {"type": "string", "format": "date-time", "description": "UTC, ISO 8601 with Z."}
NULLABLE_DATETIME = {
    "type": ["string", "null"],
    "format": "date-time",
    "description": DATETIME["description"],
}
INT_ID = {"type": "integer", "minimum": 1}


def ref(name: str) -> dict:
    """A reference to a component schema."""
    return {"$ref": f"#/components/schemas/{name}"}


def json_content(schema: dict, description: str) -> dict:
    """A response (or body) carrying JSON of ``schema``."""
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def error(description: str) -> dict:
    """An error response in the documented shape."""
    return json_content(ref("Error"), description)


def _obj(properties: dict, required: list[str] | None = None, **extra) -> dict:
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties) if required is None else required,
        **extra,
    }


def _page_of(item: str) -> dict:
    return _obj(
        {
            "items": {"type": "array", "items": ref(item)},
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
            "total": {"type": "integer", "minimum": 0},
            "next": {"type": ["string", "null"], "description": "URL of the next page; null on the last."},
        }
    )


ERROR_RESPONSES = {
    "E400": "Malformed JSON, a body that is not an object, bad query parameters, or a malformed "
    "Idempotency-Key header.",
    "E401": "No token, or the token is unknown, revoked or belongs to a disabled user. "
    "Carries a WWW-Authenticate: Bearer header.",
    "E403": "The token's user does not have the role this endpoint needs; or, on a case's actions, "
    "the case is in the queue of a team the staff member may not work (they may read it).",
    "E404": "No such resource (or it belongs to another customer).",
    "E409": "The resource's state does not allow this action "
    "(e.g. resolving a resolved case, voting for a locked idea); or, code "
    "idempotency_key_in_progress, a request with this Idempotency-Key has not finished: retry.",
    "E413": "The body is larger than 64 KB.",
    "E415": "The body is not sent as application/json.",
    "E422": "Fields with wrong types, out-of-range values, unknown fields or over-long text; "
    "see error.fields. Code idempotency_key_reused: this Idempotency-Key was used with "
    "another request (method, path or body) in the last 24 hours.",
    "E429": (
        "This token made too many requests, this address too many failed authentications "
        "(checked before the token is looked up), or this customer left too many ratings or "
        "posted too many ideas (per customer, whatever the channel); see Retry-After."
    ),
}

COMPONENT_SCHEMAS = {
    "Error": _obj(
        {
            "error": _obj(
                {
                    "code": {"type": "string", "examples": ["validation_error"]},
                    "message": {"type": "string"},
                    "fields": {
                        "type": "object",
                        "additionalProperties": {"type": "string"},
                        "description": "Field or parameter name → what is wrong with it.",
                    },
                }
            )
        }
    ),
    "Person": _obj({"id": INT_ID, "name": {"type": "string"}}),
    "Customer": _obj(
        {
            "id": INT_ID,
            "name": {"type": "string"},
            "email": {"type": "string"},
            "plan": {"type": ["string", "null"], "enum": ["shared", "vps", "dedicated", None]},
        }
    ),
    "Event": _obj(
        {
            "id": INT_ID,
            "kind": {
                "type": "string",
                "description": "created, public_reply, customer_reply, internal_note, …",
            },
            "author": {"type": "string", "enum": ["customer", "staff", "system"]},
            "author_name": {"type": ["string", "null"]},
            "body": {"type": "string"},
            "public": {"type": "boolean"},
            "created_at": DATETIME,
            "actor_id": {"type": ["integer", "null"], "description": "Staff only."},
            "detail": {"type": "string", "description": "Staff only."},
        },
        required=["id", "kind", "author", "author_name", "body", "public", "created_at"],
    ),
    "FollowupSummary": _obj(
        {
            "id": INT_ID,
            "reference": {
                "type": "string",
                "description": "The case's public reference (e.g. K-220), as customers and staff see it.",
            },
            "status": {"type": "string", "enum": ["open", "waiting", "resolved"]},
            "priority": {"type": "string", "enum": list(schemas.PRIORITIES)},
            "answer_by": {
                **NULLABLE_DATETIME,
                "description": "When we answer (next) by; null once resolved.",
            },
            "created_at": DATETIME,
            "first_response_at": NULLABLE_DATETIME,
            "resolved_at": NULLABLE_DATETIME,
            "url": {"type": "string", "description": "Staff only."},
            "assignee": {"oneOf": [ref("Person"), {"type": "null"}], "description": "Staff only."},
            "due_at": {**NULLABLE_DATETIME, "description": "Staff only: the nearest running deadline."},
            "breached": {"type": "boolean", "description": "Staff only."},
        },
        required=["id", "reference", "status", "priority", "answer_by", "created_at"]
        + ["first_response_at", "resolved_at"],
    ),
    "Feedback": _obj(
        {
            "id": INT_ID,
            "url": {"type": "string"},
            # Every kind a response may carry (proactive ones are opened by staff, not created here).
            "kind": {"type": "string", "enum": [k.value for k in FeedbackKind]},
            "channel": {"type": "string", "enum": ["dashboard", "email", "api"]},
            "customer_id": INT_ID,
            "category": {"type": ["string", "null"]},
            "csat": {"type": ["integer", "null"], "minimum": CSAT_MIN, "maximum": CSAT_MAX},
            "nps": {"type": ["integer", "null"], "minimum": NPS_MIN, "maximum": NPS_MAX},
            "urgent": {"type": "boolean"},
            "title": {"type": ["string", "null"]},
            "comment": {"type": "string"},
            "created_at": DATETIME,
            "followup": {"oneOf": [ref("FollowupSummary"), {"type": "null"}]},
            "customer": {**ref("Customer"), "description": "Staff only."},
            "timeline": {
                "type": "array",
                "items": ref("Event"),
                "description": "On GET /feedback/{id} only: public entries for customers, all for staff.",
            },
        },
        required=["id", "url", "kind", "channel", "customer_id", "category", "csat", "nps", "urgent"]
        + ["title", "comment", "created_at", "followup"],
    ),
    "Followup": _obj(
        {
            "id": INT_ID,
            "reference": {
                "type": "string",
                "description": "The case's public reference (e.g. K-220), as customers and staff see it.",
            },
            "url": {"type": "string"},
            "feedback": {"type": "object"},
            "customer": ref("Customer"),
            "assignee": {"oneOf": [ref("Person"), {"type": "null"}]},
            "team": {
                "oneOf": [_obj({"id": INT_ID, "name": {"type": "string"}}), {"type": "null"}],
                "description": "The team whose queue the case is in; null: every staff member's.",
            },
            "priority": {"type": "string", "enum": list(schemas.PRIORITIES)},
            "status": {"type": "string", "enum": ["open", "waiting", "resolved"]},
            "risk": {"type": "string", "enum": ["ok", "at_risk", "overdue"]},
            "created_at": DATETIME,
            "first_response_at": NULLABLE_DATETIME,
            "resolved_at": NULLABLE_DATETIME,
            "paused_seconds": {"type": "integer", "minimum": 0},
            "due_at": NULLABLE_DATETIME,
            "at_risk_at": NULLABLE_DATETIME,
            "answer_by": NULLABLE_DATETIME,
            "deadlines": _obj(
                {
                    "first_response": DATETIME,
                    "next_reply": NULLABLE_DATETIME,
                    "resolution": NULLABLE_DATETIME,
                    "attention": NULLABLE_DATETIME,
                }
            ),
            "breached": {"type": "boolean"},
            "first_response_breached": {"type": "boolean"},
            "resolution_breached": {"type": "boolean"},
            "timeline": {"type": "array", "items": ref("Event"), "description": "On single follow-ups."},
        },
        required=["id", "reference", "url", "feedback", "customer", "assignee", "priority", "status", "risk"]
        + ["deadlines"],
    ),
    "FeedbackPage": _page_of("Feedback"),
    "FollowupPage": _page_of("Followup"),
    "RatingCreate": object_schema(schemas.RATING, title="A rating"),
    "SuggestionCreate": object_schema(schemas.SUGGESTION, title="A suggestion"),
    "Reply": object_schema(schemas.REPLY),
    "StatusChange": object_schema(schemas.STATUS),
    "Resolve": object_schema(schemas.RESOLVE),
    "SubscriptionEventCreate": object_schema(SUBSCRIPTION_EVENT),
    "SubscriptionEvent": _obj(
        {
            "id": INT_ID,
            "event_id": {"type": "string"},
            "service_id": {"type": "string"},
            "customer_id": INT_ID,
            "kind": {"type": "string", "enum": list(SUBSCRIPTION_EVENT["kind"].choices)},
            "occurred_on": {"type": "string", "format": "date"},
            "plan": {"type": "string", "enum": list(SUBSCRIPTION_EVENT["plan"].choices)},
            "from_plan": {"type": ["string", "null"], "description": "Before a plan change."},
            "monthly_price": {"type": "string", "description": 'Decimal, e.g. "39.00".'},
            "subscription": _obj(
                {
                    "status": {"type": "string", "enum": ["active", "cancelled", "lapsed"]},
                    "plan": {"type": "string"},
                    "monthly_price": {"type": "string"},
                    "cycle_months": {"type": "integer", "minimum": 1},
                    "started_on": {"type": "string", "format": "date"},
                    "renews_on": {"type": ["string", "null"], "format": "date"},
                    "ended_on": {"type": ["string", "null"], "format": "date"},
                },
                description="The subscription's state after replaying all its events by date.",
            ),
        }
    ),
    "ReplyResult": _obj({"event": ref("Event"), "followup": ref("Followup")}),
    "Figure": _obj(
        {
            "value": {"type": ["number", "null"], "description": "null when there is nothing to measure."},
            "n": {"type": "integer", "minimum": 0, "description": "Sample size."},
            "low_sample": {"type": "boolean", "description": "Fewer than 5 responses."},
        }
    ),
    "Durations": _obj(
        {
            "median_hours": {"type": ["number", "null"]},
            "p90_hours": {"type": ["number", "null"]},
            "n": {"type": "integer", "minimum": 0},
            "low_sample": {"type": "boolean"},
        }
    ),
    "ResponseRate": _obj(
        {
            "value": {
                "type": ["number", "null"],
                "description": "Responses ÷ surveys sent, in %; null when none sent.",
            },
            "n": {"type": "integer", "minimum": 0, "description": "Sample size: surveys sent."},
            "low_sample": {"type": "boolean", "description": "Fewer than 5 surveys sent."},
            "sent": {"type": "integer", "minimum": 0},
            "responses": {
                "type": "integer",
                "minimum": 0,
                "description": "Of those sent, how many were answered.",
            },
            "by_kind": {
                "type": "array",
                "items": {"type": "object"},
                "description": "The same figures per survey: nps, case_csat (after resolution).",
            },
        },
        description="Response rate of the e-mailed surveys sent in the period.",
    ),
    "SatisfactionReport": _obj(
        {
            "period": {"type": "object", "description": "start, end, granularity."},
            "csat": ref("Figure"),
            "nps": ref("Figure"),
            "average": ref("Figure"),
            "responses": ref("Figure"),
            "trend": {"type": "array", "items": {"type": "object"}, "description": "Per week or month."},
            "by_category": {"type": "array", "items": {"type": "object"}},
            "by_plan": {"type": "array", "items": {"type": "object"}},
            "response_rate": ref("ResponseRate"),
            "definitions": {"type": "object", "additionalProperties": {"type": "string"}},
        },
        description="CSAT %, NPS, average rating, volumes and survey response rate; trend and breakdowns.",
    ),
    "SupportReport": _obj(
        {
            "period": {"type": "object"},
            "as_of": {"type": "string", "format": "date-time"},
            "followups_created": {"type": "integer", "minimum": 0},
            "first_response": ref("Durations"),
            "resolution": ref("Durations"),
            "by_priority": {"type": "array", "items": {"type": "object"}},
            "sla_compliance": {"type": "object"},
            "backlog": {"type": "object"},
            "breaches": {"type": "object"},
            "definitions": {"type": "object", "additionalProperties": {"type": "string"}},
        },
        description="First response and resolution times, SLA compliance, backlog and breaches.",
    ),
    "RateFigure": _obj(
        {
            "value": {"type": ["number", "null"], "description": "In %; null when n is 0."},
            "n": {"type": "integer", "minimum": 0, "description": "Sample size (the denominator)."},
            "low_sample": {"type": "boolean", "description": "n is fewer than 5."},
            "renewed": {"type": "integer", "minimum": 0},
            "churned": {"type": "integer", "minimum": 0},
            "moved": {"type": "integer", "minimum": 0},
        },
        required=["value", "n", "low_sample"],
        description="A rate with its sample size; one of renewed / churned / moved is the numerator.",
    ),
    "RetentionMonth": _obj(
        {
            "month": {"type": "string", "examples": ["2026-03"]},
            "partial": {"type": "boolean", "description": "The month has not ended yet."},
            "renewal": ref("RateFigure"),
            "churn": ref("RateFigure"),
            "mrr": _obj(
                {
                    k: {"type": ["number", "null"] if k == "retained_pct" else "number"}
                    for k in (
                        "start",
                        "subscriptions",
                        "lost_churn",
                        "lost_downgrade",
                        "gained_upgrade",
                        "gained_new",
                        "retained",
                        "retained_pct",
                    )
                }
            ),
        }
    ),
    "RetentionReport": _obj(
        {
            "period": {"type": "object", "description": "start, end."},
            "as_of": {"type": "string", "format": "date"},
            "renewal": ref("RateFigure"),
            "churn": ref("RateFigure"),
            "revenue_at_stake": {
                "type": "object",
                "description": "value: monthly revenue of active customers whose latest NPS is a detractor; "
                "n: those customers; renewing_90d_mrr: the part renewing within 90 days.",
            },
            "months": {"type": "array", "items": ref("RetentionMonth")},
            "cohorts": _obj(
                {
                    "offsets": {"type": "array", "items": {"type": "integer"}},
                    "rows": {
                        "type": "array",
                        "items": _obj(
                            {
                                "cohort": {"type": "string"},
                                "customers": {"type": "integer", "minimum": 0},
                                "low_sample": {"type": "boolean"},
                                "retention": {
                                    "type": "array",
                                    "items": {"type": ["number", "null"]},
                                    "description": "% active at the end of month + k; null = not reached.",
                                },
                            }
                        ),
                    },
                }
            ),
            "upgrades": {
                "type": "object",
                "description": "shared_to_vps_or_dedicated, shared_to_dedicated, vps_to_dedicated: "
                "entrants, within_6 and within_12 (RateFigure).",
            },
            "satisfaction": {
                "type": "object",
                "description": "by_nps (promoter, passive, detractor, none), by_breach: renewal and churn "
                "RateFigures; at_stake: active MRR per NPS band.",
            },
            "definitions": {"type": "object", "additionalProperties": {"type": "string"}},
        },
        description="Retention per whole month touching the range, with every metric's definition.",
    ),
    "Announcement": _obj(
        {
            "id": INT_ID,
            "kind": {"type": "string", "enum": ["announcement", "maintenance", "backup", "incident"]},
            "title": {"type": "string"},
            "body": {"type": "string"},
            "state": {"type": "string", "enum": ["upcoming", "current", "resolved", "ended"]},
            "starts_at": DATETIME,
            "ends_at": NULLABLE_DATETIME,
            "expected_downtime_minutes": {"type": ["integer", "null"], "minimum": 0},
            "resolved_at": NULLABLE_DATETIME,
            "affects_you": {
                "type": ["boolean", "null"],
                "description": "True for a customer (they only get notices affecting them); null for staff.",
            },
            "updates": {
                "type": "array",
                "items": _obj({"body": {"type": "string"}, "created_at": DATETIME}, ["body", "created_at"]),
            },
        },
        ["id", "kind", "title", "state", "starts_at"],
        description="A notice: announcement, maintenance window, backup routine or incident.",
    ),
    "Announcements": _obj(
        {"items": {"type": "array", "items": ref("Announcement")}},
        ["items"],
        description="Current, upcoming and (for a week) ended notices, soonest first.",
    ),
}
