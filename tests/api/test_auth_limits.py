"""Failed API authentications are limited per address before any token is looked up."""

import secrets
from contextlib import contextmanager

from sqlalchemy import event

from feedback.core import cache
from feedback.extensions import db

from ..factories import ApiClient, error_of

ATTACKER, INTEGRATION = "203.0.113.66", "198.51.100.5"


@contextmanager
def _token_lookups():
    """Count the statements that read the api_tokens table while the block runs."""
    lookups = []

    def counted(conn, cursor, statement, *args):
        if "FROM api_tokens" in statement:
            lookups.append(statement)

    event.listen(db.engine, "before_cursor_execute", counted)
    try:
        yield lookups
    finally:
        event.remove(db.engine, "before_cursor_execute", counted)


def _get(client, token: str | None, address: str):
    return ApiClient(client, token).get("/announcements", environ_base={"REMOTE_ADDR": address})


def test_random_tokens_get_429_long_before_300_lookups(app, client, people):
    with _token_lookups() as lookups:
        codes = [_get(client, "kt_" + secrets.token_urlsafe(32), ATTACKER).status_code for _ in range(300)]
    limit = 20  # API_AUTH_FAILURE_LIMIT: 20 per minute
    assert codes == [401] * limit + [429] * (300 - limit)
    assert len(lookups) <= limit

    refused = _get(client, "kt_" + secrets.token_urlsafe(32), ATTACKER)
    assert "Retry-After" in refused.headers
    assert "failed authentications from this address" in error_of(refused)["message"]
    # Another address, with a real token, is not affected.
    assert _get(client, people.as_customer.token, INTEGRATION).status_code == 200


def test_requests_without_a_token_count_as_failures_too(app, client):
    codes = [_get(client, None, ATTACKER).status_code for _ in range(21)]
    assert codes == [401] * 20 + [429]


def test_valid_tokens_do_not_use_up_the_failure_budget(app, client, people, monkeypatch):
    monkeypatch.setitem(app.config, "API_AUTH_FAILURE_LIMIT", "3 per minute")
    assert all(_get(client, people.as_customer.token, INTEGRATION).status_code == 200 for _ in range(30))
    assert [_get(client, "kt_wrong", INTEGRATION).status_code for _ in range(4)] == [401, 401, 401, 429]


def test_the_description_stays_readable_from_a_locked_address(app, client):
    for _ in range(21):
        _get(client, "kt_wrong", ATTACKER)
    assert client.get("/api/v1/openapi.json", environ_base={"REMOTE_ADDR": ATTACKER}).status_code == 200


def test_a_token_known_good_moments_ago_skips_the_failure_check(app, client, people, monkeypatch):
    # A token this process found working within REFERENCE_CACHE_SECONDS authenticates without a
    # lookup, so the failure limit (which guards lookups) is not asked: one Redis round trip fewer
    # per request. Any other token from a locked address still gets its 429 first.
    monkeypatch.setitem(app.config, "REFERENCE_CACHE_SECONDS", 60)
    monkeypatch.setitem(app.config, "API_AUTH_FAILURE_LIMIT", "3 per minute")
    try:
        assert _get(client, people.as_customer.token, INTEGRATION).status_code == 200  # now known
        assert [_get(client, "kt_wrong", INTEGRATION).status_code for _ in range(4)] == [401, 401, 401, 429]

        assert _get(client, people.as_customer.token, INTEGRATION).status_code == 200
        assert _get(client, people.as_staff.token, INTEGRATION).status_code == 429  # not known yet
    finally:
        app.extensions.pop(cache.EXTENSION, None)
