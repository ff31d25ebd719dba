"""Imports run by the worker: streamed, all or nothing, every rejected line listed, progress shown."""

import tracemalloc
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select, update

from feedback.auth.models import Plan
from feedback.extensions import db
from feedback.lifecycle.imports import STALE_AFTER, import_subscriptions, run_queued
from feedback.lifecycle.models import (
    EventKind,
    ImportRejection,
    ImportStatus,
    Subscription,
    SubscriptionEvent,
    SubscriptionImport,
)
from feedback.lifecycle.services import record_event

from ..factories import HEADER, T0, csv_bytes, history, multipart_upload


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def services(customers, n: int) -> list[str]:
    """``n`` rows: started/renewed/upgraded/cancelled for n // 4 services."""
    rows = []
    for i in range(n // 4):
        email = customers[i % len(customers)].email
        rows += [
            f"{email},S{i},Shared Hosting,started,2024-01-0{1 + i % 9},9.90,Monthly",
            f"{email},S{i},Shared Hosting,renewed,2024-02-0{1 + i % 9},9.90,Monthly",
            f"{email},S{i},VPS,upgraded,2024-03-0{1 + i % 9},39.00,Monthly",
            f"{email},S{i},VPS,cancelled,2024-04-0{1 + i % 9},,Monthly",
        ]
    return rows


def upload(client, data: bytes, name: str = "billing.csv"):
    return client.post("/imports/", **multipart_upload(data, name))


def test_a_bad_line_at_the_end_of_a_large_file_imports_nothing(client, auth, make):
    customers = [make.customer() for _ in range(20)]
    rows = services(customers, 20_000)
    rows.append(f"{customers[0].email},S1,VPS,renewed,2024-13-01,,Monthly")  # line 20 002
    auth.login(make.manager())
    response = upload(client, csv_bytes(*rows))
    assert response.status_code == 303
    run_queued(T0)
    record = db.session.scalar(select(SubscriptionImport))
    assert (record.status, record.rows, record.rejected_lines) == (ImportStatus.REJECTED, 20_001, 1)
    assert count(SubscriptionEvent) == count(Subscription) == 0
    page = client.get(response.headers["Location"])
    assert page.status_code == 422
    assert "<td>20002</td>" in page.get_data(as_text=True) and "bad date" in page.get_data(as_text=True)
    # The upload and the staged rows are gone; the rejected lines stay for the page.
    assert count(ImportRejection) == 1
    assert (
        db.session.scalar(select(func.count()).select_from(db.metadata.tables["subscription_import_rows"]))
        == 0
    )
    assert (
        db.session.scalar(select(func.count()).select_from(db.metadata.tables["subscription_import_chunks"]))
        == 0
    )


def test_the_same_file_without_the_bad_line_imports_every_row(make):
    customers = [make.customer() for _ in range(20)]
    result = import_subscriptions(csv_bytes(*services(customers, 20_000)), T0)
    assert (result.applied, result.new_events, result.subscriptions_created) == (True, 20_000, 5_000)
    assert count(SubscriptionEvent) == 20_000


def test_every_rejected_line_is_listed_page_by_page(client, auth, make):
    ada = make.customer()
    rows = [f"{ada.email},{n},VPS,started,2025-02-30,9.90,Monthly" for n in range(450)]  # no Feb 30th
    auth.login(make.manager())
    location = upload(client, csv_bytes(*rows)).headers["Location"]
    run_queued(T0)
    first, last = client.get(location), client.get(location + "?page=3")
    assert first.status_code == last.status_code == 422
    assert "<td>2</td>" in first.get_data(as_text=True) and "<td>451</td>" in last.get_data(as_text=True)
    assert "450 of 450 lines were rejected" in first.get_data(as_text=True)


def test_a_nul_byte_in_a_cell_is_a_clear_rejection(make):
    ada = make.customer()
    rows = history(ada.email)
    rows[1] = rows[1].replace("Shared Hosting Starter", "Shared\0Hosting")
    result = import_subscriptions(csv_bytes(*rows), T0)
    assert result.rejected[0] == (3, "the line contains a NUL byte (character 0)")
    assert count(SubscriptionEvent) == 0


def test_a_nul_byte_in_the_file_name_is_dropped(client, auth, make):
    ada = make.customer()
    auth.login(make.manager())
    response = upload(client, csv_bytes(*history(ada.email)), name="whmcs\0\x1b.csv")
    assert response.status_code == 303
    assert db.session.scalar(select(SubscriptionImport.filename)) == "whmcs.csv"


def test_a_header_naming_a_column_twice_is_refused_at_upload(client, auth, make):
    ada = make.customer()
    auth.login(make.manager())
    data = csv_bytes(*[r + ",x" for r in history(ada.email)], header=HEADER + ",Date")
    response = upload(client, data)
    assert response.status_code == 422
    assert "names the column(s) date more than once" in response.get_data(as_text=True)
    assert count(SubscriptionImport) == 0
    assert import_subscriptions(data, T0).rejected == [
        (1, "The header line names the column(s) date more than once.")
    ]


def test_lines_of_only_commas_are_skipped_and_counted(make):
    ada = make.customer()
    rows = history(ada.email)
    rows[1:1] = [",,,,,,"] * 1000
    record_id = import_subscriptions(csv_bytes(*rows), T0) and db.session.scalar(
        select(SubscriptionImport.id)
    )
    record = db.session.get(SubscriptionImport, record_id)
    assert (record.status, record.rows, record.blank_lines, record.new_events) == (
        ImportStatus.DONE,
        3,
        1000,
        3,
    )


def test_the_page_shows_the_progress_while_the_worker_runs(client, auth, make, monkeypatch):
    customers = [make.customer() for _ in range(5)]
    monkeypatch.setattr("feedback.lifecycle.staging.BATCH", 500)  # several batches in a small file
    auth.login(make.manager())
    location = upload(client, csv_bytes(*services(customers, 4_000))).headers["Location"]
    seen = []

    def look(stage, done, total):  # what the page's script would get, at each step of the worker
        seen.append(client.get(location + "/progress").get_json())

    assert client.get(location + "/progress").get_json()["status"] == "queued"
    run_queued(T0, progress=look)
    running = [s for s in seen if s["status"] == "running"]
    assert {s["stage"] for s in running} >= {"reading", "checking"}
    percents = [s["percent"] for s in running]
    assert percents == sorted(percents) and len(set(percents)) > 5
    assert any("Checking the histories" in s["message"] and "of 4,000 rows" in s["message"] for s in running)
    final = client.get(location + "/progress").get_json()
    assert (final["status"], final["finished"], final["percent"]) == ("done", True, 100)


def test_the_command_line_prints_progress_when_asked(runner, make, tmp_path):
    ada = make.customer()
    path = tmp_path / "services.csv"
    path.write_bytes(csv_bytes(*history(ada.email)))
    quiet = runner.invoke(args=["import", "subscriptions", str(path)])
    assert quiet.exit_code == 0 and quiet.stderr == ""
    loud = runner.invoke(args=["import", "subscriptions", "--progress", str(path)])
    assert loud.exit_code == 0, loud.output
    for stage in ("reading", "checking", "saving"):
        assert f"{stage}: " in loud.stderr
    assert "saving: 3 of 3 rows (100%)" in loud.stderr
    assert "0 new event(s), 3 already imported" in loud.stdout


def test_memory_does_not_grow_with_the_number_of_rows(make, monkeypatch):
    monkeypatch.setattr("feedback.lifecycle.staging.BATCH", 500)  # small batches: small files show it
    monkeypatch.setattr("feedback.lifecycle.histories.ROWS", 1000)
    customers = [make.customer() for _ in range(20)]
    import_subscriptions(csv_bytes(*services(customers, 400)), T0)  # warm the caches

    def peak(rows: list[str]) -> int:
        data = csv_bytes(*rows)
        tracemalloc.start()
        import_subscriptions(data, T0)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        db.session.execute(db.delete(SubscriptionEvent))
        db.session.execute(db.delete(Subscription))
        return peak

    small, large = peak(services(customers, 2_000)), peak(services(customers, 12_000))
    assert large < 1.5 * small, (small, large)


def test_an_event_another_writer_records_before_the_save_is_seen(make):
    ada = make.customer()

    def someone_else_writes(stage, done, total):
        if stage == "saving" and done == 0:  # the file was read and staged; nothing saved yet
            day = T0.date() - timedelta(days=900)
            record_event(
                ada, "1001", EventKind.STARTED, day, Plan.SHARED, Decimal("9.90"), source_key="x", now=T0
            )
            db.session.commit()

    rows = history(ada.email)
    result = import_subscriptions(csv_bytes(*rows), T0, someone_else_writes)
    assert not result.applied
    assert "already started" in result.rejected[0][1]
    assert count(SubscriptionEvent) == 1  # only the other writer's


def test_an_import_whose_worker_died_is_run_again(make, client, auth):
    ada = make.customer()
    auth.login(make.manager())
    location = upload(client, csv_bytes(*history(ada.email))).headers["Location"]
    record = db.session.scalar(select(SubscriptionImport))
    # A worker claimed it and was killed: its claim stays, its heartbeat stops.
    db.session.execute(
        update(SubscriptionImport).values(
            status=ImportStatus.RUNNING, claim="dead-worker", attempts=1, heartbeat_at=T0 - STALE_AFTER
        )
    )
    db.session.commit()
    assert run_queued(T0 - STALE_AFTER / 2) == 0  # not silent long enough yet: it may still be working
    assert run_queued(T0 + timedelta(seconds=1)) == 1
    db.session.refresh(record)
    assert (record.status, record.attempts, record.new_events) == (ImportStatus.DONE, 2, 3)
    assert b"3 new events" in client.get(location).data


def test_an_import_claimed_by_a_worker_that_died_at_once_is_run_again(make, client, auth, monkeypatch):
    ada = make.customer()
    auth.login(make.manager())
    upload(client, csv_bytes(*history(ada.email)))

    def killed(*args, **kwargs):  # the worker is gone right after it claimed the import
        raise SystemExit

    monkeypatch.setattr("feedback.lifecycle.imports.run_import", killed)
    with pytest.raises(SystemExit):
        run_queued(T0)
    monkeypatch.undo()
    record = db.session.scalar(select(SubscriptionImport))
    assert record.status == ImportStatus.RUNNING
    assert run_queued(T0 + STALE_AFTER + timedelta(seconds=1)) == 1
    db.session.refresh(record)
    assert (record.status, record.new_events) == (ImportStatus.DONE, 3)


def test_a_crash_fails_the_import_and_writes_nothing(make, monkeypatch, client, auth):
    ada = make.customer()
    auth.login(make.manager())

    def crash(customers):
        raise ZeroDivisionError

    monkeypatch.setattr("feedback.lifecycle.imports.sync_customers", crash)  # after the events were written
    location = upload(client, csv_bytes(*history(ada.email))).headers["Location"]
    run_queued(T0)
    record = db.session.scalar(select(SubscriptionImport))
    assert (record.status, record.error) == (ImportStatus.FAILED, "ZeroDivisionError")
    assert count(SubscriptionEvent) == 0
    page = client.get(location)
    assert page.status_code == 200 and b"The import failed" in page.data


@pytest.mark.real_commits
def test_on_postgresql_the_page_counts_the_saved_rows_too(app, make, monkeypatch):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite takes one writer at a time, so the saving cannot report aside")
    monkeypatch.setattr("feedback.lifecycle.histories.ROWS", 1000)
    customers = [make.customer() for _ in range(3)]
    seen = []

    def look(stage, done, total):
        if stage == "saving":
            with db.engine.connect() as web:  # what the page reads, while the saving transaction is open
                seen.append(
                    tuple(web.execute(select(SubscriptionImport.stage, SubscriptionImport.done)).one())
                )

    assert import_subscriptions(csv_bytes(*services(customers, 4_000)), T0, look).applied
    assert {stage for stage, _done in seen} == {"saving"}
    counts = sorted({done for _stage, done in seen})
    assert counts[0] == 0 and counts[-1] == 4_000 and len(counts) >= 5  # a page of ~1,000 rows at a time
    assert count(SubscriptionEvent) == 4_000
