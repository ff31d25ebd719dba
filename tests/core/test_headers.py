"""Security headers on every answer (feedback/core/headers.py): the Content-Security-Policy,
framing, sniffing and referrer rules everywhere; HTTPS forced and HSTS only in production;
``no-store`` on what belongs to one signed-in person, static files still cacheable."""

import pytest

from feedback import create_app
from feedback.extensions import db
from tests.factories import ApiClient, token_for

HTTPS = "https://kontento.test"


def _policy(response) -> dict[str, str]:
    """The Content-Security-Policy header as {directive: sources}."""
    header = response.headers["Content-Security-Policy"]
    return {part.split()[0]: " ".join(part.split()[1:]) for part in header.split(";") if part.strip()}


def _assert_hardened(response):
    policy = _policy(response)
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert "unsafe-eval" not in response.headers["Content-Security-Policy"]
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'"  # no inline script, no other host
    assert policy["style-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'" and response.headers["X-Frame-Options"] == "DENY"
    assert policy["object-src"] == "'none'"
    assert policy["base-uri"] == "'self'" and policy["form-action"] == "'self'"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "Content-Security-Policy-Report-Only" not in response.headers  # enforced


def test_pages_api_answers_errors_and_static_files_all_carry_the_headers(client, make):
    api = ApiClient(client, token_for(make.customer()))
    for response in (
        client.get("/login"),
        client.get("/no-such-page"),
        api.get("/feedback"),
        client.get("/api/v1/openapi.json"),
        client.get("/static/js/charts.js"),
        client.get("/healthz"),
    ):
        _assert_hardened(response)
        response.close()  # a static file is streamed from disk


def test_outside_production_there_is_no_https_redirect_or_hsts(client):
    assert client.get("/login").status_code == 200  # plain HTTP, as `make run` serves it
    assert "Strict-Transport-Security" not in client.get("/login", base_url=HTTPS).headers


@pytest.fixture
def production_app(app, database_url, monkeypatch):
    """The app as FLASK_CONFIG=production builds it, on the test database."""
    monkeypatch.setenv("FLASK_CONFIG", "production")
    monkeypatch.setenv("SECRET_KEY", "test-only-secret")
    production = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "WORKER_MODE": "off"})
    yield production
    with production.app_context():
        db.session.remove()
        db.engine.dispose()


def test_production_sends_plain_http_to_https_and_pins_it_with_hsts(production_app, client):
    browser = production_app.test_client()
    redirected = browser.get("/login?next=/dashboard")
    assert redirected.status_code == 302
    assert redirected.headers["Location"] == "https://localhost/login?next=/dashboard"
    secure = browser.get("/login", base_url=HTTPS)
    assert secure.status_code == 200
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=31556926")
    assert "Secure" in secure.headers["Set-Cookie"]
    _assert_hardened(secure)
    # Behind the TLS proxy: the forwarded scheme counts, no redirect loop, HSTS sent.
    proxied = browser.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert proxied.status_code == 200 and "Strict-Transport-Security" in proxied.headers
    # Load balancers probe the app itself over plain HTTP.
    probe = browser.get("/healthz")
    assert probe.status_code == 200 and "Strict-Transport-Security" not in probe.headers
    # The app the rest of the suite uses is unchanged by a production app beside it.
    assert client.get("/login").status_code == 200


def test_what_belongs_to_a_signed_in_person_is_never_stored(client, auth, make):
    assert "no-store" not in client.get("/login").headers.get("Cache-Control", "")
    customer = make.customer()
    auth.login(customer)
    for path in ("/dashboard", "/preferences", "/ideas/", "/no-such-page"):
        assert client.get(path).headers["Cache-Control"] == "no-store", path
    api = ApiClient(client, token_for(customer))
    assert api.get("/feedback").headers["Cache-Control"] == "no-store"
    assert api.get("/feedback/999999").headers["Cache-Control"] == "no-store"  # errors too
    # Static files stay cacheable (revalidated by ETag), signed in or not.
    static = client.get("/static/css/app.css")
    assert static.status_code == 200 and "no-store" not in static.headers.get("Cache-Control", "")
    assert static.headers["ETag"]
    static.close()
