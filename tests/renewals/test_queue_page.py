"""The renewal-at-risk page as staff see it."""

import pytest

from tests.conftest import T0

from .conftest import customer_renewing, rate


@pytest.fixture(autouse=True)
def at_t0(monkeypatch):
    monkeypatch.setattr("feedback.renewals.routes.utcnow", lambda: T0)


def test_rows_show_revenue_renewal_risk_in_words_and_priority(app, make, client, auth):
    customer = customer_renewing(make, 10, price="1234.50", name="Dana Dedicated", email="dana@example.test")
    rate(customer, csat=1, nps=2)
    auth.login(make.staff())

    html = client.get("/renewals/").get_data(as_text=True)
    assert "Dana Dedicated" in html and "dana@example.test" in html
    assert "1,234.50" in html  # money filter
    assert "Mar 12, 2026" in html and "in 10 days" in html
    assert "High risk · 5" in html
    assert "Detractor (NPS 2)" in html and "Low CSAT (1 of 5)" in html
    assert "6,172.50" in html  # priority = 1,234.50 × 5
    assert 'aria-current="page">30 days' in html  # the default window
    assert "Renewals at risk" in html  # the nav entry


def test_window_selector_and_empty_state(app, make, client, auth):
    customer = customer_renewing(make, 40, name="Later Larry")
    rate(customer, nps=2)
    auth.login(make.staff())

    html = client.get("/renewals/").get_data(as_text=True)
    assert "Later Larry" not in html
    assert "No customer renewing within 30 days shows a risk signal" in html
    html = client.get("/renewals/?days=60").get_data(as_text=True)
    assert "Later Larry" in html and 'aria-current="page">60 days' in html
    assert "At risk · 3" in html
    assert client.get("/renewals/?days=abc").status_code == 200


def test_pages_through_long_queues_in_priority_order(app, make, client, auth, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    for n, price in enumerate(("30.00", "20.00", "10.00"), start=1):
        rate(customer_renewing(make, 10, price=price, name=f"Customer {n}"), nps=0)
    auth.login(make.manager())

    first = client.get("/renewals/").get_data(as_text=True)
    assert "Customer 1" in first and "Customer 2" in first and "Customer 3" not in first
    assert "3 items, page 1 of 2" in first
    second = client.get("/renewals/?page=2").get_data(as_text=True)
    assert "Customer 3" in second and "Customer 1" not in second
