"""The brand in every template: pages and e-mails alike get ``brand`` and ``brand_logo_url``."""

from flask import Flask, url_for

from ..core.urls import external_url
from .queries import current_brand


def brand_logo_url(external: bool = False) -> str | None:
    """The current logo's URL (absolute, from ``BASE_URL``, for e-mails); None without a logo."""
    digest = current_brand().logo_sha256
    if digest is None:
        return None
    return external_url("brand.logo", digest=digest) if external else url_for("brand.logo", digest=digest)


def init_app(app: Flask) -> None:
    """Offer ``brand`` to every template (read on first use, once per request)."""

    @app.context_processor
    def _brand() -> dict:
        return {"brand": current_brand()}

    app.jinja_env.globals["brand_logo_url"] = brand_logo_url
    app.jinja_env.globals["current_brand"] = current_brand  # for macros imported without context
    # For the features below this one (auth's two-factor set-up names the host to authenticator apps).
    app.extensions["brand_name"] = lambda: current_brand().name
