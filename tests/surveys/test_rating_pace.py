"""One rating budget per customer (RATING_RATE_LIMIT), whichever way they rate: the dashboard,
an e-mailed survey link or the API. Over it, each channel answers 429 and says why."""

from limits.storage import MemoryStorage
from sqlalchemy import func, select

from feedback.core.time import utcnow
from feedback.extensions import db, limiter
from feedback.surveys import invitations as inv
from feedback.surveys import pace
from feedback.surveys.models import Feedback, SurveyInvitation, SurveyKind
from tests.factories import ApiClient, error_of, token_for

DASHBOARD = {"r-csat": "2", "r-nps": "", "r-category": "support", "r-comment": "Slow"}


def _ratings(customer) -> int:
    return db.session.scalar(select(func.count(Feedback.id)).where(Feedback.customer_id == customer.id))


def _survey_link(customer) -> str:
    now = utcnow()
    invitation = inv.invite(customer, SurveyKind.NPS, now)
    db.session.commit()
    return f"/s/{inv.make_token(invitation, now)}"


def test_the_dashboard_survey_links_and_api_share_one_budget_per_customer(
    app, client, auth, make, monkeypatch
):
    monkeypatch.setitem(app.config, "RATING_RATE_LIMIT", "3 per hour")
    customer, other = make.customer(), make.customer()
    api = ApiClient(client, token_for(customer))
    second_token = ApiClient(client, token_for(customer))
    first_link, second_link = _survey_link(customer), _survey_link(customer)
    auth.login(customer)

    spent = [
        client.post("/feedback", data=DASHBOARD).status_code,
        api.post("/feedback", json={"csat": 4}).status_code,
        client.post(first_link, data={"score": "9"}).status_code,
    ]
    refused_page = client.post("/feedback", data=DASHBOARD)
    refused_api = second_token.post(
        "/feedback", json={"csat": 1, "comment": "Down"}
    )  # a new token: same person
    refused_link = client.post(second_link, data={"score": "2", "comment": "Too slow to bear"})

    assert spent == [302, 201, 200]
    assert (refused_page.status_code, refused_api.status_code, refused_link.status_code) == (429, 429, 429)
    assert _ratings(customer) == 3
    error = error_of(refused_api)
    assert error["code"] == "rate_limited"
    assert "Too many ratings from this customer: the limit is 3 per hour" in error["message"]
    assert int(refused_api.headers["Retry-After"]) > 0
    link_page = refused_link.get_data(as_text=True)
    assert "You have sent many ratings in a short time" in link_page
    assert "Too slow to bear</textarea>" in link_page  # their comment is still in the form
    unused = select(func.count(SurveyInvitation.id)).where(SurveyInvitation.used_at.is_(None))
    assert db.session.scalar(unused) == 1  # the link was not used up: it answers once the budget refills

    other_api = ApiClient(client, token_for(other))
    assert other_api.post("/feedback", json={"csat": 5}).status_code == 201  # a budget of their own
    limiter.reset()  # an hour later
    assert client.post(second_link, data={"score": "2", "comment": "Too slow to bear"}).status_code == 200


def test_a_refused_form_costs_nothing(app, client, auth, make, monkeypatch):
    monkeypatch.setitem(app.config, "RATING_RATE_LIMIT", "1 per hour")
    customer = make.customer()
    auth.login(customer)

    invalid = [client.post("/feedback", data={**DASHBOARD, "r-csat": ""}).status_code for _ in range(3)]
    posted = client.post("/feedback", data=DASHBOARD).status_code

    assert invalid == [400, 400, 400] and posted == 302


def test_an_unreachable_limit_store_counts_in_the_process(app, client, auth, make, monkeypatch):
    # A real Redis stopping under the web process: tests/worker/test_redis_down.py.
    def down(*args, **kwargs):
        raise ConnectionError("redis is down")

    monkeypatch.setitem(app.config, "RATING_RATE_LIMIT", "1 per hour")
    monkeypatch.setattr(pace, "_PROCESS_COUNTS", MemoryStorage())
    customer = make.customer()
    auth.login(customer)
    monkeypatch.setattr(limiter.storage, "incr", down)

    assert client.post("/feedback", data=DASHBOARD).status_code == 302  # not a 500, not a lost rating
    assert client.post("/feedback", data=DASHBOARD).status_code == 429  # the budget still holds
    assert _ratings(customer) == 1
