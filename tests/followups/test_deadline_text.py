"""Which deadline is next and how long is left, as staff read it."""

from datetime import timedelta

from feedback.followups import services
from feedback.followups.deadline_text import deadline_phrase, next_deadline
from feedback.followups.models import SlaTarget
from tests.conftest import T0

M = timedelta(minutes=1)


def test_a_new_case_names_its_first_response_and_the_time_left(app, make):
    fu = make.rating(make.customer(), csat=1, category="uptime", now=T0).followup  # critical: 1 h
    assert next_deadline(fu).target == SlaTarget.FIRST_RESPONSE
    assert deadline_phrase(fu, T0 + 18 * M) == "First response in 42 minutes"
    assert deadline_phrase(fu, T0 + 65 * M) == "First response overdue by 5 minutes"


def test_after_the_first_answer_the_next_deadline_is_named(app, make):
    customer, agent = make.customer(), make.staff()
    fu = make.rating(customer, csat=2, now=T0).followup  # high: first response 4 h, resolution 24 h
    services.staff_reply(fu, agent, "Looking into it", now=T0 + 30 * M)
    # No customer message waiting: the 24-hour update and the resolution run, the nearer first.
    assert next_deadline(fu).target in (SlaTarget.RESOLUTION, SlaTarget.ATTENTION)
    services.customer_reply(fu, customer, "Still slow", now=T0 + 60 * M)
    assert next_deadline(fu).target == SlaTarget.NEXT_REPLY
    assert deadline_phrase(fu, T0 + 60 * M) == "Next reply in 8 hours"


def test_long_spans_read_in_hours_and_a_resolved_case_has_none(app, make):
    agent = make.staff()
    fu = make.rating(make.customer(), csat=2, now=T0).followup  # high: first response in 4 h
    assert deadline_phrase(fu, T0 + 20 * M) == "First response in 3 hours"  # 3 h 40 min: never more
    assert deadline_phrase(fu, T0 + 170 * M) == "First response in 70 minutes"
    services.resolve(fu, agent, now=T0 + 3 * 60 * M)
    assert next_deadline(fu) is None and deadline_phrase(fu, T0) == ""


def test_the_case_page_says_it_in_the_viewers_language(client, make, auth):
    from feedback.core.time import utcnow

    fu = make.rating(make.customer(), csat=1, category="uptime", now=utcnow()).followup
    staff = make.staff()
    staff.locale = "eo"
    auth.login(staff)
    page = client.get(f"/queue/{fu.reference}").get_data(as_text=True)
    assert "Unua respondo post" in page  # "First response in …" in Esperanto


def _open_case(first_response_due):
    from feedback.followups.models import Followup, FollowupStatus

    return Followup(
        status=FollowupStatus.OPEN,
        first_response_at=None,
        first_response_due=first_response_due,
        next_reply_due=None,
        resolution_due=first_response_due + timedelta(weeks=8),
        attention_due=None,
        paused_at=None,
    )


def test_the_number_told_is_the_time_left_cut_down_never_a_smaller_unit_or_rounded_up(app):
    cases = [
        (100 * M, "First response in 100 minutes"),  # not "60 minutes", not "2 hours"
        (119 * M, "First response in 119 minutes"),
        (2 * 60 * M, "First response in 2 hours"),
        (47 * 60 * M, "First response in 47 hours"),  # not "24 hours"
        (50 * 60 * M, "First response in 2 days"),
        (M + M / 2, "First response in 1 minute"),
        (timedelta(seconds=20), "First response in 0 minutes"),
    ]
    for left, told in cases:
        assert deadline_phrase(_open_case(T0 + left), T0) == told, left
