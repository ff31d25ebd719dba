"""The host's brand: one row (id 1). No row means the defaults (named Kontento, no logo)."""

from datetime import datetime

from sqlalchemy import JSON, Boolean, LargeBinary, SmallInteger, String
from sqlalchemy.orm import Mapped, deferred, mapped_column

from ..core.db import UTCDateTime
from ..core.time import utcnow
from ..extensions import db

BRAND_ID = 1


class BrandSettings(db.Model):
    """What customers see of the host. The logo is a re-encoded PNG kept in the database, as the
    app runs on several machines; its bytes load only when the logo itself is served."""

    __tablename__ = "brand"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(60))
    primary_color: Mapped[str | None] = mapped_column(String(7))  # "#rrggbb", lower case
    support_email: Mapped[str | None] = mapped_column(String(254))
    # [{"label": …, "url": …}, …] in the order shown, at most MAX_LINKS.
    footer_links: Mapped[list] = mapped_column(JSON, default=list)
    show_powered_by: Mapped[bool] = mapped_column(Boolean, default=False)
    logo_png: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    logo_sha256: Mapped[str | None] = mapped_column(String(64))  # names the logo in its URL
    logo_width: Mapped[int | None] = mapped_column(SmallInteger)
    logo_height: Mapped[int | None] = mapped_column(SmallInteger)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
