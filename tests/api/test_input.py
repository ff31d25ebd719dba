"""Bad input never reaches the database and never gives a 500: 400/413/415/422 with per-field reasons."""

import pytest

from feedback.extensions import db
from feedback.followups.models import FollowupEvent
from feedback.surveys.models import Feedback

from ..conftest import T0
from ..factories import error_of


def _count(model) -> int:
    return db.session.scalar(db.select(db.func.count(model.id)))


def _post_raw(api, path: str, data, content_type="application/json"):
    return api.post(path, data=data, content_type=content_type)


# -- body syntax ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'{"csat": 1,', "Malformed JSON"),
        (b"", "Malformed JSON"),
        (b"{'csat': 1}", "Malformed JSON"),
        (b'{"csat": NaN}', "NaN is not valid JSON"),
        (b'{"csat": Infinity}', "Infinity is not valid JSON"),
        (b'{"csat": 1, "csat": 5}', "duplicate key 'csat'"),
        (b'{"comment": "\xff\xfe"}', "not valid UTF-8"),
        (b"[" * 50_000 + b"]" * 10, "nested too deeply"),
        (b'{"csat": ' + b"1" * 5000 + b"}", "Malformed JSON"),
        (b"[1, 2]", "must be a JSON object, not array"),
        (b'"csat"', "must be a JSON object, not string"),
        (b"null", "must be a JSON object, not null"),
        (b"5", "must be a JSON object, not number"),
    ],
    ids=[
        "truncated",
        "empty",
        "single-quotes",
        "nan",
        "infinity",
        "duplicate-key",
        "bad-utf8",
        "deep-nesting",
        "huge-integer",
        "array",
        "string",
        "null",
        "number",
    ],
)
def test_bodies_that_are_not_a_json_object_are_400(people, data, message):
    response = _post_raw(people.as_customer, "/feedback", data)

    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "bad_request"
    assert message in error["message"]
    assert _count(Feedback) == 0


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data", None]
)
def test_a_body_not_sent_as_json_is_415(people, content_type):
    response = people.as_customer.post("/feedback", data='{"csat": 1}', content_type=content_type)

    assert response.status_code == 415
    assert error_of(response)["code"] == "unsupported_media_type"
    assert _count(Feedback) == 0


def test_json_with_a_charset_parameter_is_accepted(people):
    response = _post_raw(people.as_customer, "/feedback", b'{"csat": 5}', "application/json; charset=utf-8")

    assert response.status_code == 201


def test_a_body_over_64_kb_is_413(people):
    body = b'{"comment": "' + b"x" * (65 * 1024) + b'", "csat": 5}'

    response = _post_raw(people.as_customer, "/feedback", body)

    assert response.status_code == 413
    assert error_of(response)["code"] == "payload_too_large"
    assert _count(Feedback) == 0


# -- field values ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"csat": "5"}, "csat", "Must be a whole number, not string"),
        ({"csat": True}, "csat", "Must be a whole number, not boolean"),
        ({"csat": False}, "csat", "Must be a whole number, not boolean"),
        ({"csat": 5.5}, "csat", "Must be a whole number, not number"),
        ({"csat": 5.0}, "csat", "Must be a whole number, not number"),
        ({"csat": [5]}, "csat", "Must be a whole number, not array"),
        ({"csat": None}, "csat", "not null"),
        ({"csat": 0}, "csat", "Must be between 1 and 5 (got 0)"),
        ({"csat": 6}, "csat", "Must be between 1 and 5 (got 6)"),
        ({"csat": -1}, "csat", "Must be between 1 and 5"),
        ({"csat": 10**30}, "csat", "Must be between 1 and 5"),
        ({"csat": 3, "nps": 11}, "nps", "Must be between 0 and 10"),
        ({"csat": 3, "nps": -1}, "nps", "Must be between 0 and 10"),
        ({"csat": 3, "nps": True}, "nps", "not boolean"),
        ({"csat": 3, "urgent": 1}, "urgent", "Must be true or false, not number"),
        ({"csat": 3, "urgent": "true"}, "urgent", "Must be true or false, not string"),
        ({"csat": 3, "comment": 42}, "comment", "Must be a string, not number"),
        ({"csat": 3, "comment": None}, "comment", "not null"),
        ({"csat": 3, "comment": "x" * 5001}, "comment", "at most 5000 characters (got 5001)"),
        ({"csat": 3, "comment": "nul\u0000byte"}, "comment", "NUL"),
        ({"csat": 3, "comment": "lone \ud800 surrogate"}, "comment", "lone surrogates"),
        ({"csat": 3, "category": "hosting"}, "category", "Unknown category; use one of: support, uptime"),
        ({"csat": 3, "category": 7}, "category", "Must be a string"),
        ({"csat": 3, "rating": 5}, "rating", "Unknown field."),
        ({}, "csat", "This field is required."),
        ({"kind": "complaint", "csat": 3}, "kind", "Must be one of: rating, suggestion."),
        ({"kind": None, "csat": 3}, "kind", "not null"),
        ({"kind": "suggestion", "title": "Idea", "text": "More", "csat": 5}, "csat", "Unknown field."),
        ({"kind": "suggestion", "title": "   ", "text": "More"}, "title", "Must not be empty."),
        ({"kind": "suggestion", "title": "x" * 201, "text": "More"}, "title", "at most 200 characters"),
        ({"kind": "suggestion", "title": "Idea"}, "text", "This field is required."),
    ],
    ids=lambda v: repr(v)[:40] if isinstance(v, dict) else None,
)
def test_invalid_feedback_fields_are_422_naming_the_field(people, body, field, message):
    response = people.as_customer.post("/feedback", json=body)

    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "validation_error"
    assert message in error["fields"][field]
    assert _count(Feedback) == 0


