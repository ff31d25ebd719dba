"""Request bodies the API accepts. The OpenAPI document is generated from these same specs."""

from ..core.scales import CSAT_MAX, CSAT_MIN, NPS_MAX, NPS_MIN
from ..followups.services import MAX_BODY
from ..surveys.services import MAX_COMMENT, MAX_TITLE
from .validation import Field

KINDS = ("rating", "suggestion")
_KIND = Field("string", choices=KINDS, default="rating", description="Defaults to rating.")
_CATEGORY = Field(
    "string",
    nullable=True,
    max_length=40,
    description="Category slug, e.g. support or uptime; null for none.",
)

RATING = {
    "kind": _KIND,
    "csat": Field(
        "integer", required=True, minimum=CSAT_MIN, maximum=CSAT_MAX, description="Satisfaction, 1 to 5."
    ),
    "nps": Field(
        "integer", nullable=True, minimum=NPS_MIN, maximum=NPS_MAX, description="Likelihood to recommend."
    ),
    "category": _CATEGORY,
    "comment": Field("string", max_length=MAX_COMMENT, default="", description="Free text."),
    "urgent": Field("boolean", default=False, description="The customer's site is affected now."),
}

SUGGESTION = {
    "kind": Field("string", required=True, choices=("suggestion",)),
    "title": Field("string", required=True, not_blank=True, max_length=MAX_TITLE),
    "text": Field("string", required=True, not_blank=True, max_length=MAX_COMMENT),
    "category": _CATEGORY,
}

REPLY = {
    "body": Field("string", required=True, not_blank=True, max_length=MAX_BODY),
    "internal": Field(
        "boolean", default=False, description="true: an internal note staff only see; false: a public reply."
    ),
}

STATUS = {
    "status": Field(
        "string",
        required=True,
        choices=("waiting", "open"),
        description="waiting: on the customer (pauses the resolution clock); open: resume or reopen.",
    ),
}

RESOLVE = {
    "note": Field("string", max_length=MAX_BODY, default="", description="Optional closing note."),
}

FOLLOWUP_STATUSES = ("active", "open", "waiting", "resolved", "all")
PRIORITIES = ("critical", "high", "normal")
ASSIGNEES = ("me", "unassigned")
GRANULARITIES = ("week", "month")
