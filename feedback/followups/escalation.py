"""Escalation levels: who hears of a deadline, and when.

1. **warning**, at ``warn_percent`` (80 %) of a deadline's span: whoever works the case (its
   assignee; while nobody has it, its team, or every staff member for a case without a team);
2. **breach**, at 100 %: the team's lead (``breach_to`` "lead"; the managers when the case has
   no team or the team no active lead), or the managers (``breach_to`` "managers");
3. **escalated**, at ``escalate_percent`` (200 %) while the deadline still runs: the managers.
   ``None`` turns this level off.

Each level is recorded once per case, deadline and due time (``sla_escalations``), and in the
case's timeline. Spans are measured on the deadline's own clock: on business time, 80 % of an
8-hour first response is 6.4 working hours after the case came in. Managers set the levels in
Settings → SLA policies (stored as app settings).
"""

from dataclasses import dataclass
from datetime import datetime

from ..core import cache
from ..core.app_settings import AppSetting
from ..extensions import db

WARNING = "warning"
BREACH = "breach"
ESCALATED = "escalated"
LEVELS = (WARNING, BREACH, ESCALATED)

BREACH_TO = ("lead", "managers")
WARN_PERCENT_RANGE = (50, 99)
ESCALATE_PERCENT_RANGE = (110, 1000)
KEYS = {
    "warn_percent": "sla_warn_percent",
    "escalate_percent": "sla_escalate_percent",
    "breach_to": "sla_breach_to",
}


@dataclass(frozen=True)
class Levels:
    """When the first and last levels fall, and who hears of a breach."""

    warn_percent: int = 80
    escalate_percent: int | None = 200
    breach_to: str = "lead"

    @property
    def warn_fraction(self) -> float:
        """The warning's share of a span (0.8)."""
        return self.warn_percent / 100

    @property
    def escalate_factor(self) -> float | None:
        """The last level's multiple of a span (2.0), or None when it is off."""
        return None if self.escalate_percent is None else self.escalate_percent / 100


def _int_in(text: str | None, bounds: tuple[int, int]) -> int | None:
    try:
        value = int(text or "")
    except ValueError:
        return None
    return value if bounds[0] <= value <= bounds[1] else None


def read_levels() -> Levels:
    """The levels as stored; anything unset or unreadable is its default (escalation must not
    stop because a setting is odd)."""
    rows = {
        row.key: row.value for row in db.session.query(AppSetting).filter(AppSetting.key.in_(KEYS.values()))
    }
    default = Levels()
    warn = _int_in(rows.get(KEYS["warn_percent"]), WARN_PERCENT_RANGE) or default.warn_percent
    typed = rows.get(KEYS["escalate_percent"])
    escalate = None if typed == "off" else _int_in(typed, ESCALATE_PERCENT_RANGE) or default.escalate_percent
    breach_to = rows.get(KEYS["breach_to"])
    return Levels(warn, escalate, breach_to if breach_to in BREACH_TO else default.breach_to)


def cached_levels(now: datetime) -> Levels:
    """:func:`read_levels` as read at most ``REFERENCE_CACHE_SECONDS`` before ``now``."""
    return cache.cached("sla-levels", None, now, read_levels)
