"""``flask demo``: logins that work, every plan and follow-up state, valid rows, same seed → same data."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import func, select

from feedback.auth.models import CustomerAccount, Plan, Role, User, matchable_customer
from feedback.core.dates import add_months
from feedback.demo.generator import DEMO_LOGINS, DEMO_PASSWORD, generate_demo, renewal_date
from feedback.extensions import db
from feedback.followups.models import Followup, FollowupEvent, FollowupStatus, SlaEscalation
from feedback.followups.sla import risk_level
from feedback.surveys.models import Feedback, FeedbackKind
from tests.conftest import T0, clear_database

CUSTOMERS = 30


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.fixture
def demo(runner):
    result = runner.invoke(
        args=["demo", "--customers", str(CUSTOMERS), "--seed", "3", "--now", T0.isoformat()]
    )
    assert result.exit_code == 0, result.output
    return result.output


def test_the_three_demo_logins_work_with_the_printed_password(demo, auth, client):
    assert "DEMO ONLY" in demo
    landing = {Role.CUSTOMER: "/dashboard", Role.STAFF: "/queue/", Role.MANAGER: "/reports/satisfaction"}
    for role, (email, _name) in DEMO_LOGINS.items():
        assert f"{email}" in demo and DEMO_PASSWORD in demo
        response = auth.login(email, DEMO_PASSWORD)
        assert response.status_code == 302
        assert response.headers["Location"] == landing[role]
        if role == Role.MANAGER:  # the output says so: two-factor sign-in is set up first
            assert "two-factor sign-in" in demo
            gate = client.get(landing[role])
            assert gate.headers["Location"] == "/account/two-factor?next=/reports/satisfaction"
        auth.logout()
    assert auth.login(DEMO_LOGINS[Role.STAFF][0], "wrong-password").status_code == 401


def test_every_demo_account_is_proven_so_the_billing_import_matches_it(demo):
    assert count(User) > CUSTOMERS
    assert count(User, User.email_verified_at.is_(None)) == 0
    customers = count(User, User.role == Role.CUSTOMER)
    assert count(User, matchable_customer()) == customers


def test_customers_on_every_plan_at_list_price(demo):
    plans = dict(
        db.session.execute(select(CustomerAccount.plan, func.count()).group_by(CustomerAccount.plan)).all()
    )
    # 29 generated at 70/22/8 % → 20.3, 6.38, 2.32 → 20, 7 (largest remainder), 2;
    # plus the demo customer, on VPS.
    assert plans == {Plan.SHARED: 20, Plan.VPS: 8, Plan.DEDICATED: 2}
    prices = {Plan.SHARED: Decimal("9.90"), Plan.VPS: Decimal("39.00"), Plan.DEDICATED: Decimal("149.00")}
    for account in db.session.scalars(select(CustomerAccount)):
        assert account.monthly_price == prices[account.plan]


def test_signup_and_renewal_dates_are_consistent(demo):
    today = T0.date()
    accounts = list(db.session.scalars(select(CustomerAccount)))
    assert len(accounts) == CUSTOMERS
    for account in accounts:
        signup, renewal = account.signup_date, account.renewal_date
        assert today - timedelta(days=730) <= signup < today
        months = (renewal.year - signup.year) * 12 + renewal.month - signup.month
        assert months >= 1 and add_months(signup, months) == renewal  # a whole number of billing periods
        first = datetime.combine(signup, datetime.min.time(), UTC)
        # No feedback before signing up, nor after letting the hosting lapse.
        last = datetime.combine(renewal, datetime.min.time(), UTC) if renewal <= today else T0
        times = list(db.session.scalars(select(Feedback.created_at).filter_by(customer_id=account.user_id)))
        assert all(first <= t <= last for t in times)
    assert any(a.renewal_date > today for a in accounts)


def test_every_feedback_row_is_valid(demo):
    rows = list(db.session.scalars(select(Feedback)))
    ratings = [f for f in rows if f.kind == FeedbackKind.RATING]
    assert len(ratings) >= 2 * CUSTOMERS  # several per customer
    assert {f.csat for f in ratings} == {1, 2, 3, 4, 5}
    assert any(f.nps is None for f in ratings) and any(f.nps is not None for f in ratings)
    for f in rows:
        assert f.customer.role == Role.CUSTOMER
        assert f.created_at <= T0
        assert f.category is not None
        if f.kind == FeedbackKind.RATING:
            assert 1 <= f.csat <= 5 and (f.nps is None or 0 <= f.nps <= 10) and f.title is None
        else:
            assert f.csat is None and f.nps is None and f.title and f.comment


def test_followups_in_every_state_and_consistent_with_the_rules(demo):
    followups = list(db.session.scalars(select(Followup)))
    assert {fu.status for fu in followups} == set(FollowupStatus)
    active = [fu for fu in followups if fu.is_open]
    assert any(fu.assignee_id is None for fu in active) and any(fu.assignee_id for fu in active)
    assert any(fu.breached for fu in active) and any(fu.breached for fu in followups if not fu.is_open)
    assert any(risk_level(fu, T0) == "at_risk" for fu in active)
    for fu in followups:
        fb = fu.feedback
        assert fb.csat <= 2 or (fb.nps is not None and fb.nps <= 6) or fb.urgent  # the default routing
        assert (fu.resolved_at is not None) == (fu.status == FollowupStatus.RESOLVED)
        if fu.resolved_at is not None:
            assert fu.created_at < fu.resolved_at <= T0
    # The final sweep at "now" recorded breaches of the cases still open.
    assert count(SlaEscalation, SlaEscalation.level == "breach") >= 1
    assert db.session.scalar(select(func.max(FollowupEvent.created_at))) <= T0


def test_if_empty_leaves_a_database_with_users_alone(runner, make):
    make.staff()
    result = runner.invoke(args=["demo", "--if-empty"])
    assert result.exit_code == 0
    assert "already has users" in result.output
    assert count(User) == 1 and count(Feedback) == 0


def test_demo_refuses_to_load_twice(demo, runner):
    users = count(User)
    result = runner.invoke(args=["demo", "--customers", "5"])
    assert result.exit_code == 1
    assert "already exist" in result.output
    assert count(User) == users


def _snapshot():
    emails = sorted(db.session.scalars(select(User.email)))
    feedback = db.session.execute(
        select(Feedback.csat, Feedback.nps, Feedback.comment, Feedback.created_at).order_by(
            Feedback.created_at
        )
    ).all()
    states = sorted(db.session.execute(select(Followup.status, Followup.breached)).all())
    return emails, feedback, states


def test_same_seed_same_data(app):
    first = generate_demo(12, seed=9, now=T0)
    snapshot = _snapshot()
    clear_database()
    assert generate_demo(12, seed=9, now=T0) == first
    assert _snapshot() == snapshot
    clear_database()
    generate_demo(12, seed=10, now=T0)
    assert _snapshot()[0] != snapshot[0]


def test_months_and_renewals_clamp_to_the_end_of_the_month():
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2024, 11, 30), 3) == date(2025, 2, 28)
    # Monthly since 31 Jan: renewed 28 Feb; next due 31 Mar, or lapsed at 28 Feb.
    assert renewal_date(date(2025, 1, 31), date(2025, 3, 15), yearly=False, lapsed=False) == date(2025, 3, 31)
    assert renewal_date(date(2025, 1, 31), date(2025, 3, 15), yearly=False, lapsed=True) == date(2025, 2, 28)
    assert renewal_date(date(2024, 2, 29), date(2025, 6, 1), yearly=True, lapsed=False) == date(2026, 2, 28)
    # Nothing has come up for renewal yet, so a "lapsed" customer still has their first renewal ahead.
    assert renewal_date(date(2025, 6, 1), date(2025, 6, 20), yearly=True, lapsed=True) == date(2026, 6, 1)


def test_the_demo_mails_nobody_and_wakes_no_dispatcher(app, runner):
    from feedback.mailer.models import OutboxMessage, OutboxStatus

    kicks = app.extensions["kontento.kicks"]
    result = runner.invoke(args=["demo", "--customers", "30", "--now", T0.isoformat()])
    assert result.exit_code == 0, result.output
    assert count(OutboxMessage) > 0  # the history did cause mail …
    assert count(OutboxMessage, OutboxMessage.status != OutboxStatus.SENT) == 0  # … all of it "sent" long ago
    assert app.extensions["kontento.kicks"] == kicks


def test_the_demo_host_is_branded_on_its_pages_and_in_its_mail(demo, client, auth):
    from feedback.brand.queries import current_brand, logo_png
    from feedback.brand.services import color_problems
    from feedback.mailer.models import OutboxMessage

    brand = current_brand()
    assert brand.name == "Demo Hosting"
    assert brand.support_email == "support@demo-hosting.example"
    assert [link.url for link in brand.links] == [
        "https://demo-hosting.example/terms",
        "https://demo-hosting.example/privacy",
    ]
    assert brand.color and color_problems(brand.color) == []  # readable under white text and as links
    digest, logo = logo_png()
    assert logo.startswith(b"\x89PNG") and brand.logo_width == brand.logo_height == 64

    auth.login(DEMO_LOGINS[Role.CUSTOMER][0], DEMO_PASSWORD)
    page = client.get("/dashboard").get_data(as_text=True)
    assert "· Demo Hosting</title>" in page and f"/brand/logo/{digest}.png" in page
    assert f"/brand.css?v={brand.stylesheet_version}" in page
    assert "Kontento" not in page
    mail = db.session.scalar(
        select(OutboxMessage).where(OutboxMessage.to_email == DEMO_LOGINS[Role.CUSTOMER][0]).limit(1)
    )
    assert mail.sender_name == "Demo Hosting" and "Demo Hosting" in mail.body_text


@pytest.mark.parametrize("lang", ["en", "eo", "ar"])
def test_the_demo_host_is_branded_in_every_language_and_every_mail(demo, client, auth, lang):
    from feedback.mailer.models import OutboxMessage

    customer = db.session.scalar(select(User).where(User.email == DEMO_LOGINS[Role.CUSTOMER][0]))
    customer.locale = lang
    db.session.commit()
    auth.login(customer.email, DEMO_PASSWORD)
    for path in ("/dashboard", "/ideas/", "/ideas/changelog", "/account", "/account/tokens", "/status"):
        page = client.get(path, headers={"Accept-Language": lang})
        assert page.status_code == 200, path
        html = page.get_data(as_text=True)
        assert f'<html lang="{lang}"' in html, path
        assert "· Demo Hosting</title>" in html and "Kontento" not in html, path
    # A mail written now in the customer's language (the demo's own mail is in English), and every
    # message the demo wrote to a customer, come from the host.
    from feedback.signup.services import send_new_link

    send_new_link(customer.email, T0)
    db.session.commit()
    mails = db.session.scalars(
        select(OutboxMessage)
        .join(User, User.id == OutboxMessage.user_id)
        .where(User.role == Role.CUSTOMER)
        .order_by(OutboxMessage.id)
    ).all()
    assert mails and mails[-1].kind == "signup/password"
    with force_locale(lang):
        assert mails[-1].subject == gettext("Set a new password for %(brand)s", brand="Demo Hosting")
    for mail in mails:
        assert mail.sender_name == "Demo Hosting", mail.kind
        assert "Demo Hosting" in mail.body_text and "Demo Hosting" in mail.body_html, mail.kind
        for part in (mail.subject, mail.body_text, mail.body_html):
            assert "Kontento" not in part, (mail.kind, part[:200])
