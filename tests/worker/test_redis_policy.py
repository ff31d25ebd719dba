"""The worker warns at start when Redis could evict queued tasks."""

import logging

import pytest
import redis

from feedback.worker.celery_app import warn_if_redis_evicts


@pytest.fixture
def policy(redis_url):
    """The Redis server's eviction policy, put back as it was after the test."""
    client = redis.Redis.from_url(redis_url)
    before = client.config_get("maxmemory-policy")["maxmemory-policy"]
    yield client
    client.config_set("maxmemory-policy", before)


def test_an_evicting_policy_is_reported_and_noeviction_is_not(policy, redis_url, caplog, monkeypatch):
    # Alembic's fileConfig (run by an earlier migration) disables loggers created before it.
    monkeypatch.setattr(logging.getLogger("feedback.worker.celery_app"), "disabled", False)
    url = redis_url
    policy.config_set("maxmemory-policy", "allkeys-lru")
    with caplog.at_level(logging.WARNING, logger="feedback.worker.celery_app"):
        assert warn_if_redis_evicts(url) == "allkeys-lru"
    assert "Set it to noeviction" in caplog.text
    caplog.clear()
    policy.config_set("maxmemory-policy", "noeviction")
    with caplog.at_level(logging.WARNING, logger="feedback.worker.celery_app"):
        assert warn_if_redis_evicts(url) == "noeviction"
    assert caplog.text == ""
