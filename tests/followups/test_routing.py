"""Default routing rules: what becomes a follow-up, at what priority (docs/metrics.md)."""

import pytest

from feedback.followups.models import Priority
from feedback.followups.routing import Signal, active_rules, route
from feedback.surveys.services import category_by_slug


@pytest.mark.parametrize(
    ("csat", "nps", "urgent", "category", "expected"),
    [
        (5, None, False, "support", None),
        (3, None, False, "support", None),
        (3, 7, False, "support", None),  # passive NPS is not negative
        (3, 6, False, "support", Priority.NORMAL),  # detractor
        (4, 0, False, "billing", Priority.NORMAL),
        (2, None, False, "support", Priority.HIGH),
        (2, 10, False, "uptime", Priority.HIGH),  # CSAT 2 in uptime is high, not critical
        (1, None, False, "support", Priority.HIGH),
        (1, None, False, "uptime", Priority.CRITICAL),
        (5, 10, True, "other", Priority.CRITICAL),  # urgent always critical
        (2, 3, True, "billing", Priority.CRITICAL),
    ],
)
def test_default_routing_table(app, csat, nps, urgent, category, expected):
    cat = category_by_slug(category)
    routed = route(active_rules(), Signal(csat, nps, urgent, cat.id))
    assert (routed and routed.priority) == expected


def test_inactive_rule_is_skipped(app):
    rules = active_rules()
    rules[0].active = False  # "urgent → critical"
    assert route(rules, Signal(5, None, True, None)) is None


def test_negative_rating_opens_followup_positive_does_not(app, make):
    customer = make.customer()
    assert make.rating(customer, csat=5).followup is None
    fb = make.rating(customer, csat=1, category="uptime")
    assert fb.followup is not None
    assert fb.followup.priority == Priority.CRITICAL
