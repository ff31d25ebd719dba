"""Calendar months: the SQL builder gives what the Python function gives, on the test database."""

from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest
from sqlalchemy import Column, Date, Integer, MetaData, Table, select, text

from feedback.core.dates import add_months, add_months_sql
from feedback.core.db import UTCDateTime
from feedback.extensions import db

OFFSETS = (-25, -13, -12, -1, 0, 1, 2, 6, 11, 12, 13, 24, 48)


def _grid_days() -> list[date]:
    """The 1st and every day from the 28th on, of every month of 2023–2025 (2024 is a leap year)."""
    days = []
    for year in (2023, 2024, 2025):
        for month in range(1, 13):
            for day in (1, 28, 29, 30, 31):
                try:
                    days.append(date(year, month, day))
                except ValueError:
                    continue
    return days


def _grid_instants() -> list[datetime]:
    """Instants at the very start and end of those days, and some given in other zones."""
    west, east = timezone(timedelta(hours=-3)), timezone(timedelta(hours=14))
    out = []
    for day in _grid_days():
        out.append(datetime.combine(day, time.min, UTC))
        out.append(datetime.combine(day, time(23, 59, 59, 999999), UTC))
        out.append(datetime.combine(day, time(22, 30), west))  # the next day in UTC
        out.append(datetime.combine(day, time(9, 15, 30, 5), east))  # the day before in UTC
    return out


@pytest.mark.parametrize(
    "day, months, expected",
    [
        (date(2025, 8, 31), 6, date(2026, 2, 28)),
        (date(2023, 8, 31), 6, date(2024, 2, 29)),  # leap year
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2024, 2, 29), 48, date(2028, 2, 29)),
        (date(2025, 3, 31), -1, date(2025, 2, 28)),
        (date(2025, 1, 31), 1, date(2025, 2, 28)),
        (date(2024, 11, 30), 3, date(2025, 2, 28)),
        (date(2025, 12, 15), 1, date(2026, 1, 15)),
        (date(2026, 1, 1), -11, date(2025, 2, 1)),
    ],
)
def test_months_are_calendar_months_clamped_to_the_month_end(day, months, expected):
    assert add_months(day, months) == expected


def test_a_datetime_keeps_its_time_and_zone():
    at = datetime(2025, 8, 31, 23, 30, tzinfo=UTC)

    assert add_months(at, 6) == datetime(2026, 2, 28, 23, 30, tzinfo=UTC)


@pytest.fixture
def grid_table(app):
    """A scratch table with a date and a UTC timestamp column, as the models store them."""
    table = Table(
        "test_months_grid",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("day", Date),
        Column("at", UTCDateTime()),
    )
    conn = db.session.connection()
    table.create(conn)
    yield table
    db.session.rollback()
    table.drop(db.session.connection(), checkfirst=True)
    db.session.commit()


def _in_a_far_zone() -> None:
    # PostgreSQL adds months to a timestamptz in the session's zone; the builder must not care.
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL TIME ZONE 'Pacific/Kiritimati'"))


def test_sql_dates_match_python(grid_table):
    days = _grid_days()
    db.session.execute(grid_table.insert(), [{"id": i, "day": d} for i, d in enumerate(days)])
    _in_a_far_zone()

    columns = [add_months_sql(grid_table.c.day, n) for n in OFFSETS]
    rows = db.session.execute(select(grid_table.c.day, *columns).order_by(grid_table.c.id)).all()

    assert len(rows) == len(days)
    for day, *results in rows:
        assert results == [add_months(day, n) for n in OFFSETS], day


def test_sql_timestamps_match_python_in_utc(grid_table):
    instants = _grid_instants()
    db.session.execute(grid_table.insert(), [{"id": i, "at": at} for i, at in enumerate(instants)])
    _in_a_far_zone()

    columns = [add_months_sql(grid_table.c.at, n) for n in OFFSETS]
    rows = db.session.execute(select(grid_table.c.id, *columns).order_by(grid_table.c.id)).all()

    assert len(rows) == len(instants)
    for i, *results in rows:
        utc = instants[i].astimezone(UTC)
        assert [r.astimezone(UTC) for r in results] == [add_months(utc, n) for n in OFFSETS], utc


def test_sql_keeps_stored_timestamps_comparable(grid_table):
    # The shifted value compares with stored values exactly (SQLite compares the stored text).
    start = datetime(2025, 8, 31, 12, 0, 0, 250000, tzinfo=UTC)
    db.session.execute(
        grid_table.insert(),
        [{"id": 1, "at": start}, {"id": 2, "at": datetime(2026, 2, 28, 12, 0, 0, 250000, tzinfo=UTC)}],
    )
    other = grid_table.alias("other")
    stmt = select(other.c.id).join(grid_table, add_months_sql(grid_table.c.at, 6) == other.c.at)

    assert db.session.scalars(stmt).all() == [2]


def test_null_stays_null(grid_table):
    db.session.execute(grid_table.insert(), [{"id": 1, "day": None, "at": None}])
    row = db.session.execute(
        select(add_months_sql(grid_table.c.day, 1), add_months_sql(grid_table.c.at, 1))
    ).one()

    assert tuple(row) == (None, None)
