"""The staff case page shows the customer beside the conversation."""

from datetime import timedelta

from feedback.auth.models import Plan
from feedback.core.time import utcnow
from feedback.extensions import db
from feedback.followups import services
from tests.factories import make_notice


def test_the_customer_beside_the_case_their_plan_nps_cases_ratings_and_notices(client, make, auth):
    now = utcnow()
    customer = make.customer(name="Ada Lovelace", plan=Plan.VPS)
    agent, manager = make.staff(), make.manager()
    old = make.rating(customer, csat=2, nps=3, now=now - timedelta(days=40)).followup
    services.resolve(old, agent, now=now - timedelta(days=39))
    make.rating(customer, csat=5, nps=9, now=now - timedelta(days=10))  # the latest NPS: a promoter
    still_open = make.rating(customer, csat=1, now=now - timedelta(days=2)).followup
    fu = make.rating(customer, csat=1, comment="Mail bounces", now=now - timedelta(hours=1)).followup
    someone_else = make.rating(make.customer(name="Bob Other"), csat=1, now=now).followup
    make_notice(
        manager,
        title="VPS network work",
        plans=("vps",),
        starts=now + timedelta(days=1),
        ends=now + timedelta(days=1, hours=1),
        publish=True,
        now=now,
    )
    make_notice(
        manager,
        title="Shared cluster move",
        plans=("shared",),
        starts=now + timedelta(days=1),
        ends=now + timedelta(days=1, hours=1),
        publish=True,
        now=now,
    )
    db.session.commit()
    auth.login(agent)

    page = client.get(f"/queue/{fu.reference}").get_data(as_text=True)

    panel = page[page.index('id="customer-heading"') :]
    assert "Ada Lovelace" in panel and "VPS" in panel
    assert "9 · promoter" in panel  # the latest NPS answer and its band
    # Other cases: the open one before the resolved one; never another customer's.
    assert panel.index(still_open.reference) < panel.index(old.reference)
    assert someone_else.reference not in panel
    assert 'Other cases <span class="text-secondary fw-normal">(2)</span>' in panel
    assert 'Ratings <span class="text-secondary fw-normal">(4)</span>' in panel
    # Only the notices that reach this customer's plan; staff read them without a link.
    assert "VPS network work" in panel and "Shared cluster move" not in panel


def test_a_first_time_customer_has_empty_states_not_blanks(client, make, auth):
    fu = make.rating(make.customer(), csat=1, now=utcnow()).followup
    auth.login(make.staff())
    page = client.get(f"/queue/{fu.reference}").get_data(as_text=True)
    assert "No other cases." in page
    assert "not answered" in page  # no NPS answer yet
    assert "None now or in the coming week." in page
