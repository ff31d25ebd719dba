"""Calendar-month arithmetic: one meaning, in Python and in SQL, on SQLite and PostgreSQL alike.

``add_months(day, n)`` is the same day ``n`` calendar months later (or earlier), clamped to the
last day of the target month when that month is shorter: 31 Aug + 6 months = 28 Feb (29 Feb in a
leap year), 31 Mar − 1 month = 28/29 Feb. Renewal dates, the demo's billing periods, the retention
report's month bounds and its upgrade windows all count months this way.

``add_months_sql(expr, n)`` is the same rule as an SQL expression, for date columns and for UTC
timestamp columns (``UTCDateTime``) as stored. Left to themselves the two databases disagree:
SQLite's ``date(x, '+6 months')`` rolls 31 Aug over into 3 Mar, PostgreSQL's interval clamps to
28 Feb, and PostgreSQL adds months to a ``timestamptz`` in the session's time zone. The
expression below clamps on both and, for timestamps, counts in UTC whatever the session's zone.
"""

import calendar
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Integer, literal
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import DateTime

# The days a report or a date filter may name. Far beyond them date arithmetic overflows (a
# range ending 9999-12-31 has no next day); no host has feedback from before 2000.
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2099, 12, 31)


def utc_range(start: date, end: date) -> tuple[datetime, datetime]:
    """The inclusive date range ``start``–``end`` as a half-open UTC datetime range: how the
    reports and the queue's "opened from … to …" read a period of days."""
    return (
        datetime.combine(start, time.min, tzinfo=UTC),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=UTC),
    )


def month_end(day: date) -> date:
    """The last day of ``day``'s month."""
    return add_months(day.replace(day=1), 1) - timedelta(days=1)


def add_months(day: date, months: int) -> date:
    """``day`` moved by ``months`` calendar months, clamped to the target month's last day.

    Takes a date or a datetime (the time of day and the zone are kept).
    """
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    if day.day <= 28:  # every month has it (the common case, and cheaper than asking the calendar)
        return day.replace(year=year, month=month)
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


class add_months_sql(FunctionElement):  # lower case: it reads like the SQL function it builds
    """``expr`` + ``months`` calendar months in SQL, clamped as :func:`add_months` does.

    ``expr`` is a date or timestamp column (or expression); the result has its type. ``months``
    is an int, sent as a bound parameter.
    """

    name = "add_months"
    inherit_cache = True

    def __init__(self, expr, months: int):
        super().__init__(expr, literal(months, Integer))
        self.type = expr.type


def _is_timestamp(type_) -> bool:
    affinity = getattr(type_, "_type_affinity", None)
    return affinity is not None and issubclass(affinity, DateTime)


def _has_zone(type_) -> bool:
    return bool(getattr(getattr(type_, "impl", type_), "timezone", False))


@compiles(add_months_sql, "postgresql")
def _add_months_postgresql(element, compiler, **kw):
    expr, months = (compiler.process(c, **kw) for c in element.clauses)
    interval = f"make_interval(0, {months})"  # months on a timestamp clamp to the month's end
    if not _is_timestamp(element.type):
        return f"CAST({expr} + {interval} AS DATE)"
    if _has_zone(element.type):
        # In UTC wall time, then back: timestamptz + interval would count in the session's zone.
        return f"timezone('UTC', timezone('UTC', {expr}) + {interval})"
    return f"({expr} + {interval})"


@compiles(add_months_sql, "sqlite")
def _add_months_sqlite(element, compiler, **kw):
    expr, months = (compiler.process(c, **kw) for c in element.clauses)
    # date(d, '+n months') keeps the day number and lets a too-large one roll into the next month
    # (31 Aug + 6 → 3 Mar); the target month's last day is never later than a clamped result and
    # always earlier than a rolled-over one, so the smaller of the two is the clamped day.
    # Dates and timestamps are stored as text starting 'YYYY-MM-DD'. Only that part goes through
    # date(), which rounds to milliseconds and would carry 23:59:59.9996 into the next day; a
    # timestamp keeps the rest of its text (' hh:mm:ss.ffffff') as it was, so the result is
    # stored-format text like the column.
    day = f"substr({expr}, 1, 10)"
    shifted = f"date({day}, ({months}) || ' months')"
    month_end = f"date({day}, 'start of month', ({months} + 1) || ' months', '-1 day')"
    return f"(min({shifted}, {month_end}) || substr({expr}, 11))"
