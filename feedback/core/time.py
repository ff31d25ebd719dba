"""Time helpers. Every timestamp in Kontento is an aware UTC datetime."""

import math
import time
from datetime import UTC, datetime
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

# Names zoneinfo lists that are no place anyone lives: this machine's own zone and a placeholder.
_NOT_PLACES = {"localtime", "Factory"}


def utcnow() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """Return ``value`` as aware UTC; naive values are taken to be UTC already."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def is_valid_timezone(name: str) -> bool:
    """Tell whether ``name`` is an IANA time zone this machine knows."""
    if not name or len(name) > 64:  # the longest IANA name is about 32 characters
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name the file system refuses
        return False
    return True


def seconds_until(epoch_seconds: float) -> int:
    """Whole seconds from now until ``epoch_seconds`` (a rate limit's reset), at least 1: a
    ``Retry-After``."""
    return max(1, math.ceil(epoch_seconds - time.time()))


def wait_minutes(seconds: float) -> int:
    """A wait as a person is told it: whole minutes, rounded up, at least 1."""
    return max(1, math.ceil(seconds / 60))


@cache
def timezone_names() -> tuple[str, ...]:
    """Every IANA time zone a person may pick, sorted: the list forms offer and accept."""
    return tuple(sorted(available_timezones() - _NOT_PLACES))


def is_listed_timezone(name: str | None) -> bool:
    """Tell whether ``name`` is one of :func:`timezone_names` (stricter than :func:`is_valid_timezone`,
    which takes any file the zone database has)."""
    return bool(name) and name in _listed()


@cache
def _listed() -> frozenset[str]:
    return frozenset(timezone_names())


def local(value: datetime | None, tz_name: str | None) -> datetime | None:
    """Convert an aware datetime to the named zone (UTC when unknown)."""
    if value is None:
        return None
    zone = ZoneInfo(tz_name) if tz_name and is_valid_timezone(tz_name) else UTC
    return as_utc(value).astimezone(zone)