def test_every_bad_field_is_reported_at_once(people):
    response = people.as_customer.post("/feedback", json={"csat": "1", "nps": 12, "urgent": "no", "x": 1})

    assert set(error_of(response)["fields"]) == {"csat", "nps", "urgent", "x"}


# -- follow-up bodies -----------------------------------------------------------------------------


@pytest.fixture
def fu(people, make):
    return make.rating(people.customer, csat=1, now=T0).followup


@pytest.mark.parametrize(
    ("action", "body", "field", "message"),
    [
        ("reply", {}, "body", "This field is required."),
        ("reply", {"body": "  \n "}, "body", "Must not be empty."),
        ("reply", {"body": "x" * 10_001}, "body", "at most 10000 characters"),
        ("reply", {"body": 5}, "body", "Must be a string"),
        ("reply", {"body": "Hi", "internal": "yes"}, "internal", "Must be true or false"),
        ("reply", {"body": "Hi", "internal": 0}, "internal", "Must be true or false, not number"),
        ("reply", {"body": "Hi", "public": True}, "public", "Unknown field."),
        ("status", {}, "status", "This field is required."),
        ("status", {"status": "resolved"}, "status", "Must be one of: waiting, open."),
        ("status", {"status": 1}, "status", "Must be a string"),
        ("resolve", {"note": 123}, "note", "Must be a string"),
        ("resolve", {"note": "x" * 10_001}, "note", "at most 10000 characters"),
        ("resolve", {"reason": "done"}, "reason", "Unknown field."),
    ],
)
def test_invalid_followup_bodies_are_422_and_change_nothing(people, fu, action, body, field, message):
    events_before = _count(FollowupEvent)

    response = people.as_staff.post(f"/followups/{fu.id}/{action}", json=body)

    assert response.status_code == 422
    assert message in error_of(response)["fields"][field]
    db.session.expire_all()
    assert _count(FollowupEvent) == events_before
    assert fu.status.value == "open"


@pytest.mark.parametrize("action", ["reply", "status", "resolve"])
def test_followup_actions_refuse_arrays_and_non_json(people, fu, action):
    array = _post_raw(people.as_staff, f"/followups/{fu.id}/{action}", b"[]")
    form = people.as_staff.post(f"/followups/{fu.id}/{action}", data={"body": "x"})

    assert array.status_code == 400
    assert form.status_code == 415


# -- query strings --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/feedback?page=0", "page"),
        ("/feedback?page=-1", "page"),
        ("/feedback?page=abc", "page"),
        ("/feedback?page=1.5", "page"),
        ("/feedback?page=", "page"),
        ("/feedback?page=%D9%A1", "page"),  # an Arabic-Indic digit one
        ("/feedback?per_page=0", "per_page"),
        ("/feedback?per_page=101", "per_page"),
        ("/feedback?per_page=ten", "per_page"),
        ("/feedback?customer_id=abc", "customer_id"),
        ("/feedback?customer_id=99999999999", "customer_id"),
        ("/feedback?since=yesterday", "since"),
        ("/feedback?since=2026-02-30", "since"),
        ("/feedback?since=2026-03-02T09:00:00", "since"),
        ("/feedback?since=0001-01-01T00:00:00%2B01:00", "since"),
        ("/feedback?since=9999-12-31T23:59:59-01:00", "since"),
        ("/feedback?since=2026-03-02T09:00:00 01:00", "since"),
        ("/followups?status=closed", "status"),
        ("/followups?priority=urgent", "priority"),
        ("/followups?assignee=bob", "assignee"),
        ("/followups?per_page=1000", "per_page"),
    ],
)
def test_bad_query_parameters_are_400_naming_the_parameter(people, path, field):
    response = people.as_staff.get(path)

    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "bad_request"
    assert list(error["fields"]) == [field]


def test_per_page_100_is_the_allowed_maximum(people):
    body = people.as_customer.get("/feedback?per_page=100").get_json()

    assert body["per_page"] == 100


def test_several_bad_parameters_are_reported_together(people):
    response = people.as_staff.get("/followups?status=x&priority=y&page=0")

    assert set(error_of(response)["fields"]) == {"status", "priority", "page"}
