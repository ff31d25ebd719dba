"""Schemathesis over every operation the OpenAPI document describes, sent with each role's token.

The cases come from the document itself (valid ones, and invalid ones: wrong types, values past
their limits, missing or unknown fields, bodies that are not objects), so an operation added to
the document joins the run without a change here. Each answer must not be a 5xx, must carry a
status the operation documents, be JSON, and match the documented schema for that status; an
error must have exactly the documented ``{"error": {"code", "message", "fields"}}`` shape.

Ids in paths are often swapped for ones that exist (cases open and resolved, ideas kept, merged
and done) or for ones too large for a database integer, so the run reaches the code behind the
404. Each operation gets ``FUZZ_EXAMPLES`` examples (default 25) per generation mode,
derandomized: a run is repeatable, and a failure names the request to reproduce it.
"""

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from feedback.api.openapi import document
from feedback.extensions import db
from feedback.followups import services as followups
from feedback.ideas.merge import merge
from feedback.ideas.models import IdeaStatus
from feedback.ideas.services import post_idea, set_status

from ..conftest import T0

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
ROLES = ("customer", "staff", "manager")  # the other customer owns rows the customer must not see
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
UNLIMITED = "1000000 per minute"

# The document is built from the code, so reading it needs no app and keeps collection cheap.
schema = schemathesis.openapi.from_dict(document("/api/v1"))


@pytest.fixture
def world(app, people, make, monkeypatch) -> dict[str, list[int]]:
    """Budgets out of the way (the run is not about limits), and rows of every kind to hit."""
    for name in ("API_RATE_LIMIT", "API_IDEA_RATE_LIMIT", "IDEA_POST_RATE_LIMIT", "RATING_RATE_LIMIT"):
        monkeypatch.setitem(app.config, name, UNLIMITED)
    open_case = make.rating(people.customer, csat=1, now=T0)
    closed_case = make.rating(people.other, csat=2, now=T0)
    happy = make.rating(people.customer, csat=5, now=T0)
    followups.resolve(closed_case.followup, people.staff, now=T0)
    ideas = [post_idea(people.other, title=f"Idea number {n}", now=T0) for n in range(4)]
    merge(ideas[2], ideas[0], people.staff, now=T0)
    set_status(ideas[3], IdeaStatus.DONE, people.staff, changelog="Shipped.", now=T0)
    db.session.commit()
    return {
        "feedback_id": [open_case.id, closed_case.id, happy.id],
        "followup_id": [open_case.followup.id, closed_case.followup.id],
        "idea_id": [i.id for i in ideas],
    }


def _error_shape_only(response) -> None:
    data = response.json()
    assert set(data) == {"error"}, data
    assert set(data["error"]) == {"code", "message", "fields"}, data


def _steer(value, name: str, world: dict[str, list[int]]):
    """A generated id, kept (a third), swapped for a row that exists (a third), or pushed past a
    database integer (a third); chosen from the value itself, so a run stays repeatable."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        return value  # not an id at all: the case is about validation
    pool = world.get(name, [1])
    return [value, pool[value % len(pool)], 2**63 + value][value % 3]


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_input_makes_the_api_fail(case, app, people, world):
    for name, value in (case.path_parameters or {}).items():
        case.path_parameters[name] = _steer(value, name, world)
    for role in ROLES:
        response = case.call(app=app, headers=people.client_for(role).headers())
        case.validate_response(response, checks=CHECKS)
        if response.status_code >= 400:
            _error_shape_only(response)
