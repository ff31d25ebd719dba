"""The ``import subscriptions`` command and the managers' upload page."""

import io
import re

from sqlalchemy import func, select

from feedback.auth.models import Plan
from feedback.extensions import db
from feedback.lifecycle.imports import run_queued
from feedback.lifecycle.models import SubscriptionEvent

from ..factories import T0, csv_bytes, history


def events() -> int:
    return db.session.scalar(select(func.count()).select_from(SubscriptionEvent))


def test_cli_imports_and_a_second_run_changes_nothing(runner, make, tmp_path):
    ada = make.customer()
    path = tmp_path / "services.csv"
    path.write_bytes(csv_bytes(*history(ada.email)))
    result = runner.invoke(args=["import", "subscriptions", str(path)])
    assert result.exit_code == 0, result.output
    assert "3 new event(s), 0 already imported, 1 new subscription(s)" in result.stdout
    assert events() == 3 and ada.account.plan == Plan.VPS
    again = runner.invoke(args=["import", "subscriptions", str(path)])
    assert "0 new event(s), 3 already imported" in again.stdout


def test_cli_lists_rejected_lines_exits_1_and_imports_nothing(runner, make, tmp_path):
    ada = make.customer()
    rows = history(ada.email)
    rows[1] = rows[1].replace("2025-03-01", "2025-13-01")
    path = tmp_path / "services.csv"
    path.write_bytes(csv_bytes(*rows))
    result = runner.invoke(args=["import", "subscriptions", str(path)])
    assert result.exit_code == 1
    assert "line 3: bad date '2025-13-01'" in result.stderr
    assert "nothing was imported" in result.stderr
    assert events() == 0


def _upload(client, data: bytes, name: str = "whmcs.csv"):
    return client.post(
        "/imports/", data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data"
    )


def _run_worker() -> int:
    """What the worker does after the upload's commit (WORKER_MODE is off in tests)."""
    return run_queued(T0)


def test_manager_uploads_a_file_and_the_worker_imports_it(client, auth, make):
    ada = make.customer()
    auth.login(make.manager())
    page = client.get("/imports/")
    assert b"Import subscriptions" in page.data and b'type="file"' in page.data
    response = _upload(client, csv_bytes(*history(ada.email)))
    assert response.status_code == 303
    status = client.get(response.headers["Location"])
    assert status.status_code == 200 and b"Waiting for the worker" in status.data
    assert events() == 0
    assert _run_worker() == 1
    done = client.get(response.headers["Location"])
    assert done.status_code == 200
    assert b"3 new events" in done.data
    assert events() == 3
    assert b"whmcs.csv" in client.get("/imports/").data  # the list of imports


def test_upload_larger_than_the_api_limit_is_accepted(client, auth, make):
    ada = make.customer()
    auth.login(make.manager())
    rows = history(ada.email) + [f"{ada.email},1001,VPS,renewed,2026-0{m}-01,," for m in (1, 2, 3)] * 700
    data = csv_bytes(*rows)
    assert len(data) > 64 * 1024
    response = _upload(client, data)
    assert response.status_code == 303
    _run_worker()
    assert b"new events" in client.get(response.headers["Location"]).data


def test_upload_with_bad_lines_lists_them_and_answers_422(client, auth, make):
    ada = make.customer()
    auth.login(make.manager())
    rows = history(ada.email) + ["someone@else.test,9,VPS,started,2025-01-01,1.00,Monthly"]
    response = _upload(client, csv_bytes(*rows))
    _run_worker()
    page = client.get(response.headers["Location"])
    assert page.status_code == 422
    text = page.get_data(as_text=True)
    assert "Nothing was imported" in text
    assert "<td>5</td>" in text and "someone@else.test" in text
    assert events() == 0


def test_upload_without_a_file_asks_for_one(client, auth, make):
    auth.login(make.manager())
    response = client.post("/imports/", data={})
    assert response.status_code == 422
    assert b"Choose a CSV file" in response.data


def test_with_csrf_on_a_large_upload_needs_and_passes_the_token(app, client, auth, make, monkeypatch):
    ada = make.customer()
    auth.login(make.manager())
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    rows = history(ada.email) + [f"{ada.email},1001,VPS,renewed,2026-01-01,,"] * 2000
    data = csv_bytes(*rows)
    assert len(data) > 64 * 1024  # the CSRF check parses this body: the larger limit must be set first
    assert _upload(client, data).status_code == 400
    page = client.get("/imports/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post(
        "/imports/",
        data={"csrf_token": token, "file": (io.BytesIO(data), "big.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    _run_worker()
    assert events() == 4


def test_only_a_manager_may_send_a_large_upload(client, auth, make):
    auth.login(make.customer())
    big = "x" * (70 * 1024)  # over the app-wide 64 KiB, under the managers' import limit
    response = client.post("/imports/", data={"file": (io.BytesIO(big.encode()), "a.csv")})
    assert response.status_code == 413
