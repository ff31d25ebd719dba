"""Odd input in every HTML form and query string gets an answer (4xx or a page), never a 500."""

import pytest

from tests.factories import ApiClient, error_of, token_for

ODD = ["sNaN", "../../etc/passwd", "\x00", "9" * 400, "-1", "🙂", "<script>", "1e999999"]


@pytest.mark.parametrize("v", ODD)
def test_no_form_or_query_answers_500(app, client, make, auth, v):
    c = make.customer()
    s = make.staff()
    m = make.manager()
    fb = make.rating(c, csat=1)
    codes = []
    codes.append(
        client.post(
            "/signup", data={"name": v, "email": v, "plan": v, "timezone": v, "password": v, "confirm": v}
        ).status_code
    )
    codes.append(client.post("/login", data={"email": v, "password": v}).status_code)
    auth.login(c)
    codes.append(
        client.post("/feedback", data={"r-csat": v, "r-nps": v, "r-category": v, "r-comment": v}).status_code
    )
    codes.append(
        client.post(
            "/ideas/new", data={"title": v, "description": v, "category": v, "anonymous": v}
        ).status_code
    )
    codes.append(
        client.get("/ideas/", query_string={"q": v, "category": v, "status": v, "sort": v}).status_code
    )
    codes.append(client.get("/ideas/similar", query_string={"q": v}).status_code)
    codes.append(client.get("/dashboard", query_string={"page": v}).status_code)
    auth.logout()
    auth.login(s)
    codes.append(
        client.get(
            "/queue/", query_string={"page": v, "status": v, "priority": v, "q": v, "sort": v}
        ).status_code
    )
    codes.append(client.post(f"/queue/{fb.followup.id}/assign", data={"assignee": v}).status_code)
    auth.logout()
    auth.login(m)
    for path in ("/reports/satisfaction", "/reports/support", "/reports/export.csv"):
        codes.append(client.get(path, query_string={"start": v, "end": v, "granularity": v}).status_code)
    codes.append(
        client.post(
            "/settings/rules/new",
            data={"name": v, "csat_max": v, "nps_max": v, "urgent": v, "category_id": v, "priority": v},
        ).status_code
    )
    codes.append(client.post("/settings/categories", data={"name": v}).status_code)
    codes.append(
        client.post(
            "/settings/users", data={"name": v, "email": v, "role": v, "password": v, "confirm": v}
        ).status_code
    )
    codes.append(client.get("/settings/users", query_string={"page": v}).status_code)
    assert 500 not in codes, codes


def test_a_page_asked_with_the_wrong_method_says_which_methods_it_takes(client):
    response = client.delete("/login")
    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "POST"}


def test_report_dates_near_year_9999_are_a_clear_refusal_not_a_500(app, client, make, auth):
    auth.login(make.manager())
    far = {"start": "9999-12-30", "end": "9999-12-31"}
    for path in ("/reports/satisfaction", "/reports/support", "/reports/retention", "/reports/ideas"):
        response = client.get(path, query_string=far)
        assert response.status_code == 400, path
        assert "Choose a date from 2000-01-01 to 2099-12-31." in response.get_data(as_text=True), path


def test_api_report_dates_near_year_9999_are_a_clear_refusal_not_a_500(client, make):
    api = ApiClient(client, token_for(make.manager()))
    response = api.get("/reports/satisfaction?start=9999-12-30&end=9999-12-31")
    assert response.status_code in (400, 422)
    assert error_of(response)["fields"]["start"] == "Must be from 2000-01-01 to 2099-12-31."
