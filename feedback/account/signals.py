"""How the account feature acts on what happens elsewhere: the receivers of other features' signals."""

from ..auth.two_factor.signals import two_factor_changed
from .notify import mail_two_factor_changed


def connect() -> None:
    """Subscribe to the signals. Called by every app built; blinker keeps one subscription per
    receiver, so a process with several apps (tests, a Celery worker) still mails once."""
    two_factor_changed.connect(mail_two_factor_changed)
