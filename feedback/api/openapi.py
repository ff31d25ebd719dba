"""The OpenAPI 3.1 description of API v1, written by hand; request bodies come from ``schemas``.

A test checks that every API route appears here, so the document cannot drift from the code.
"""

from ..core.dates import FIRST_DAY, LAST_DAY
from . import idempotency, schemas
from .openapi_components import COMPONENT_SCHEMAS, ERROR_RESPONSES, INT_ID, error, json_content, ref
from .openapi_ideas import IDEA_SCHEMAS, idea_paths
from .validation import MAX_PAGE, MAX_PER_PAGE

# A rating's answer to POST /feedback. "kind" tells it from a suggestion's, which has every field
# a rating's has: without it both would match and oneOf would fail.
RATING_CREATED = {"allOf": [ref("Feedback"), {"properties": {"kind": {"const": "rating"}}}]}


def _query(name: str, schema: dict, description: str, required: bool = False) -> dict:
    return {"name": name, "in": "query", "required": required, "schema": schema, "description": description}


def _path_id(name: str) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": INT_ID}


PAGING = [
    _query(
        "page", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1}, "Page number, from 1."
    ),
    _query(
        "per_page",
        {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": 25},
        "Items per page.",
    ),
]

_DAYS = f"from {FIRST_DAY.isoformat()} to {LAST_DAY.isoformat()}"
REPORT_RANGE = [
    _query("start", {"type": "string", "format": "date"}, f"First day, YYYY-MM-DD ({_DAYS}).", required=True),
    _query(
        "end",
        {"type": "string", "format": "date"},
        f"Last day, YYYY-MM-DD ({_DAYS}); at most 3 years after start.",
        required=True,
    ),
]


def _op(
    summary: str,
    ok: dict,
    *,
    tag: str,
    who: str,
    params=(),
    body: dict | None = None,
    body_required: bool = True,
    errors=(),
):
    """One operation; every authenticated one can answer 401 and 429, and bodies 400/413/415/422."""
    responses = dict(ok)
    codes = ["401", "403", *errors, "429"]
    if body is not None:
        codes += ["400", "413", "415", "422"]
    for code in sorted(set(codes)):
        responses[code] = {"$ref": f"#/components/responses/E{code}"}
    op = {
        "summary": summary,
        "description": f"Who may call it: {who}.",
        "tags": [tag],
        "responses": responses,
    }
    if params:
        op["parameters"] = list(params)
    if body is not None:
        op["requestBody"] = {"required": body_required, "content": {"application/json": {"schema": body}}}
    return op


IDEMPOTENCY_KEY = {
    "name": idempotency.HEADER,
    "in": "header",
    "required": False,
    "schema": {
        "type": "string",
        "minLength": 1,
        "maxLength": idempotency.MAX_LENGTH,
        "pattern": idempotency.PATTERN,
    },
    "description": "Makes a retry safe: a request repeating the key (same user, method, path and body) "
    "within 24 hours gets the first 2xx answer again, with `Idempotent-Replayed: true`, and writes "
    f"nothing. The same key with another request: 422 `{idempotency.REUSED_CODE}`. Error answers "
    "are not kept (nothing was written): a retry runs again. 1 to 255 printable ASCII characters, "
    "not starting or ending with a space; use a new random key (a UUID) per intended request.",
}


def _safe_retries(paths: dict) -> dict:
    """Every POST takes the Idempotency-Key header (as the blueprint applies it to every POST)."""
    for operations in paths.values():
        op = operations.get("post")
        if op is None or op.get("security") == []:
            continue
        op["parameters"] = [*op.get("parameters", []), {"$ref": "#/components/parameters/IdempotencyKey"}]
        for code in ("400", "409", "422"):
            op["responses"].setdefault(code, {"$ref": f"#/components/responses/E{code}"})
        op["responses"] = dict(sorted(op["responses"].items()))
    return paths


