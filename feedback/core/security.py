"""Security helpers: safe redirects and token hashing."""

import hashlib
import secrets
from urllib.parse import urljoin, urlsplit

from flask import abort, request
from flask_babel import gettext as _


def is_safe_redirect(target: str | None) -> bool:
    """Accept only relative paths on this host (no scheme, no other host, no ``//``)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return False
    if "\\" in target or any(ord(ch) < 32 for ch in target):
        return False
    host_url = urlsplit(request.host_url)
    resolved = urlsplit(urljoin(request.host_url, target))
    return resolved.scheme == host_url.scheme and resolved.netloc == host_url.netloc


def new_token(nbytes: int = 32) -> str:
    """Return a fresh URL-safe random token."""
    return secrets.token_urlsafe(nbytes)


def hash_token(token: str) -> str:
    """Hash an API token for storage; tokens are high-entropy, so SHA-256 suffices."""
    return hashlib.sha256(token.encode()).hexdigest()


def reject_nul_bytes() -> None:
    """Refuse form fields and query arguments holding NUL: PostgreSQL text cannot store it.

    Registered as a ``before_request`` hook so every form answers 400, not a database error.
    The JSON API validates its own bodies (and must not have them read as a form here).
    """
    if request.path.startswith("/api/"):
        return
    values = [*request.args.values()]
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        values += list(request.form.values())
    if any("\x00" in v for v in values):
        abort(400, _("Text cannot contain NUL characters."))
