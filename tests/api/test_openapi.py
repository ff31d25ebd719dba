"""The OpenAPI document describes exactly the routes the app serves, and its references resolve."""

import json
import re

import pytest
import schemathesis
from schemathesis.specs.openapi.checks import response_schema_conformance

from feedback.api import schemas
from feedback.api.openapi_components import COMPONENT_SCHEMAS

from .conftest import ENDPOINTS

IGNORED_METHODS = {"HEAD", "OPTIONS"}


@pytest.fixture
def doc(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def _api_routes(app) -> set[tuple[str, str]]:
    """(method, OpenAPI path) for every rule the app serves under /api/v1."""
    routes = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
        routes |= {(method, path) for method in rule.methods - IGNORED_METHODS}
    return routes


def _documented(doc) -> set[tuple[str, str]]:
    return {(method.upper(), path) for path, item in doc["paths"].items() for method in item}


def test_every_api_route_is_documented_and_nothing_else(app, doc):
    served = _api_routes(app)

    assert len(served) == 25  # a guard against the rule walk above silently finding nothing
    assert served == _documented(doc)


def test_the_endpoint_table_the_access_tests_use_covers_every_authenticated_route(app):
    tested = {(method, path.split("?")[0]) for method, path, _ in ENDPOINTS}

    assert tested == _api_routes(app) - {("GET", "/openapi.json")}


def test_every_reference_resolves(doc):
    refs = re.findall(r'"\$ref": "#/([^"]+)"', json.dumps(doc))
    assert refs
    for ref in refs:
        node = doc
        for part in ref.split("/"):
            assert part in node, ref
            node = node[part]


def test_bearer_scheme_and_error_shape_are_described(doc):
    assert doc["openapi"] == "3.1.0"
    assert doc["components"]["securitySchemes"]["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "An API token.",
    }
    assert doc["security"] == [{"bearer": []}]
    assert doc["paths"]["/openapi.json"]["get"]["security"] == []
    error = doc["components"]["schemas"]["Error"]["properties"]["error"]
    assert error["required"] == ["code", "message", "fields"]
    assert doc["servers"] == [{"url": "/api/v1"}]


def test_each_authenticated_operation_documents_401_and_429(doc):
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if path == "/openapi.json":
                continue
            assert {"401", "403", "429"} <= set(op["responses"]), (method, path)
            if "requestBody" in op:
                assert {"400", "413", "415", "422"} <= set(op["responses"]), (method, path)


def test_request_schemas_are_the_validators_own(doc):
    rating = doc["components"]["schemas"]["RatingCreate"]

    assert rating["required"] == ["csat"]
    assert rating["additionalProperties"] is False
    assert rating["properties"]["csat"] == {
        "type": "integer",
        "minimum": 1,
        "maximum": 5,
        "description": "Satisfaction, 1 to 5.",
    }
    assert rating["properties"]["nps"]["type"] == ["integer", "null"]
    assert set(rating["properties"]) == set(schemas.RATING)
    assert set(COMPONENT_SCHEMAS["Reply"]["properties"]) == {"body", "internal"}


def _assert_matches(data: dict, schema: dict) -> None:
    assert set(schema["required"]) <= set(data), set(schema["required"]) - set(data)
    assert set(data) <= set(schema["properties"]), set(data) - set(schema["properties"])


def test_documented_response_schemas_match_real_responses(doc, people, make):
    fb = make.rating(people.customer, csat=1)
    schemas_ = doc["components"]["schemas"]

    staff_item = people.as_staff.get(f"/feedback/{fb.id}").get_json()
    customer_item = people.as_customer.get(f"/feedback/{fb.id}").get_json()
    case = people.as_staff.get(f"/followups/{fb.followup.id}").get_json()
    page = people.as_staff.get("/followups").get_json()

    for item in (staff_item, customer_item):
        _assert_matches(item, schemas_["Feedback"])
        _assert_matches(item["followup"], schemas_["FollowupSummary"])
        for event in item["timeline"]:
            _assert_matches(event, schemas_["Event"])
    _assert_matches(case, schemas_["Followup"])
    _assert_matches(case["deadlines"], schemas_["Followup"]["properties"]["deadlines"])
    _assert_matches(page, schemas_["FollowupPage"])
    _assert_matches(staff_item["customer"], schemas_["Customer"])


def test_documented_report_schemas_match_real_reports(doc, people):
    schemas_ = doc["components"]["schemas"]

    satisfaction = people.as_manager.get("/reports/satisfaction?start=2026-03-01&end=2026-03-31").get_json()
    support = people.as_manager.get("/reports/support?start=2026-03-01&end=2026-03-31").get_json()

    _assert_matches(satisfaction, schemas_["SatisfactionReport"])
    _assert_matches(satisfaction["csat"], schemas_["Figure"])
    _assert_matches(support, schemas_["SupportReport"])
    _assert_matches(support["first_response"], schemas_["Durations"])


def test_documented_idea_schemas_match_real_responses(doc, people):
    schemas_ = doc["components"]["schemas"]
    posted = people.as_customer.post("/ideas", json={"title": "Dark mode", "category": "support"}).get_json()
    other = people.as_other.post("/ideas", json={"title": "Night theme", "anonymous": True}).get_json()
    answered = people.as_staff.post(f"/ideas/{posted['id']}/answer", json={"text": "Soon."}).get_json()
    vote = people.as_customer.post(f"/ideas/{other['id']}/vote").get_json()
    follow = people.as_staff.post(f"/ideas/{other['id']}/follow").get_json()
    merged = people.as_staff.post(f"/ideas/{other['id']}/merge", json={"into": posted["id"]}).get_json()
    suggestion = people.as_customer.post(
        "/feedback", json={"kind": "suggestion", "title": "IPv6 please", "text": "Everywhere"}
    ).get_json()

    for item in (posted, other, answered, merged["idea"], merged["kept"], suggestion["idea"]):
        _assert_matches(item, schemas_["Idea"])
    _assert_matches(people.as_customer.get("/ideas").get_json(), schemas_["IdeaPage"])
    _assert_matches(people.as_staff.get("/ideas").get_json()["items"][0], schemas_["Idea"])
    _assert_matches(vote, schemas_["VoteResult"])
    _assert_matches(follow, schemas_["FollowResult"])
    _assert_matches(merged, schemas_["MergeResult"])
    _assert_matches(suggestion, schemas_["SuggestionCreated"])
    assert set(schemas_["IdeaCreate"]["properties"]) == set(schemas.IDEA_CREATE)


def test_the_limits_the_server_enforces_are_in_the_document(doc, people):
    page = next(p for p in doc["paths"]["/feedback"]["get"]["parameters"] if p["name"] == "page")
    limit = page["schema"]["maximum"]
    assert people.as_staff.get(f"/feedback?page={limit}").status_code == 200
    assert people.as_staff.get(f"/feedback?page={limit + 1}").status_code == 400
    end = next(p for p in doc["paths"]["/reports/satisfaction"]["get"]["parameters"] if p["name"] == "end")
    assert "at most 3 years after start" in end["description"] and "2099-12-31" in end["description"]
    assert "413" in doc["paths"]["/feedback"]["post"]["responses"]


def test_each_answer_to_post_feedback_matches_exactly_one_documented_shape(doc, people):
    """Found by the fuzz run: a suggestion's answer also matched the rating's shape, so the
    documented ``oneOf`` matched twice and every client validating it failed."""
    operation = schemathesis.openapi.from_dict(doc)["/feedback"]["POST"]
    rating = people.as_customer.post("/feedback", json={"csat": 4})
    suggestion = people.as_customer.post(
        "/feedback", json={"kind": "suggestion", "title": "IPv6", "text": "Please"}
    )

    for response in (rating, suggestion):
        assert response.status_code == 201
        operation.Case(body={}).validate_response(response, checks=[response_schema_conformance])
