"""A bounded fuzz run over every operation the OpenAPI document describes: ids, query strings and
bodies drawn from the documented schemas (and wild JSON besides), sent by every role. Whatever
arrives, the API answers in the documented shape and never with a 500.

Each operation gets ``FUZZ_EXAMPLES`` examples (default 25), derandomized so a run is repeatable.
"""

import os
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedback.extensions import db
from feedback.ideas.merge import merge
from feedback.ideas.services import post_idea

from ..conftest import T0

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
ROLES = ("customer", "other", "staff", "manager")

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)


def _resolve(doc: dict, schema: dict) -> dict:
    while "$ref" in schema:
        node = doc
        for part in schema["$ref"].removeprefix("#/").split("/"):
            node = node[part]
        schema = node
    return schema


def _value(doc: dict, schema: dict, ids: st.SearchStrategy):
    """A value the schema describes (often valid, sometimes at or past its limits)."""
    schema = _resolve(doc, schema)
    if "enum" in schema:
        return st.sampled_from([v for v in schema["enum"] if v is not None])
    kinds = schema.get("type", "string")
    kind = kinds[0] if isinstance(kinds, list) else kinds
    if kind == "integer":
        return ids | st.integers(schema.get("minimum", -5), schema.get("maximum", 2**40))
    if kind == "boolean":
        return st.booleans()
    limit = schema.get("maxLength", 50)
    return st.text(max_size=min(limit + 2, 300)) | st.sampled_from(["support", "uptime", "2026-03-01"])


def _bodies(doc: dict, op: dict, ids: st.SearchStrategy):
    if "requestBody" not in op:
        return st.none()
    schema = _resolve(doc, op["requestBody"]["content"]["application/json"]["schema"])
    options = [_resolve(doc, s) for s in schema.get("oneOf", [schema])]

    def valid(s):  # every required field, and some optional ones, each of the documented kind
        props = s.get("properties", {})
        required = set(s.get("required", []))
        return st.fixed_dictionaries(
            {name: _value(doc, props[name], ids) for name in required},
            optional={name: _value(doc, p, ids) for name, p in props.items() if name not in required},
        )

    def wild(s):
        return st.fixed_dictionaries(
            {}, optional={name: _value(doc, p, ids) | json_values for name, p in s["properties"].items()}
        )

    schemas = st.sampled_from(options)
    return (
        schemas.flatmap(valid)
        | schemas.flatmap(wild)
        | st.dictionaries(st.text(max_size=8), json_values, max_size=3)
        | json_values
    )


def _queries(doc: dict, op: dict, ids: st.SearchStrategy):
    params = [p for p in op.get("parameters", []) if p["in"] == "query"]
    return st.fixed_dictionaries(
        {},
        optional={p["name"]: (_value(doc, p["schema"], ids) | st.text(max_size=30)).map(str) for p in params},
    )


def _admits(description: str, role: str) -> bool:
    who = description.removeprefix("Who may call it: ")
    if role in ("customer", "other"):
        return "customer" in who or who.startswith("everyone")
    return "staff" in who or role in who or who.startswith("everyone")


@pytest.fixture
def world(app, people, monkeypatch):
    """Budgets out of the way (the fuzz run is not about limits), and ideas in every state."""
    monkeypatch.setitem(app.config, "API_RATE_LIMIT", "1000000 per minute")
    monkeypatch.setitem(app.config, "API_IDEA_RATE_LIMIT", "1000000 per minute")
    ideas = [post_idea(people.other, title=f"Idea number {n}", now=T0) for n in range(3)]
    merge(ideas[2], ideas[0], people.staff, now=T0)
    db.session.commit()
    return [i.id for i in ideas]


def pytest_generate_tests(metafunc):
    if "operation" in metafunc.fixturenames:
        # The document is built from the code; reading it from the module keeps collection cheap.
        from feedback.api.openapi import document

        ops = [
            (method.upper(), path)
            for path, item in sorted(document("/api/v1")["paths"].items())
            for method in sorted(item)
            if path != "/openapi.json"
        ]
        metafunc.parametrize("operation", ops, ids=[f"{m} {p}" for m, p in ops])


def test_no_input_makes_the_api_fail(app, client, people, world, operation):
    doc = client.get("/api/v1/openapi.json").get_json()
    method, template = operation
    op = doc["paths"][template][method.lower()]
    ids = st.sampled_from(world) | st.integers(0, 2**70)
    clients = {
        "customer": people.as_customer,
        "other": people.as_other,
        "staff": people.as_staff,
        "manager": people.as_manager,
    }

    # Half the calls come from a role the operation admits, so they get past the role check.
    allowed = [r for r in ROLES if _admits(op["description"], r)] or list(ROLES)

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(
        role=st.sampled_from(allowed) | st.sampled_from(ROLES),
        path_ids=st.fixed_dictionaries({name: ids for name in re.findall(r"{(\w+)}", template)}),
        query=_queries(doc, op, ids),
        body=_bodies(doc, op, ids),
    )
    def run(role, path_ids, query, body):
        api = clients[role]
        path = template.format(**path_ids)
        if method == "GET":
            response = api.get(path, query_string=query)
        elif method == "DELETE":
            response = api.delete(path, query_string=query)
        else:
            response = api.post(path, json=body, query_string=query)

        assert response.status_code < 500, (role, path, query, body, response.get_json())
        data = response.get_json()
        assert data is not None, (path, response.status_code)
        if response.status_code >= 400:
            assert set(data) == {"error"} and set(data["error"]) == {"code", "message", "fields"}
        else:
            assert str(response.status_code) in op["responses"], (path, response.status_code)

    run()
