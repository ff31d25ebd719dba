"""Chart texts go through the catalogue: series names and sample warnings read in the page's language."""

from flask_babel import force_locale

from feedback.reports import charts


def _support_report() -> dict:
    times = {"median_hours": 2.0, "p90_hours": 5.0, "n": 3}
    return {
        "by_priority": [{"priority": "high", "first_response": times, "resolution": times}],
        "followups_created": 3,
    }


def test_response_time_series_are_named_in_the_language(app):
    with app.test_request_context(), force_locale("eo"):
        names = [bar.name for bar in charts.response_times(_support_report()).data]

    assert names == ["Unua respondo · mediano", "Unua respondo · p90", "Solvo · mediano", "Solvo · p90"]


def test_low_sample_warning_is_in_the_language(app):
    rows = [{"plan": "vps", "csat": {"value": 50.0, "n": 2, "low_sample": True}}]
    with app.test_request_context(), force_locale("ar"):
        fig = charts.csat_breakdown(rows, "plan", "CSAT")

    assert "low sample" not in fig.data[0].text[0] and "n=2" in fig.data[0].text[0]


def test_a_category_name_typed_by_a_manager_is_text_in_the_chart_not_markup(app):
    rows = [
        {
            "category": '<a href="https://evil.test">Billing</a>',
            "csat": {"value": 80.0, "n": 9, "low_sample": False},
        }
    ]
    with app.test_request_context():
        fig = charts.csat_breakdown(rows, "category", "CSAT")

    assert fig.data[0].y == ("&lt;a href=&quot;https://evil.test&quot;&gt;Billing&lt;/a&gt;",)


def test_ratings_from_customers_with_no_plan_yet_are_named_in_the_language(app):
    """A self-service sign-up has no plan until billing sends one: its ratings roll up as "none"."""
    rows = [{"plan": "none", "csat": {"value": 100.0, "n": 7, "low_sample": False}}]
    with app.test_request_context(), force_locale("eo"):
        fig = charts.csat_breakdown(rows, "plan", "CSAT")

    assert fig.data[0].y == ("Ankoraŭ sen plano",)
