"""Shared fixtures: a migrated database (SQLite by default, PostgreSQL with DATABASE_URL),
the app, clients, an ``auth`` helper and factories.
"""

import os
import threading
from contextlib import contextmanager

import pytest
from flask import g
from flask_migrate import upgrade
from flask_sqlalchemy.session import Session
from sqlalchemy import create_engine, text

from config import TestingConfig
from feedback import create_app
from feedback.extensions import db, limiter
from feedback.followups.defaults import install_defaults

from .factories import T0 as T0  # re-exported: many tests take T0 from here
from .factories import Factory, sign_in
from .mail_server import SmtpSink


def _database_url(tmp_path_factory) -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        return url.replace("postgresql://", "postgresql+psycopg://", 1) if "+psycopg" not in url else url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"


def _fresh_schema(url: str) -> None:
    """Start PostgreSQL from an empty public schema so migrations run from scratch."""
    if not url.startswith("postgresql"):
        return
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def make_config(url: str, **extra):
    """A TestingConfig subclass pointing at ``url``."""
    return type("TestConfig", (TestingConfig,), {"SQLALCHEMY_DATABASE_URI": url, **extra})


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    url = _database_url(tmp_path_factory)
    _fresh_schema(url)
    app = create_app(make_config(url))
    with app.app_context():
        upgrade()  # the committed migrations build the schema, as in production
        db.engine.dispose()
    return url


@pytest.fixture(scope="session")
def _session_app(database_url):
    app = create_app(make_config(database_url))

    @app.teardown_request
    def _fresh_globals_per_request(exc):
        # Tests hold an app context open, and Flask reuses it for test-client requests, so
        # ``g`` (where Flask-Login and Flask-Babel cache the user and locale) would leak from
        # one request into the next. In production every request gets a fresh context.
        for key in list(vars(g)):
            delattr(g, key)

    with app.app_context():
        clear_database()  # the state every test starts from, committed once
        db.session.remove()
    yield app
    with app.app_context():
        db.engine.dispose()


def clear_database() -> None:
    """Empty every table (children first) and put the default settings back."""
    db.session.rollback()
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.commit()
    install_defaults()
    db.session.commit()


class _OneConnectionSession(Session):
    """A session that runs every statement for the test database on the test's connection.

    Flask-SQLAlchemy's ``get_bind`` always answers with the app's engine, which would take a
    fresh pooled connection outside the test's transaction. A second app on the same
    database (the CSRF-enforcing one some tests build) shares the connection too; an app on
    another database keeps its own engine.
    """

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        if bind is None and self.bind is not None and self._db.engine.url == self.bind.engine.url:
            if threading.get_ident() != self.info["test_thread"]:
                # One DB-API connection must not serve two threads, and another connection
                # would not see the test's uncommitted rows.
                raise RuntimeError("a test that uses the database from another thread needs real_commits")
            return self.bind
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)


@contextmanager
def _rolled_back_session():
    """Run the test inside one transaction that is rolled back at the end.

    SQLAlchemy's recipe for joining a session into an external transaction: the session
    works on savepoints (``join_transaction_mode="create_savepoint"``), so the code's own
    ``commit()`` and ``rollback()`` keep their meaning, and nothing ever reaches the database.
    """
    connection = db.engine.connect()
    driver = connection.connection.driver_connection
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # pysqlite's legacy transaction control does not BEGIN before a SAVEPOINT, so a
        # released savepoint would be committed for good. SQLAlchemy's documented recipe:
        # turn the driver's handling off and emit BEGIN ourselves (on this connection only,
        # so tests that commit for real keep the driver's usual locking).
        saved_level, driver.isolation_level = driver.isolation_level, None
    outer = connection.begin()
    if sqlite:
        connection.exec_driver_sql("BEGIN")
    app_session = db.session
    db.session = db._make_scoped_session(
        {
            "class_": _OneConnectionSession,
            "bind": connection,
            "join_transaction_mode": "create_savepoint",
            "info": {"test_thread": threading.get_ident()},
        }
    )
    try:
        yield
    finally:
        db.session.remove()
        db.session = app_session
        # If something ended the outer transaction early, what the test wrote after that is
        # in the database for good: fail the test rather than let the rows leak silently.
        still_open = outer.is_active
        outer.rollback()
        if sqlite:
            driver.isolation_level = saved_level
        connection.close()
        assert still_open, "the test's outer transaction ended early; its rows may have leaked"


