"""Billing data goes only to addresses proven or vouched for: whoever signs up first as a big
client's address gets neither their plan nor their revenue, by file or by API."""

from sqlalchemy import func, select

from feedback.auth.models import Plan, User
from feedback.core.time import utcnow
from feedback.extensions import db
from feedback.lifecycle.imports import import_subscriptions
from feedback.lifecycle.models import Subscription
from feedback.signup import services as signup
from feedback.signup.models import LinkPurpose
from feedback.signup.queries import link_for
from tests.conftest import T0
from tests.factories import ApiClient, csv_bytes, error_of, history, token_for

CEO = "ceo@bigclient.example"


def self_signup(email: str = CEO) -> User:
    signup.sign_up(email, "Mallory", "UTC", None, T0)
    db.session.commit()
    return db.session.scalar(select(User).where(User.email == email))


def confirm(user: User) -> None:
    """The owner of the address uses their link (its token is only in the mail: make one here)."""
    token = signup.send_link(user, LinkPurpose.SIGNUP, utcnow())
    signup.use_link(link_for(token, utcnow()), "long-enough-1", utcnow(), name="Cecilia", timezone="UTC")
    db.session.commit()


def subscriptions() -> int:
    return db.session.scalar(select(func.count()).select_from(Subscription))


def test_the_import_does_not_attach_billing_data_to_an_unconfirmed_sign_up(make):
    mallory = self_signup()
    result = import_subscriptions(csv_bytes(*history(CEO)), T0)
    db.session.commit()
    assert not result.applied
    assert "no customer with the e-mail ceo@bigclient.example" in result.rejected[0][1]
    assert subscriptions() == 0 and mallory.account is None


def test_once_the_owner_confirms_the_address_the_import_attaches_it(make):
    owner = self_signup()
    confirm(owner)
    result = import_subscriptions(csv_bytes(*history(CEO)), T0)
    db.session.commit()
    assert result.applied, result.rejected
    assert owner.account.plan == Plan.VPS


def test_an_invited_customer_is_matched_before_they_choose_a_password(make):
    invited = signup.invite("new.client@example.com", "New Client", T0)
    db.session.commit()
    result = import_subscriptions(csv_bytes(*history(invited.email)), T0)
    db.session.commit()
    assert result.applied, result.rejected
    assert invited.account.plan == Plan.VPS and not invited.active


def test_inviting_an_unconfirmed_sign_up_vouches_for_the_address(make):
    pending = self_signup()
    signup.invite(CEO, "Cecilia Owner", T0)
    db.session.commit()
    assert pending.name == "Cecilia Owner"
    assert import_subscriptions(csv_bytes(*history(CEO)), T0).applied


def test_the_billing_api_does_not_match_an_unconfirmed_sign_up(client, make):
    self_signup()
    manager = ApiClient(client, token_for(make.manager()))
    event = {
        "event_id": "whmcs-1",
        "email": CEO,
        "service_id": "5001",
        "kind": "started",
        "occurred_on": "2025-05-01",
        "plan": "dedicated",
        "monthly_price": "149.00",
        "cycle_months": 1,
    }
    response = manager.post("/subscriptions/events", json=event)
    assert response.status_code == 404
    assert error_of(response)["fields"] == {"email": "Unknown customer e-mail."}
    assert subscriptions() == 0

    invited = signup.invite("other@bigclient.example", "Other", T0)
    db.session.commit()
    response = manager.post(
        "/subscriptions/events", json={**event, "event_id": "whmcs-2", "email": invited.email}
    )
    assert response.status_code == 201
