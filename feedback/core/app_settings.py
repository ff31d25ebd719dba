"""Settings a manager changes at run time that have no table of their own.

One key-value table below every feature: the feature a setting belongs to reads it (surveys
read their NPS interval), the settings pages write it.
"""

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class AppSetting(db.Model):
    """One named setting, stored as text; its feature reads it, ``settings.services`` writes it."""

    __tablename__ = "app_settings"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
