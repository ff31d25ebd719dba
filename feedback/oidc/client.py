"""The OpenID Connect client (Authlib's Flask integration), built from the app's configuration.

Off while ``OIDC_ISSUER`` is empty. The client is made on first use and kept per configuration,
so the provider's discovery document and keys are fetched once, not at every sign-in, and a
changed configuration (another issuer, client or secret) gets a client of its own.
"""

import threading

import requests
from authlib.integrations.base_client.errors import MismatchingStateError
from authlib.integrations.flask_client import OAuth, OAuthError
from flask import current_app, request, session
from flask_babel import gettext as _
from joserfc.errors import ClaimError, JoseError

CLIENT_NAME = "billing"
SCOPES = "openid email profile"
DEFAULT_TIMEOUT = 10.0  # seconds before an unresponsive provider counts as down

_lock = threading.Lock()


def is_enabled() -> bool:
    """Whether sign-in with the billing panel is configured (``OIDC_ISSUER`` set)."""
    return bool(current_app.config.get("OIDC_ISSUER"))


def issuer() -> str:
    """The configured issuer, without a trailing slash (compared that way: hosts type either)."""
    return current_app.config["OIDC_ISSUER"].strip().rstrip("/")


def button_label() -> str | None:
    """The sign-in button's text, or None when the feature is off (the login page's global)."""
    if not is_enabled():
        return None
    name = (current_app.config.get("OIDC_NAME") or "").strip()
    if name:
        return _("Sign in with %(name)s", name=name)
    return _("Sign in with your billing panel account")


def provider_name() -> str:
    """How pages name the provider: ``OIDC_NAME``, else "your billing panel" (translated)."""
    return (current_app.config.get("OIDC_NAME") or "").strip() or _("your billing panel")


def client():
    """The Authlib client for the current configuration (state, nonce and PKCE S256 included)."""
    config = current_app.config
    key = (issuer(), config.get("OIDC_CLIENT_ID") or "", config.get("OIDC_CLIENT_SECRET") or "")
    timeout = float(config.get("OIDC_TIMEOUT") or DEFAULT_TIMEOUT)
    clients = current_app.extensions.setdefault("kontento.oidc", {})
    with _lock:
        entry = clients.get(key + (timeout,))
        if entry is None:
            oauth = OAuth(current_app._get_current_object())
            entry = oauth.register(
                CLIENT_NAME,
                client_id=key[1],
                client_secret=key[2],
                server_metadata_url=f"{key[0]}/.well-known/openid-configuration",
                client_kwargs={
                    "scope": SCOPES,
                    "code_challenge_method": "S256",
                    # Every call to the provider (discovery, keys, token) gives up after this.
                    "default_timeout": timeout,
                },
            )
            clients[key + (timeout,)] = entry
    return entry


class FlowError(Exception):
    """The provider's answer could not be used; ``reason`` says why (never a token or secret)."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(reason)
        self.reason = reason
        self.detail = detail[:200]


def _metadata(app) -> dict:
    """The provider's discovery document, checked to be the configured issuer's (OIDC Discovery
    4.3: a document naming another issuer must not be used)."""
    metadata = app.load_server_metadata()
    if str(metadata.get("issuer", "")).rstrip("/") != issuer():
        raise FlowError("misconfigured", f"discovery names issuer {metadata.get('issuer')!r}")
    return metadata


def begin(redirect_uri: str):
    """The redirect to the provider's sign-in page; state, nonce and PKCE verifier are kept in
    the session for ``finish``. FlowError("unavailable") when the provider does not answer."""
    app = client()
    # One sign-in pending per browser: each start keeps its state, nonce and verifier in the
    # session cookie, and a visitor pressing the button again and again would grow the cookie
    # past what browsers keep (4 KB), losing the session altogether.
    for key in [key for key in session if key.startswith(f"_state_{CLIENT_NAME}_")]:
        session.pop(key)
    try:
        _metadata(app)
        return app.authorize_redirect(redirect_uri)
    except requests.RequestException as exc:
        raise FlowError("unavailable", type(exc).__name__) from None


def finish() -> dict:
    """The verified claims of the ID token the provider's redirect back leads to.

    Authlib checks the state against the session, trades the code (with the PKCE verifier) for
    tokens, and checks the ID token: signature against the provider's keys, issuer, audience,
    expiry and nonce. Claims missing from the token (some providers only serve the e-mail at the
    userinfo endpoint) are read from there, for the same subject.
    """
    app = client()
    error = request.args.get("error")
    if error:
        # The person cancelled, or the provider refused: nothing to trade, nobody to check.
        raise FlowError("cancelled" if error == "access_denied" else "provider_error", error)
    try:
        metadata = _metadata(app)
        expected = {
            "iss": {"essential": True, "value": metadata["issuer"]},
            "aud": {"essential": True, "value": app.client_id},
            "sub": {"essential": True},
        }
        token = app.authorize_access_token(claims_options=expected)
        claims = token.get("userinfo")
        if not claims:  # no ID token: an OAuth answer, not an OpenID Connect one
            raise FlowError("invalid_token", "no id_token")
        claims = dict(claims)
        if "email" not in claims and metadata.get("userinfo_endpoint"):
            extra = dict(app.userinfo(token=token))
            if extra.get("sub") == claims["sub"]:
                claims.update({k: v for k, v in extra.items() if k not in ("iss", "aud", "sub")})
        return claims
    except MismatchingStateError:
        raise FlowError("state") from None
    except OAuthError as exc:  # the token endpoint refused the code (used, expired, wrong verifier)
        raise FlowError("invalid_token", f"token endpoint: {exc.error}") from None
    except ClaimError as exc:
        raise FlowError(
            "nonce" if exc.claim == "nonce" else "invalid_token", exc.error + ":" + exc.claim
        ) from None
    except JoseError as exc:  # a signature that does not verify, an unknown key, a malformed token
        raise FlowError("invalid_token", exc.error) from None
    except requests.RequestException as exc:
        raise FlowError("unavailable", type(exc).__name__) from None
