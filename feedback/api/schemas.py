"""Request bodies the API accepts. The OpenAPI document is generated from these same specs."""

from ..core.scales import CSAT_MAX, CSAT_MIN, NPS_MAX, NPS_MIN
from ..followups.services import MAX_BODY
from ..ideas.models import IdeaStatus
from ..ideas.services import MAX_TEXT as IDEA_MAX_TEXT
from ..ideas.services import MAX_TITLE as IDEA_MAX_TITLE
from ..ideas.services import MIN_TITLE as IDEA_MIN_TITLE
from ..surveys.services import MAX_COMMENT
from .validation import INT32_MAX, Field

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
    "title": Field("string", required=True, not_blank=True, max_length=IDEA_MAX_TITLE),
    "text": Field("string", required=True, not_blank=True, max_length=IDEA_MAX_TEXT),
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

# -- ideas -----------------------------------------------------------------------------------------

IDEA_SORTS = ("top", "new", "updated")
IDEA_STATUSES = tuple(s.value for s in IdeaStatus)

IDEA_CREATE = {
    "title": Field(
        "string",
        required=True,
        not_blank=True,
        max_length=IDEA_MAX_TITLE,
        description=f"At least {IDEA_MIN_TITLE} characters once trimmed.",
    ),
    "description": Field("string", max_length=IDEA_MAX_TEXT, default="", description="Free text."),
    "category": _CATEGORY,
    "anonymous": Field(
        "boolean", default=False, description='true: other customers see "A customer" instead of your name.'
    ),
}

IDEA_STATUS = {
    "status": Field("string", required=True, choices=IDEA_STATUSES),
    "reason": Field(
        "string",
        max_length=IDEA_MAX_TEXT,
        default="",
        description="Required when declining: followers read it.",
    ),
    "changelog": Field(
        "string",
        max_length=IDEA_MAX_TEXT,
        default="",
        description='On "done": the changelog text (default: the official answer).',
    ),
}

IDEA_ANSWER = {
    "text": Field(
        "string",
        required=True,
        max_length=IDEA_MAX_TEXT,
        description="The official (public) answer; an empty string removes it.",
    ),
}

IDEA_MERGE = {
    "into": Field(
        "integer", required=True, minimum=1, maximum=INT32_MAX, description="The id of the idea to keep."
    ),
}
