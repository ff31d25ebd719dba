"""How surveys act on what happens elsewhere: the receivers of other features' signals."""

from datetime import datetime

from ..followups.models import Followup
from ..followups.signals import followup_resolved
from .invitations import send_case_survey


def survey_resolved_case(fu: Followup, now: datetime, **_) -> None:
    """A case was resolved: send the customer the after-resolution survey."""
    send_case_survey(fu, now)


def connect() -> None:
    """Subscribe to the signals. Called by every app built; blinker keeps one subscription per
    receiver, so a process with several apps (tests, a Celery worker) still surveys once."""
    followup_resolved.connect(survey_resolved_case)
