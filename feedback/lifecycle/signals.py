"""Signals the lifecycle sends for layers above it (the reports cannot be imported from here)."""

from blinker import Namespace

_signals = Namespace()

#: Sent after subscription events were written by Core statements (the import), which no ORM
#: flush hook sees: ``since`` is the earliest day written. The retention report forgets what it
#: stored from that day on.
history_written = _signals.signal("lifecycle.history-written")

#: Sent after subscriptions were inserted or changed by Core statements (the import), which no ORM
#: flush hook sees: ``customer_ids`` are their customers. The renewal queue marks them stale.
subscriptions_written = _signals.signal("lifecycle.subscriptions-written")
