from config import TestingConfig
from feedback import create_app


def test_config_override_and_testing_flag():
    assert not create_app().testing
    app = create_app(TestingConfig)
    assert app.testing
    assert app.config["WTF_CSRF_ENABLED"] is False


def test_healthz_answers_when_database_up(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "up"}


def test_unknown_page_is_html_404_and_api_404_is_json(client):
    assert b"could not find" in client.get("/nope").data
    response = client.get("/api/v1/nope")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
