"""Without a pool pre-ping (config.py), a database that dropped every connection (a restart)
costs at most one failed request: the disconnect invalidates the whole pool, the next request
connects afresh. Not lasting errors."""

import uuid

import pytest
from sqlalchemy import create_engine, text

from feedback import create_app
from feedback.extensions import db
from tests.conftest import make_config

pytestmark = pytest.mark.real_commits


def test_connections_dropped_by_the_database_cost_at_most_one_failed_request(app, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("needs PostgreSQL: the server ends the connections")
    name = f"kt-restart-{uuid.uuid4().hex[:12]}"
    instance = create_app(
        make_config(
            database_url,
            SQLALCHEMY_ENGINE_OPTIONS={"pool_recycle": 1800, "connect_args": {"application_name": name}},
        )
    )
    client = instance.test_client()
    for _ in range(3):  # the pool keeps a connection or two
        assert client.get("/healthz").status_code == 200
    killer = create_engine(database_url)
    with killer.begin() as conn:
        ended = conn.execute(
            text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = :n"),
            {"n": name},
        ).scalar()
    killer.dispose()
    assert ended >= 1
    codes = [client.get("/healthz").status_code for _ in range(5)]
    assert codes.count(503) <= 1  # the request that met the dead connection, if any
    assert codes[-4:] == [200] * 4
    with instance.app_context():
        db.engine.dispose()
