"""Access control for every HTML route, as each role, anonymously and as another customer.

The route list is read from the app's URL map, so a new page cannot ship without a rule here.
"""

import pytest

from config import TestingConfig
from feedback import create_app
from feedback.auth.models import ApiToken, Role
from feedback.auth.services import create_api_token
from feedback.extensions import db
from feedback.mailer.services import queue_email
from feedback.notices.services import NoticeDraft, save_notice
from tests.conftest import T0

from ..factories import ALLOWED, PUBLIC, rule_url, sign_in

# Blueprints whose pages show one user's own records: another user gets 404 on them.
OWN_RECORDS = {"surveys", "demo_inbox", "tokens"}


def _routes():
    app = create_app(TestingConfig)
    routes = []
    for rule in app.url_map.iter_rules():
        blueprint = rule.endpoint.rsplit(".", 1)[0] if "." in rule.endpoint else None
        if blueprint in PUBLIC:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            routes.append(pytest.param(rule, method, blueprint, id=f"{method} {rule.rule}"))
    return routes


def test_every_blueprint_has_an_access_rule():
    app = create_app(TestingConfig)
    blueprints = set(app.blueprints)
    assert blueprints <= set(ALLOWED) | PUBLIC, "add the new blueprint to ALLOWED"


@pytest.mark.parametrize("rule, method, blueprint", _routes())
def test_route_access(app, make, rule, method, blueprint, monkeypatch):
    monkeypatch.setitem(app.config, "DEMO_INBOX", True)  # off outside development: 404 for all
    owner, other = make.customer(), make.customer()
    fb = make.rating(owner, csat=1, now=T0)
    notice = save_notice(None, None, NoticeDraft(kind="announcement", title="News", starts_at=T0), T0)
    mail = queue_email(owner, "notices/published", "News", context={"notice": notice}, now=T0)
    create_api_token(owner, "Hosting panel")
    db.session.commit()
    ids = {
        "feedback_id": fb.id,
        "followup_id": fb.followup.id,
        "notice_id": notice.id,
        "customer_id": owner.id,
        "message_id": mail.id,
        "token_id": db.session.scalar(db.select(ApiToken.id).where(ApiToken.user_id == owner.id)),
    }
    url = rule_url(rule, ids)
    users = {
        Role.CUSTOMER: owner,
        Role.STAFF: make.staff(),
        Role.MANAGER: make.manager(),
    }

    anonymous = app.test_client().open(url, method=method)
    assert anonymous.status_code == 302, url
    assert anonymous.headers["Location"].startswith("/login?next="), url

    for role, user in users.items():
        client = app.test_client()
        sign_in(client, user)
        response = client.open(url, method=method)
        if role in ALLOWED[blueprint]:
            assert response.status_code not in (401, 403, 500), (role, url, response.status_code)
            if method == "GET" and not rule.arguments:
                assert response.status_code == 200, (role, url)
        else:
            assert response.status_code == 403, (role, url, response.status_code)

    if blueprint in OWN_RECORDS and rule.arguments:
        # Another customer gets 404, not 403: we do not confirm the case (or the mail) exists.
        client = app.test_client()
        sign_in(client, other)
        assert client.open(url, method=method).status_code == 404, url
