"""The one-round-trip fixed window (feedback/core/limit_strategy.py) on a real Redis: it counts
exactly as Flask-Limiter's fixed window, and the headers' window needs no further command."""

import os
import socket
import uuid

import pytest
from limits import parse
from limits.storage import RedisStorage, storage_from_string
from limits.strategies import FixedWindowRateLimiter

from feedback.core.limit_strategy import OneTripFixedWindow
from tests.factories import unavailable

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def storage():
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        unavailable("Redis is not answering on 127.0.0.1:6379", "KONTENTO_REQUIRE_REDIS")
    store = storage_from_string(REDIS_URL, key_prefix=f"kt-test-{uuid.uuid4().hex}")
    yield store
    store.reset()


def test_counts_as_the_fixed_window_and_answers_the_headers_from_its_hit(app, storage, monkeypatch):
    item, keys = parse("3 per minute"), ("api-token:abc", "api-v1")
    plain, one_trip = FixedWindowRateLimiter(storage), OneTripFixedWindow(storage)
    with app.test_request_context():
        assert plain.hit(item, *keys)  # the windows are the same keys: both count together
        assert one_trip.hit(item, *keys)
        with monkeypatch.context() as patched:  # the window comes from the hit: no GET, no TTL

            def no_command(*args, **kwargs):
                raise AssertionError("a Redis round trip after the hit")

            patched.setattr(RedisStorage, "get", no_command)
            patched.setattr(RedisStorage, "get_expiry", no_command)
            stats = one_trip.get_window_stats(item, *keys)
        expected = plain.get_window_stats(item, *keys)  # GET and TTL, as Flask-Limiter reads it
        assert stats.remaining == expected.remaining == 1
        assert abs(stats.reset_time - expected.reset_time) <= 1  # TTL is in whole seconds
        assert one_trip.hit(item, *keys)
        assert not one_trip.hit(item, *keys)  # the fourth of three is refused
        refused = one_trip.get_window_stats(item, *keys)
        assert refused.remaining == 0
        assert not plain.hit(item, *keys)
    with app.test_request_context():  # another request: nothing remembered, the storage is asked
        assert one_trip.get_window_stats(item, *keys).remaining == 0
