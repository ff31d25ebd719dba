"""What happens to follow-ups, announced for other features to act on.

Followups send these and never import their receivers: surveys build on follow-ups, not the
other way round. Receivers run in the sender's transaction; like services they add and
flush, and the caller commits.
"""

from blinker import Namespace

_signals = Namespace()

followup_resolved = _signals.signal(
    "followup-resolved",
    doc="""A follow-up was resolved (and flushed). Sender: the :class:`~.models.Followup`;
    keyword ``now``: the time of the resolution.""",
)
