"""Changes to someone's two-factor sign-in, announced for other features to act on.

The account feature mails the owner about each one (a change they did not make must be
noticed); auth sits below the mailer and never imports it. Receivers run in the sender's
transaction: they add and flush, the caller commits.
"""

from blinker import Namespace

_signals = Namespace()

two_factor_changed = _signals.signal(
    "two-factor-changed",
    doc="""Sender: the :class:`~feedback.auth.models.User`; keywords ``change`` (one of
    ``CHANGES``), ``now``, and for ``recovery_code_used`` ``codes_left``.""",
)

# turned on, turned off by its owner, reset by a manager or the command line, a recovery code
# used to sign in, a new set of recovery codes made (the old set stops working)
CHANGES = ("on", "off", "reset", "recovery_code_used", "recovery_codes_replaced")