def _paths() -> dict:
    staff, customer = "staff and managers", "customers"
    feedback_filters = [
        _query(
            "customer_id", INT_ID, "Only this customer's feedback (staff; customers only ever see their own)."
        ),
        _query(
            "since", {"type": "string"}, "Created at or after: YYYY-MM-DD (UTC) or a date-time with zone."
        ),
        *PAGING,
    ]
    queue_filters = [
        _query(
            "status",
            {"type": "string", "enum": list(schemas.FOLLOWUP_STATUSES), "default": "active"},
            "active = open or waiting.",
        ),
        _query("priority", {"type": "string", "enum": list(schemas.PRIORITIES)}, "Only this priority."),
        _query("assignee", {"type": "string", "enum": list(schemas.ASSIGNEES)}, "Mine, or nobody's."),
        *PAGING,
    ]
    fid, uid = _path_id("feedback_id"), _path_id("followup_id")
    return {
        "/feedback": {
            "post": _op(
                "Leave a rating (channel api), or a suggestion: posted to the idea board as an idea",
                {
                    "201": {
                        **json_content(
                            {"oneOf": [RATING_CREATED, ref("SuggestionCreated")]},
                            "A rating is stored (followup is set when it opened a case); a suggestion "
                            "answers with the new idea's id and url (/ideas/{id}).",
                        ),
                        "headers": {"Location": {"schema": {"type": "string"}, "description": "Its URL."}},
                    }
                },
                tag="feedback",
                who=customer,
                body={"oneOf": [ref("RatingCreate"), ref("SuggestionCreate")]},
            ),
            "get": _op(
                "List feedback, newest first",
                {"200": json_content(ref("FeedbackPage"), "One page.")},
                tag="feedback",
                who="customers (their own) and staff (everyone's)",
                params=feedback_filters,
                errors=["400"],
            ),
        },
        "/feedback/{feedback_id}": {
            "get": _op(
                "One feedback item with its case timeline",
                {"200": json_content(ref("Feedback"), "The item.")},
                tag="feedback",
                who="its customer and staff",
                params=[fid],
                errors=["404"],
            )
        },
        "/followups": {
            "get": _op(
                "The follow-up queue, nearest deadline first (resolved: latest first)",
                {"200": json_content(ref("FollowupPage"), "One page.")},
                tag="followups",
                who=staff,
                params=queue_filters,
                errors=["400"],
            )
        },
        "/followups/{followup_id}": {
            "get": _op(
                "One follow-up with its full timeline",
                {"200": json_content(ref("Followup"), "The case.")},
                tag="followups",
                who=staff,
                params=[uid],
                errors=["404"],
            )
        },
        "/followups/{followup_id}/reply": {
            "post": _op(
                "Reply to the customer, or add an internal note",
                {"201": json_content(ref("ReplyResult"), "Added.")},
                tag="followups",
                who=staff,
                params=[uid],
                body=ref("Reply"),
                errors=["404", "409"],
            )
        },
        "/followups/{followup_id}/status": {
            "post": _op(
                "Wait on the customer, or (re)open",
                {"200": json_content(ref("Followup"), "The case after the change.")},
                tag="followups",
                who=staff,
                params=[uid],
                body=ref("StatusChange"),
                errors=["404", "409"],
            )
        },
        "/followups/{followup_id}/resolve": {
            "post": _op(
                "Resolve, with an optional note (an empty body is fine)",
                {"200": json_content(ref("Followup"), "The resolved case.")},
                tag="followups",
                who=staff,
                params=[uid],
                body=ref("Resolve"),
                body_required=False,
                errors=["404", "409"],
            )
        },
        "/reports/satisfaction": {
            "get": _op(
                "CSAT, NPS and volumes per week or month",
                {"200": json_content(ref("SatisfactionReport"), "The report.")},
                tag="reports",
                who="managers",
                params=[
                    *REPORT_RANGE,
                    _query(
                        "granularity",
                        {"type": "string", "enum": list(schemas.GRANULARITIES)},
                        "Default week.",
                    ),
                ],
                errors=["400", "422"],
            )
        },
        "/reports/support": {
            "get": _op(
                "First response and resolution times, SLA compliance",
                {"200": json_content(ref("SupportReport"), "The report.")},
                tag="reports",
                who="managers",
                params=REPORT_RANGE,
                errors=["400", "422"],
            )
        },
        "/reports/retention": {
            "get": _op(
                "Renewal, churn, cohorts, upgrades, MRR movement and satisfaction vs retention, per month",
                {"200": json_content(ref("RetentionReport"), "Whole months touching the range.")},
                tag="reports",
                who="managers",
                params=REPORT_RANGE,
                errors=["400", "422"],
            )
        },
        "/subscriptions/events": {
            "post": _op(
                "Record a subscription event from the billing system (idempotent by event_id)",
                {
                    "201": json_content(ref("SubscriptionEvent"), "Recorded; the subscription after it."),
                    "200": json_content(ref("SubscriptionEvent"), "This event_id was recorded before."),
                },
                tag="subscriptions",
                who="managers",
                body=ref("SubscriptionEventCreate"),
                errors=["404", "409"],
            )
        },
        "/announcements": {
            "get": _op(
                "Current, upcoming and recently ended notices (customers: those affecting them)",
                {"200": json_content(ref("Announcements"), "The notices.")},
                tag="notices",
                who="everyone",
                errors=[],
            )
        },
        **idea_paths(_op, _query, _path_id, PAGING),
        "/openapi.json": {
            "get": {
                "summary": "This document",
                "tags": ["meta"],
                "security": [],
                "responses": {"200": {"description": "OpenAPI 3.1 JSON."}},
            }
        },
    }


def document(server_url: str) -> dict:
    """The whole OpenAPI document, with ``server_url`` (the API's base URL) as its server."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Kontento API",
            "version": "1.0.0",
            "description": "Customer feedback, SLA follow-ups and the idea board. Authenticate with "
            "`Authorization: Bearer <token>` (create one with `flask tokens create EMAIL`). "
            'Errors are {"error": {"code", "message", "fields"}}. Datetimes are UTC with Z. '
            "Requests are limited per token (default 120 per minute); new ratings (default 10 per "
            "hour) and new ideas (20 per hour) per customer too, shared with the dashboard and the board.",
        },
        "servers": [{"url": server_url}],
        "security": [{"bearer": []}],
        "tags": [
            {"name": t}
            for t in ("feedback", "ideas", "followups", "reports", "notices", "subscriptions", "meta")
        ],
        "paths": _safe_retries(_paths()),
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description": "An API token."}
            },
            "parameters": {"IdempotencyKey": IDEMPOTENCY_KEY},
            "schemas": {**COMPONENT_SCHEMAS, **IDEA_SCHEMAS},
            "responses": {name: error(text) for name, text in ERROR_RESPONSES.items()},
        },
    }
