"""Fixed-window rate limits in one Redis round trip per limit counted.

Flask-Limiter's fixed window counts a hit with one script call (INCRBY, EXPIRE on the first),
then reads the counter and its TTL again (GET, TTL) to write the ``X-RateLimit-*`` headers:
three round trips on every API request. This strategy counts and reads the TTL in the same
script and keeps the result for the rest of the request, where the headers (and a refusal's
Retry-After) read it. Counting is unchanged: the same keys, windows and limits.

Other storages (memory, the in-memory fallback while Redis is down) count as before.
Configured with ``RATELIMIT_STRATEGY = STRATEGY`` (config.py).
"""

import time

from flask import g, has_app_context
from limits import RateLimitItem
from limits.storage import RedisStorage
from limits.strategies import STRATEGIES, FixedWindowRateLimiter
from limits.util import WindowStats

STRATEGY = "fixed-window-one-trip"
# INCRBY; the window's expiry on its first hit (as limits' own incr_expire.lua); then the TTL.
SCRIPT = """
local current = redis.call('incrby', KEYS[1], ARGV[2])
if current == tonumber(ARGV[2]) then
    redis.call('expire', KEYS[1], ARGV[1])
end
return {current, redis.call('ttl', KEYS[1])}
"""
_G_KEY = "kontento_limit_windows"


class OneTripFixedWindow(FixedWindowRateLimiter):
    """Fixed window whose hit on Redis also learns the window's state for this request."""

    def hit(self, item: RateLimitItem, *identifiers: str, cost: int = 1) -> bool:
        """Count ``cost`` against the limit; True if it fits (see :class:`FixedWindowRateLimiter`)."""
        if not isinstance(self.storage, RedisStorage) or not has_app_context():
            return super().hit(item, *identifiers, cost=cost)
        key = item.key_for(*identifiers)
        script = getattr(self.storage, "_kontento_incr_ttl", None)
        if script is None:
            script = self.storage.get_connection().register_script(SCRIPT)
            self.storage._kontento_incr_ttl = script
        count, ttl = script([self.storage.prefixed_key(key)], [item.get_expiry(), cost])
        windows = g.setdefault(_G_KEY, {})
        windows[key] = WindowStats(max(int(ttl), 0) + time.time(), max(0, item.amount - int(count)))
        return int(count) <= item.amount

    def get_window_stats(self, item: RateLimitItem, *identifiers: str) -> WindowStats:
        """The window as this request's hit left it, else as the storage says now."""
        if has_app_context():
            stats = g.get(_G_KEY, {}).get(item.key_for(*identifiers))
            if stats is not None:
                return stats
        return super().get_window_stats(item, *identifiers)


STRATEGIES[STRATEGY] = OneTripFixedWindow