@pytest.fixture
def app(request, _session_app):
    """The app, in an app context, on a database in its default state.

    Each test runs in a transaction that is rolled back afterwards. Tests marked
    ``real_commits`` (other processes or threads must see their rows) commit for real, and
    the database is emptied and given its defaults back after them.
    """
    with _session_app.app_context():
        limiter.reset()
        if request.node.get_closest_marker("real_commits"):
            try:
                yield _session_app
            finally:
                db.session.remove()
                clear_database()
                db.session.remove()
        else:
            with _rolled_back_session():
                yield _session_app


@pytest.fixture
def csrf_app(app, database_url):
    """A second app on the same database, with CSRF enforced as in production."""
    protected = create_app(make_config(database_url, WTF_CSRF_ENABLED=True))
    yield protected
    with protected.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make(app):
    """Factories for users, feedback and follow-ups."""
    return Factory()


class AuthActions:
    """Sign in and out through the real login form (and its second step, for a user with
    two-factor sign-in: the code their app would show)."""

    def __init__(self, client):
        self._client = client

    def login(self, user_or_email, password: str = "password123"):
        return sign_in(self._client, user_or_email, password)

    def logout(self):
        return self._client.post("/logout")


@pytest.fixture
def auth(client):
    return AuthActions(client)


_TEST_SMTP_PORTS: set[int] = set()


@pytest.fixture(autouse=True)
def _no_mail_outside_the_test_server(monkeypatch):
    """Fail any test that would talk SMTP to anything but a test server it started."""
    import smtplib

    real_connect = smtplib.SMTP.connect

    def guarded(self, host="localhost", port=0, source_address=None):
        if host != "127.0.0.1" or int(port) not in _TEST_SMTP_PORTS:
            raise AssertionError(f"a test tried to send mail to {host}:{port}, not the test SMTP server")
        return real_connect(self, host, port, source_address)

    monkeypatch.setattr(smtplib.SMTP, "connect", guarded)


@pytest.fixture
def smtp(app):
    """A real SMTP server on 127.0.0.1 that the app sends to; ``smtp.messages`` is what arrived."""
    sink = SmtpSink().start()
    _TEST_SMTP_PORTS.add(sink.port)
    old = app.config["MAIL_PORT"], app.extensions["mail"].port
    app.config["MAIL_PORT"] = sink.port
    app.extensions["mail"].port = sink.port  # Flask-Mail copies its settings at init
    yield sink
    sink.stop()
    _TEST_SMTP_PORTS.discard(sink.port)
    app.config["MAIL_PORT"], app.extensions["mail"].port = old


@pytest.fixture(scope="session")
def _oidc_provider():
    from .oidc_provider import Provider

    provider = Provider().start()
    yield provider
    provider.stop()


@pytest.fixture
def oidc(app, _oidc_provider, monkeypatch):
    """A real OpenID provider (tests/oidc_provider.py) on loopback, configured as the app's billing
    panel for this test; its switches and accounts are reset after."""
    from .oidc_provider import CLIENT_ID, CLIENT_SECRET

    _oidc_provider.reset()
    for key, value in {
        "OIDC_ISSUER": _oidc_provider.issuer,
        "OIDC_CLIENT_ID": CLIENT_ID,
        "OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "OIDC_NAME": "Demo Billing",
    }.items():
        monkeypatch.setitem(app.config, key, value)
    # A client of its own: discovery and keys are fetched afresh, so switches that change them apply.
    monkeypatch.setitem(app.extensions, "kontento.oidc", {})
    yield _oidc_provider
    _oidc_provider.reset()
