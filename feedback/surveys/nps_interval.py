"""How often a customer is asked the relationship (NPS) survey: a setting managers change."""

from ..core.app_settings import AppSetting
from ..extensions import db

NPS_INTERVAL_KEY = "nps_survey_interval_days"
DEFAULT_NPS_INTERVAL_DAYS = 90
MAX_NPS_INTERVAL_DAYS = 365


def nps_interval_days() -> int:
    """Days between relationship (NPS) surveys to one customer; 0 means they are off.

    An unset or unreadable value falls back to the default rather than stopping the surveys.
    """
    row = db.session.get(AppSetting, NPS_INTERVAL_KEY)
    if row is None:
        return DEFAULT_NPS_INTERVAL_DAYS
    try:
        days = int(row.value)
    except ValueError:
        return DEFAULT_NPS_INTERVAL_DAYS
    return days if 0 <= days <= MAX_NPS_INTERVAL_DAYS else DEFAULT_NPS_INTERVAL_DAYS
