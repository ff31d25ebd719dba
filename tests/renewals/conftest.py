"""Shared helpers for the renewal tests: subscriptions, ratings and cases inserted directly, so each
customer carries exactly the signals a test names (the rating service would also route)."""

import itertools
from datetime import date, timedelta
from decimal import Decimal

from feedback.auth.models import Plan
from feedback.extensions import db
from feedback.followups.models import Followup, FollowupStatus, Priority
from feedback.followups.services import open_followup
from feedback.lifecycle.models import Subscription, SubscriptionStatus
from feedback.surveys.models import Feedback, FeedbackKind
from tests.conftest import T0

TODAY = T0.date()
_ids = itertools.count(1)


def subscribe(
    customer,
    renews_in: int | None,
    price: str = "10.00",
    plan: Plan = Plan.SHARED,
    status: SubscriptionStatus = SubscriptionStatus.ACTIVE,
) -> Subscription:
    """A subscription renewing ``renews_in`` days after T0 (ended ones have no renewal)."""
    active = status == SubscriptionStatus.ACTIVE
    sub = Subscription(
        customer_id=customer.id,
        external_id=f"svc-{next(_ids)}",
        plan=plan,
        monthly_price=Decimal(price),
        cycle_months=1,
        status=status,
        started_on=date(2025, 1, 1),
        renews_on=TODAY + timedelta(days=renews_in) if active else None,
        ended_on=None if active else TODAY - timedelta(days=3),
    )
    db.session.add(sub)
    db.session.commit()
    return sub


def customer_renewing(make, renews_in: int, price: str = "10.00", **kwargs):
    """A customer without subscriptions whose account renews ``renews_in`` days after T0."""
    return make.customer(
        monthly_price=Decimal(price),
        signup_date=date(2025, 1, 1),
        renewal_date=TODAY + timedelta(days=renews_in),
        **kwargs,
    )


def rate(customer, csat: int | None = None, nps: int | None = None, days_ago: int = 1) -> Feedback:
    """A rating left ``days_ago`` days before T0, without routing."""
    fb = Feedback(
        customer=customer,
        kind=FeedbackKind.RATING,
        csat=csat,
        nps=nps,
        comment="",
        created_at=T0 - timedelta(days=days_ago),
    )
    db.session.add(fb)
    db.session.commit()
    return fb


def case(customer, days_ago: int = 1, breached: bool = False, resolved: bool = False) -> Followup:
    """A follow-up opened ``days_ago`` days before T0 on a neutral rating."""
    fb = rate(customer, csat=3, days_ago=days_ago)
    fu = open_followup(fb, Priority.NORMAL, fb.created_at)
    fu.breached = breached
    if resolved:
        fu.status = FollowupStatus.RESOLVED
        fu.resolved_at = fb.created_at + timedelta(hours=5)
    db.session.commit()
    return fu
