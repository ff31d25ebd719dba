"""The idea board's part of the OpenAPI document: its schemas and its paths.

Kept apart from :mod:`.openapi_components` so neither module grows past a readable size; the
path builder takes :mod:`.openapi`'s helpers as arguments so this module stays below it.
"""

from . import schemas
from .openapi_components import DATETIME, INT_ID, NULLABLE_DATETIME, _obj, _page_of, json_content, ref
from .validation import object_schema

_IDEA_ID_OUT = {**INT_ID, "description": "The live idea (the one a merged idea went into)."}

IDEA_SCHEMAS = {
    "Idea": _obj(
        {
            "id": INT_ID,
            "url": {"type": "string"},
            "title": {"type": "string"},
            "description": {"type": "string"},
            "category": {"type": ["string", "null"], "description": "Category slug."},
            "status": {"type": "string", "enum": list(schemas.IDEA_STATUSES)},
            "status_label": {"type": "string", "description": "The status's name as the host labels it."},
            "author": {
                "type": "string",
                "description": "Staff and the author: the full name. Other customers: first name and "
                'initial ("Ada L."), or "A customer" when posted anonymously. Never an e-mail.',
            },
            "anonymous": {"type": "boolean"},
            "yours": {"type": "boolean", "description": "The caller posted it."},
            "vote_count": {
                "type": "integer",
                "minimum": 0,
                "description": "Distinct customers voting for it or for an idea merged into it.",
            },
            "voted": {"type": "boolean", "description": "The caller voted (always false for staff)."},
            "following": {"type": "boolean", "description": "The caller follows it."},
            "official_answer": {
                "oneOf": [
                    _obj(
                        {
                            "text": {"type": "string"},
                            "answered_at": NULLABLE_DATETIME,
                            "answered_by": {"type": "object", "description": "Staff only: id and name."},
                        },
                        required=["text", "answered_at"],
                    ),
                    {"type": "null"},
                ]
            },
            "decline_reason": {"type": ["string", "null"], "description": "Set when declined."},
            "locked": {"type": "boolean", "description": "Closed for voting."},
            "merged_into": {
                "type": ["integer", "null"],
                "description": "Set when merged into another idea: read that one; votes and follows "
                "sent to this one go there.",
            },
            "created_at": DATETIME,
            "updated_at": DATETIME,
            "status_changed_at": NULLABLE_DATETIME,
            "done_at": NULLABLE_DATETIME,
            "author_id": {"type": ["integer", "null"], "description": "Staff only."},
            "hidden": {"type": "boolean", "description": "Staff only: hidden as spam."},
        },
        required=["id", "url", "title", "description", "category", "status", "status_label", "author"]
        + ["anonymous", "yours", "vote_count", "voted", "following", "official_answer"]
        + ["decline_reason", "locked", "merged_into", "created_at", "updated_at"]
        + ["status_changed_at", "done_at"],
    ),
    "IdeaPage": _page_of("Idea"),
    "IdeaCreate": object_schema(schemas.IDEA_CREATE),
    "IdeaStatusChange": object_schema(schemas.IDEA_STATUS),
    "IdeaAnswer": object_schema(schemas.IDEA_ANSWER),
    "IdeaMerge": object_schema(schemas.IDEA_MERGE),
    "VoteResult": _obj(
        {
            "idea_id": _IDEA_ID_OUT,
            "voted": {"type": "boolean"},
            "changed": {"type": "boolean", "description": "false: it already was so (idempotent)."},
            "vote_count": {"type": "integer", "minimum": 0},
        }
    ),
    "FollowResult": _obj(
        {
            "idea_id": _IDEA_ID_OUT,
            "following": {"type": "boolean"},
            "changed": {"type": "boolean", "description": "false: it already was so (idempotent)."},
        }
    ),
    "MergeResult": _obj(
        {"idea": ref("Idea"), "kept": {**ref("Idea"), "description": "The idea it is (was) merged into."}}
    ),
    "SuggestionCreated": _obj(
        {
            "id": {**INT_ID, "description": "The idea's id."},
            "idea_id": INT_ID,
            "url": {"type": "string", "description": "/api/v1/ideas/{id}"},
            "kind": {"type": "string", "enum": ["suggestion"]},
            "channel": {"type": "string", "enum": ["api"]},
            "customer_id": INT_ID,
            "category": {"type": ["string", "null"]},
            "csat": {"type": "null"},
            "nps": {"type": "null"},
            "urgent": {"type": "boolean"},
            "title": {"type": "string"},
            "comment": {"type": "string", "description": "The idea's description."},
            "created_at": DATETIME,
            "followup": {"type": "null"},
            "idea": ref("Idea"),
        },
        description="A suggestion is posted to the idea board: the fields a feedback item had, "
        "with id and url those of the idea.",
    ),
}


