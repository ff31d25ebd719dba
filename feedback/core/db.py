"""Column types shared by the models, and SQL helpers shared by the queries."""

from datetime import datetime

from sqlalchemy import DateTime, Enum, case, func
from sqlalchemy.types import TypeDecorator

from .time import as_utc


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always read back as an aware UTC datetime.

    SQLite drops the zone on the way in and out; this type makes both
    databases behave like PostgreSQL's ``timestamptz``.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        value = as_utc(value)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        return as_utc(value)


def enum_column(cls, name: str) -> Enum:
    """An enum column storing the readable value.

    Not a native PostgreSQL enum, so adding a member later is a plain migration.
    """
    return Enum(cls, name=name, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])


def count_if(condition):
    """SQL: how many rows (of the group) meet ``condition``; 0, never NULL, when none do."""
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)
