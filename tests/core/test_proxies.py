"""Behind ``TRUSTED_PROXIES`` reverse proxies, rate limits count each client, not the proxy;
without it, a forwarded address a client writes itself changes nothing."""

import pytest
from flask import request

from feedback import create_app
from feedback.extensions import db
from tests.conftest import make_config

PROXY = "10.0.0.2"  # nginx on another address; every request reaches the app from it


@pytest.fixture
def proxied_app(app, database_url):
    """A second app on the same database, told that one proxy stands in front of it."""
    behind = create_app(make_config(database_url, TRUSTED_PROXIES=1))
    yield behind
    with behind.app_context():
        db.session.remove()
        db.engine.dispose()


def _failed_login(client, email: str, client_address: str) -> int:
    response = client.post(
        "/login",
        data={"email": email, "password": "wrong password"},
        headers={"X-Forwarded-For": client_address, "X-Forwarded-Proto": "https"},
        environ_base={"REMOTE_ADDR": PROXY},
    )
    return response.status_code


def test_behind_a_proxy_each_client_has_its_own_login_limit(proxied_app, make):
    email = make.customer().email
    client = proxied_app.test_client()
    limit = int(proxied_app.config["LOGIN_EMAIL_ADDRESS_RATE_LIMIT"].split()[0])
    tries = [_failed_login(client, email, "203.0.113.7") for _ in range(limit + 1)]
    assert tries == [401] * limit + [429]
    # Another customer behind the same proxy is not locked out by the first one's mistakes.
    assert _failed_login(client, email, "198.51.100.23") == 401


def test_without_trusted_proxies_a_forged_forwarded_address_changes_nothing(app, client, make):
    assert app.config["TRUSTED_PROXIES"] == 0
    email = make.customer().email
    limit = int(app.config["LOGIN_EMAIL_ADDRESS_RATE_LIMIT"].split()[0])
    tries = [_failed_login(client, email, f"203.0.113.{n}") for n in range(limit + 1)]
    assert tries == [401] * limit + [429]  # a new made-up address per try does not reset the count


def test_the_forwarded_scheme_and_address_count_only_behind_a_trusted_proxy(app, proxied_app):
    for each, seen in ((proxied_app, ("https", "203.0.113.7")), (app, ("http", PROXY))):
        with each.test_client() as client:  # keeps the last request's context open to look at
            client.get(
                "/healthz",
                headers={"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"},
                environ_base={"REMOTE_ADDR": PROXY},
            )
            assert (request.scheme, request.remote_addr) == seen
