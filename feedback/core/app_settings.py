"""Settings a manager changes at run time that have no table of their own.

The store lives in core so any feature can own a setting; the settings pages only edit them.
"""

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class AppSetting(db.Model):
    """One named setting, stored as text (the feature that owns it reads and validates it)."""

    __tablename__ = "app_settings"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