def idea_paths(op, query, path_id, paging) -> dict:
    """The /ideas paths, built with :mod:`.openapi`'s ``_op``, ``_query``, ``_path_id`` and paging."""
    customer, staff = "customers", "staff and managers"
    anyone = "customers and staff"
    iid = path_id("idea_id")
    idea_ok = {"200": json_content(ref("Idea"), "The idea after the change.")}
    filters = [
        query("q", {"type": "string", "maxLength": 200}, "Words in the title or description (all of them)."),
        query("category", {"type": "string"}, "Category slug."),
        query("status", {"type": "string", "enum": list(schemas.IDEA_STATUSES)}, "Only this status."),
        query("sort", {"type": "string", "enum": list(schemas.IDEA_SORTS), "default": "top"}, "top = votes."),
        *paging,
    ]
    vote_ok = {"200": json_content(ref("VoteResult"), "The caller's vote and the count.")}
    follow_ok = {"200": json_content(ref("FollowResult"), "Whether the caller follows it now.")}
    merge_ok = {"200": json_content(ref("MergeResult"), "Both ideas after the change.")}
    return {
        "/ideas": {
            "get": op(
                "The idea board: live ideas (not merged; hidden ones for staff only)",
                {"200": json_content(ref("IdeaPage"), "One page.")},
                tag="ideas",
                who=anyone,
                params=filters,
                errors=["400"],
            ),
            "post": op(
                "Post an idea (the author votes for it and follows it); limited per token per hour",
                {
                    "201": {
                        **json_content(ref("Idea"), "Posted."),
                        "headers": {"Location": {"schema": {"type": "string"}, "description": "Its URL."}},
                    }
                },
                tag="ideas",
                who=customer,
                body=ref("IdeaCreate"),
            ),
        },
        "/ideas/{idea_id}": {
            "get": op(
                "One idea; a merged one answers 200 with merged_into set",
                {"200": json_content(ref("Idea"), "The idea.")},
                tag="ideas",
                who=f"{anyone} (hidden ideas are 404 to customers)",
                params=[iid],
                errors=["404"],
            )
        },
        "/ideas/{idea_id}/vote": {
            "post": op(
                "Vote (idempotent); a vote on a merged idea goes to the idea it went into",
                vote_ok,
                tag="ideas",
                who=customer,
                params=[iid],
                errors=["404", "409"],
            ),
            "delete": op(
                "Take the vote back (idempotent)",
                vote_ok,
                tag="ideas",
                who=customer,
                params=[iid],
                errors=["404"],
            ),
        },
        "/ideas/{idea_id}/follow": {
            "post": op(
                "Follow (idempotent)", follow_ok, tag="ideas", who=anyone, params=[iid], errors=["404"]
            ),
            "delete": op(
                "Stop following (idempotent)",
                follow_ok,
                tag="ideas",
                who=anyone,
                params=[iid],
                errors=["404"],
            ),
        },
        "/ideas/{idea_id}/status": {
            "post": op(
                "Change the status (declined needs a reason; done writes a changelog entry)",
                idea_ok,
                tag="ideas",
                who=staff,
                params=[iid],
                body=ref("IdeaStatusChange"),
                errors=["404", "409"],
            )
        },
        "/ideas/{idea_id}/answer": {
            "post": op(
                "Set the official answer (empty text removes it)",
                idea_ok,
                tag="ideas",
                who=staff,
                params=[iid],
                body=ref("IdeaAnswer"),
                errors=["404"],
            )
        },
        "/ideas/{idea_id}/merge": {
            "post": op(
                "Merge this duplicate into another idea (no vote moves; each customer counts once)",
                merge_ok,
                tag="ideas",
                who=staff,
                params=[iid],
                body=ref("IdeaMerge"),
                errors=["404", "409"],
            )
        },
        "/ideas/{idea_id}/unmerge": {
            "post": op(
                "Undo the merge: the idea is back with the votes cast on it (no body)",
                merge_ok,
                tag="ideas",
                who=staff,
                params=[iid],
                errors=["404", "409"],
            )
        },
    }
