"""How fast one customer may leave ratings: one budget (``RATING_RATE_LIMIT``, default 10 per
hour) per customer, shared by the dashboard, the e-mailed survey links and the API.

Every negative rating opens a case and tells the team, so a burst (a script, a retry loop, an
angry customer clicking on and on) would bury the queue and the team's inboxes. The budget is
kept where the other rate limits are (Redis with ``REDIS_URL``, else in the process), keyed by
the customer rather than the token or address, so no channel is a way round it. A rating is
counted when it is about to be stored, after its form or body was found valid: a refused form
costs nothing.
"""

import logging

from flask import current_app
from flask_babel import ngettext
from limits import parse
from limits.storage import MemoryStorage

from ..auth.models import User
from ..core.outage import OutageLog
from ..core.time import seconds_until, wait_minutes
from ..extensions import limiter

log = logging.getLogger(__name__)
outage = OutageLog(log)
# Where this process counts ratings while the limit storage (Redis) cannot be reached.
_PROCESS_COUNTS = MemoryStorage()

SCOPE = "ratings"
DEFAULT_LIMIT = "10 per hour"


class RatingLimitReached(Exception):
    """The customer used up their budget; ``retry_after`` seconds until it refills."""

    def __init__(self, limit: str, retry_after: int):
        super().__init__(f"rating limit {limit} reached; retry after {retry_after} s")
        self.limit = limit
        self.retry_after = retry_after

    @property
    def minutes(self) -> int:
        """The wait in whole minutes, rounded up (what a person is told)."""
        return wait_minutes(self.retry_after)


def rating_limit() -> str:
    """The configured budget, e.g. ``"10 per hour"``."""
    return current_app.config.get("RATING_RATE_LIMIT") or DEFAULT_LIMIT


def take_rating_slot(customer: User) -> None:
    """Count one rating against ``customer``'s budget; raise :class:`RatingLimitReached` when spent.

    If the rate-limit storage cannot be reached the budget is counted in this process (and the
    outage logged), as Flask-Limiter does for the other limits: a Redis outage must neither lose
    a customer's feedback to an error nor open the gate to a burst. The storage itself is asked
    each time (it fails fast), not Flask-Limiter's choice of storage, so every channel counts in
    the one per-process store while Redis is down and back in Redis as soon as it answers.
    """
    text = rating_limit()
    item = parse(text)
    keys = [current_app.config.get("RATELIMIT_KEY_PREFIX") or "", f"user:{customer.id}", SCOPE]
    keys = [key for key in keys if key]
    strategy_class = type(limiter.limiter)  # the configured strategy (fixed window by default)
    try:
        allowed, reset_at = _hit(strategy_class(limiter.storage), item, keys)
    except Exception as exc:  # noqa: BLE001 — the storage is down: count here, never an error
        outage.failed("the rating rate limit's storage", exc)
        allowed, reset_at = _hit(strategy_class(_PROCESS_COUNTS), item, keys)
    if not allowed:
        raise RatingLimitReached(text, seconds_until(reset_at))


def _hit(strategy, item, keys: list[str]) -> tuple[bool, float]:
    if strategy.hit(item, *keys):
        return True, 0.0
    return False, strategy.get_window_stats(item, *keys).reset_time


def refusal_message(exc: RatingLimitReached) -> str:
    """What a person is told on a page when the budget is spent (their text stays in the form)."""
    return ngettext(
        "You have sent many ratings in a short time. Please try again in %(num)d minute; "
        "what you wrote is still here.",
        "You have sent many ratings in a short time. Please try again in %(num)d minutes; "
        "what you wrote is still here.",
        exc.minutes,
    )
