"""Security headers on every answer (Flask-Talisman) and ``Cache-Control: no-store`` on private ones.

The Content-Security-Policy allows nothing inline: every script is a file under static/, chart
data travels in ``<script type="application/json">`` blocks (data, never run) that
static/js/charts.js draws, and styles come from stylesheets only. So an injected ``<script>``,
``onclick=`` or ``style=`` in some user's text would do nothing even if escaping ever failed.
"""

from flask import Flask, request
from flask_login import current_user
from flask_talisman import Talisman

SELF = "'self'"
CONTENT_SECURITY_POLICY = {
    "default-src": SELF,
    "script-src": SELF,
    # No 'unsafe-inline': plotly.js would inject its stylesheet in a <style> element, but it
    # skips that when its sheet is already linked (reports/_plotly.html links
    # static/vendor/plotly/plotly.css with the id and class it looks for), and it styles its
    # SVG through the style property (CSSOM), which CSP does not govern.
    "style-src": SELF,
    # Bootstrap's CSS draws its icons (menu toggler, select arrow, close button) as data: SVGs.
    "img-src": f"{SELF} data:",
    "font-src": SELF,
    "connect-src": SELF,
    "object-src": "'none'",
    "base-uri": SELF,
    "form-action": SELF,
    "frame-ancestors": "'none'",
}
# Nothing in the app asks for these; a page that did (through an injected script) is refused.
PERMISSIONS_POLICY = {
    "browsing-topics": "()",
    "camera": "()",
    "geolocation": "()",
    "microphone": "()",
    "payment": "()",
    "usb": "()",
}


def init_app(app: Flask) -> None:
    """Bind a Talisman with the app's policy and add the no-store rule.

    HTTPS is forced (a redirect, then HSTS) only where the config says so: ProductionConfig.
    Behind a proxy the scheme comes from X-Forwarded-Proto (see ``TRUSTED_PROXIES``).
    """
    app.extensions["talisman"] = Talisman(
        app,
        force_https=app.config.get("FORCE_HTTPS", False),
        strict_transport_security=app.config.get("HSTS", False),
        # Talisman would otherwise force the Secure flag on the session cookie outside debug
        # mode, and a development server on http://127.0.0.1 would lose every sign-in.
        session_cookie_secure=app.config.get("SESSION_COOKIE_SECURE", False),
        session_cookie_samesite=app.config.get("SESSION_COOKIE_SAMESITE", "Lax"),
        frame_options="DENY",
        content_security_policy=CONTENT_SECURITY_POLICY,
        permissions_policy=PERMISSIONS_POLICY,
        # Full URLs to our own pages (the CSRF check over HTTPS compares the Referer with the
        # host), nothing at all to other sites: survey links carry their token in the path.
        referrer_policy="same-origin",
    )
    app.after_request(_no_store_when_private)


# Never personal. Looking the user up for them would cost a query, and /healthz must still
# answer its 503 when the database is down. The brand's logo and stylesheet are the same for
# everyone and named by their content: they keep their own long Cache-Control.
IMPERSONAL_ENDPOINTS = frozenset({"static", "healthz", "brand.logo", "brand.stylesheet_file"})


def _no_store_when_private(response):
    # A signed-in page holds one person's data: no shared cache (or the browser's back button
    # after signing out) may keep it; static files stay cacheable. The API sets its own (per
    # token, not per session): an answer already marked needs no look at the user, which after
    # the request's commit would cost a query to reload.
    if response.headers.get("Cache-Control") == "no-store":
        return response
    if request.endpoint not in IMPERSONAL_ENDPOINTS and current_user.is_authenticated:
        response.headers["Cache-Control"] = "no-store"
    return response


def keep_link_private(response):
    """``after_request`` for pages reached by a key in their URL (survey links, account links).

    The token is a key: keep it out of caches and search engines. The app-wide Referrer-Policy
    (same-origin) already keeps it from other sites; not "no-referrer", which over HTTPS would
    fail the page's own form at the CSRF check (it wants a same-site Referer).
    """
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response
