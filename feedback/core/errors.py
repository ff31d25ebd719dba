"""Error pages: HTML for the site, the documented JSON shape under /api/."""

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

JSON_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    500: "server_error",
}


class FieldError(ValueError):
    """A request a service refuses, with the form field to show the message on (``field``, or None
    for the form as a whole). Each feature names its own (``AccountError``, ``SettingsError``, …)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def json_error(status: int, message: str, fields: dict | None = None, code: str | None = None):
    """Build ``{"error": {"code", "message", "fields"}}`` with the given status."""
    body = {
        "error": {"code": code or JSON_CODES.get(status, "error"), "message": message, "fields": fields or {}}
    }
    return jsonify(body), status


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


def init_app(app: Flask) -> None:
    """Register the handlers."""

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        if _wants_json():
            return json_error(400, exc.description)
        return render_template("errors/error.html", code=400, csrf_failed=True), 400

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if exc.response is not None:
            # A page the raiser built itself (a locked-out sign-in shows the sign-in form).
            return exc.response
        status = exc.code or 500
        # The exception's own headers (Allow on a 405, Retry-After …) belong on our page too.
        headers = [(k, v) for k, v in exc.get_headers() if k.lower() != "content-type"]
        if _wants_json():
            body, status = json_error(status, exc.description or "")
            return body, status, headers
        return render_template("errors/error.html", code=status, message=exc.description), status, headers

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        app.logger.exception("Unhandled error")
        from ..extensions import db

        db.session.rollback()
        if _wants_json():
            return json_error(500, "Something went wrong on our side. It has been logged.")
        return render_template("errors/error.html", code=500, message=None), 500
