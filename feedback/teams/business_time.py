"""Business time: deadlines that count only a team's working hours.

A :class:`Calendar` is a time zone, the working hours of each weekday (several spans a day for
split shifts: 09:00–12:30 and 13:30–18:00), holidays (local dates on which nobody works) and
an "always open" switch for 24/7 teams. Two questions are asked of it:

- :meth:`Calendar.add` — the moment ``span`` of working time after ``start`` (a deadline);
- :meth:`Calendar.between` — how much working time lies between two moments (time paused).

Everything is worked out in UTC from the local opening hours of each day, so a day on which the
clocks change counts the hours that really pass (a 09:00–18:00 day is 9 hours, a span across
02:00–03:00 on the night of a change is what the wall clock says it is not). Times are aware
datetimes in, aware UTC datetimes out. A calendar with no working hours at all is refused when
built: a deadline on it would never fall.
"""

from collections.abc import Container
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

MINUTES_PER_DAY = 24 * 60
# How far ahead a deadline is looked for: a year of holidays in a row is a mistake, not a plan.
MAX_DAYS = 400


@dataclass(frozen=True)
class Span:
    """Working hours within one local day, in minutes after midnight: [start, end), end ≤ 1440."""

    start: int
    end: int

    def __post_init__(self):
        if not 0 <= self.start < self.end <= MINUTES_PER_DAY:
            raise ValueError(f"working hours must run forward within one day, not {self.start}–{self.end}")

    @classmethod
    def parse(cls, text: str) -> "Span":
        """``"09:00-18:00"`` (``24:00`` ends at midnight)."""
        first, _, last = text.partition("-")
        return cls(_minutes(first), _minutes(last))

    def __str__(self) -> str:
        return f"{_hhmm(self.start)}-{_hhmm(self.end)}"


def overlapping(spans: tuple[Span, ...]) -> bool:
    """Whether any two of one day's spans overlap (touching, 12:30 then 12:30, is fine)."""
    ordered = sorted(spans, key=lambda s: s.start)
    return any(a.end > b.start for a, b in zip(ordered, ordered[1:], strict=False))


def _minutes(text: str) -> int:
    hours, _, minutes = text.strip().partition(":")
    if not (hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
        raise ValueError(f"not a time of day: {text!r}")
    value = int(hours) * 60 + int(minutes)
    if int(minutes) >= 60 or value > MINUTES_PER_DAY:
        raise ValueError(f"not a time of day: {text!r}")
    return value


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@dataclass(frozen=True)
class Calendar:
    """When a team works. ``week[0]`` is Monday's spans, ``week[6]`` Sunday's."""

    timezone: str = "UTC"
    week: tuple[tuple[Span, ...], ...] = field(default_factory=lambda: ((),) * 7)
    # Any container of local dates: a set typed by hand, or a country's table (teams/calendars.py).
    holidays: Container[date] = field(default=frozenset(), hash=False)
    always_open: bool = False
    # A day's opening hours in UTC, worked out once per calendar: the sweep asks thousands of times.
    _days: dict = field(default_factory=dict, init=False, repr=False, compare=False, hash=False)

    def __post_init__(self):
        ZoneInfo(self.timezone)  # an unknown zone fails here, not at the first deadline
        if len(self.week) != 7:
            raise ValueError("a week has seven days")
        if any(overlapping(spans) for spans in self.week):
            raise ValueError("working hours of one day must not overlap")
        if not self.always_open and not any(self.week):
            raise ValueError("a calendar needs working hours on at least one day, or to be always open")

    @classmethod
    def around_the_clock(cls) -> "Calendar":
        """24/7: every moment counts (calendar time)."""
        return cls(always_open=True)

    @property
    def zone(self) -> ZoneInfo:
        """The team's time zone."""
        return ZoneInfo(self.timezone)

    def _open_spans(self, day: date) -> list[tuple[datetime, datetime]]:
        """The day's working spans as UTC moments, in order (none on a holiday)."""
        if (known := self._days.get(day)) is not None:
            return known
        out = []
        if day not in self.holidays:
            zone = self.zone
            for span in sorted(self.week[day.weekday()], key=lambda s: s.start):
                opens, closes = _utc(day, span.start, zone), _utc(day, span.end, zone)
                if closes > opens:  # a span inside the hour the clocks skip has no time in it
                    out.append((opens, closes))
        if len(self._days) > 4096:  # a long-lived calendar: forget, rather than grow without end
            self._days.clear()
        self._days[day] = out
        return out

    def add(self, start: datetime, span: timedelta) -> datetime:
        """The moment ``span`` of working time after ``start`` (``start`` itself when ``span`` is 0
        and the team is at work; else the next opening)."""
        if span < timedelta(0):
            raise ValueError("a deadline cannot come before its start")
        start = start.astimezone(UTC)
        if self.always_open:
            return start + span
        remaining = span
        day = start.astimezone(self.zone).date() - timedelta(days=1)  # a span may cross midnight
        for _ in range(MAX_DAYS):
            for opens, closes in self._open_spans(day):
                if closes <= start:
                    continue
                begin = max(opens, start)
                available = closes - begin
                if remaining <= available:
                    return begin + remaining
                remaining -= available
            day += timedelta(days=1)
        raise ValueError(f"no working time within {MAX_DAYS} days of {start.isoformat()}")

    def between(self, start: datetime, end: datetime) -> timedelta:
        """The working time in [start, end) (zero when ``end`` is not after ``start``)."""
        start, end = start.astimezone(UTC), end.astimezone(UTC)
        if end <= start:
            return timedelta(0)
        if self.always_open:
            return end - start
        total = timedelta(0)
        day = start.astimezone(self.zone).date() - timedelta(days=1)
        last = end.astimezone(self.zone).date()
        while day <= last:
            for opens, closes in self._open_spans(day):
                overlap = min(closes, end) - max(opens, start)
                if overlap > timedelta(0):
                    total += overlap
            day += timedelta(days=1)
        return total

    def is_open(self, moment: datetime) -> bool:
        """Whether the team is at work at ``moment``."""
        if self.always_open:
            return True
        moment = moment.astimezone(UTC)
        day = moment.astimezone(self.zone).date()
        days = (day - timedelta(days=1), day)
        return any(opens <= moment < closes for d in days for opens, closes in self._open_spans(d))


def _utc(day: date, minutes: int, zone: ZoneInfo) -> datetime:
    """Local ``day`` at ``minutes`` after midnight (1440: the next midnight), as a UTC moment.

    A wall time the clocks skip (02:30 on the night they go forward) is read with the offset before
    the change (fold 0), so it falls an hour later by the new clock (03:30); a span lying wholly in
    the skipped hour ends before it starts, and :meth:`Calendar._open_spans` leaves it out.
    """
    if minutes == MINUTES_PER_DAY:
        day, minutes = day + timedelta(days=1), 0
    local = datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=zone)
    return local.astimezone(UTC)
