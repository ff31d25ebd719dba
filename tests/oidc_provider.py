"""A real OpenID Connect provider for the tests, standing in for a host's billing panel.

Built with Authlib's server side (the authorization-code grant with PKCE and the OpenID Connect
extension), served by werkzeug on 127.0.0.1 (random port) in a thread: discovery, JWKS,
authorize, token and userinfo endpoints, an RSA key made at start. Nobody types a password
here: the provider signs in whoever the test named (``provider.signed_in``), or refuses when
told to. Switches (``provider.misbehave``) make it answer wrongly, as a broken or hostile
provider would:

- ``deny``: the person cancels (``error=access_denied``);
- ``wrong_nonce``: the ID token carries another nonce than the one asked for;
- ``wrong_audience``: the ID token is for another client;
- ``wrong_key``: the ID token is signed with a key the JWKS does not hold;
- ``expired``: the ID token expired an hour ago;
- ``token_issuer``: the ID token names another issuer than the provider's;
- ``email_at_userinfo``: the ID token names the subject only; the e-mail is at userinfo;
- ``wrong_issuer``: discovery names another issuer than the one configured.
"""

import secrets
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import ClientMixin, grants
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import UserInfo
from authlib.oidc.core.grants import OpenIDCode
from authlib.oidc.core.models import AuthorizationCodeMixin
from flask import Flask, jsonify, request
from joserfc.jwk import RSAKey
from sqlalchemy import func, select
from werkzeug.serving import WSGIRequestHandler, make_server

from feedback.auth.models import User
from feedback.extensions import db
from feedback.oidc.models import ExternalIdentity

CLIENT_ID = "kontento-test"
CLIENT_SECRET = "s3cret-for-tests-only"


@dataclass
class Account:
    """A person with an account at the billing panel."""

    sub: str
    email: str
    name: str = "Ada Lovelace"
    email_verified: bool = True
    locale: str | None = None

    def get_user_id(self) -> str:
        return self.sub


@dataclass
class _Client(ClientMixin):
    client_id: str
    client_secret: str
    redirect_uris: list

    def get_client_id(self):
        return self.client_id

    def get_default_redirect_uri(self):
        return self.redirect_uris[0]

    def get_allowed_scope(self, scope):
        return " ".join(s for s in scope.split() if s in ("openid", "email", "profile"))

    def check_redirect_uri(self, redirect_uri):
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret):
        return secrets.compare_digest(client_secret, self.client_secret)

    def check_endpoint_auth_method(self, method, endpoint):
        return method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type):
        return response_type == "code"

    def check_grant_type(self, grant_type):
        return grant_type == "authorization_code"


@dataclass
class _Code(AuthorizationCodeMixin):
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    account: Account
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    auth_time: int

    def get_redirect_uri(self):
        return self.redirect_uri

    def get_scope(self):
        return self.scope

    def get_nonce(self):
        return self.nonce

    def get_auth_time(self):
        return self.auth_time


class _Quiet(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):
        pass  # the tests' output is about the app, not the provider's access log


class Provider:
    """The provider, its accounts, switches, and what it was asked."""

    def __init__(self):
        self.key = RSAKey.generate_key(2048, parameters={"use": "sig", "alg": "RS256"}, auto_kid=True)
        self.other_key = RSAKey.generate_key(2048, parameters={"kid": self.key.kid}, auto_kid=False)
        self.redirect_uris = ["http://kontento.test/login/sso/callback"]
        self.signed_in: Account | None = None
        self.misbehave: set[str] = set()
        self.authorize_requests: list[dict] = []  # the query of every authorization request
        self.token_requests: list[dict] = []  # the form of every token request (no secrets kept)
        self._codes: dict[str, _Code] = {}
        self._access_tokens: dict[str, tuple[Account, str]] = {}
        self._server = None
        self._thread = None

    # -- running ---------------------------------------------------------------------------

    def start(self) -> "Provider":
        self._server = make_server("127.0.0.1", 0, self._app(), threaded=True, request_handler=_Quiet)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=10)

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    def reset(self) -> None:
        """Forget who is signed in, the switches and what was asked (between tests)."""
        self.signed_in = None
        self.misbehave = set()
        self.authorize_requests.clear()
        self.token_requests.clear()
        self._codes.clear()
        self._access_tokens.clear()
        self.redirect_uris = ["http://kontento.test/login/sso/callback"]

    def authorize(self, url: str) -> str:
        """Open the authorization URL as the browser would; return where the provider sends it back
        (the app's callback, with ``code`` and ``state`` or ``error``), as a path and query."""
        answer = requests.get(url, allow_redirects=False, timeout=5)
        assert answer.status_code == 302, (answer.status_code, answer.text[:300])
        back = urlsplit(answer.headers["Location"])
        return f"{back.path}?{back.query}"

    # -- the Flask app -----------------------------------------------------------------------

    def _app(self) -> Flask:
        app = Flask("oidc-test-provider")
        app.config["OAUTH2_TOKEN_EXPIRES_IN"] = {"authorization_code": 300}
        server = AuthorizationServer(app, query_client=self._query_client, save_token=self._save_token)
        server.register_grant(_code_grant(self), [CodeChallenge(required=True), _openid(self)()])

        @app.get("/.well-known/openid-configuration")
        def discovery():
            issuer = "http://elsewhere.test" if "wrong_issuer" in self.misbehave else self.issuer
            return jsonify(
                issuer=issuer,
                authorization_endpoint=f"{self.issuer}/authorize",
                token_endpoint=f"{self.issuer}/token",
                userinfo_endpoint=f"{self.issuer}/userinfo",
                jwks_uri=f"{self.issuer}/jwks",
                response_types_supported=["code"],
                subject_types_supported=["public"],
                id_token_signing_alg_values_supported=["RS256"],
                code_challenge_methods_supported=["S256"],
                token_endpoint_auth_methods_supported=["client_secret_basic", "client_secret_post"],
                scopes_supported=["openid", "email", "profile"],
            )

        @app.get("/jwks")
        def jwks():
            return jsonify(keys=[self.key.as_dict(private=False)])

        @app.get("/authorize")
        def authorize():
            self.authorize_requests.append(request.args.to_dict())
            account = None if "deny" in self.misbehave else self.signed_in
            grant = server.get_consent_grant(end_user=account)
            return server.create_authorization_response(grant_user=account, grant=grant)

        @app.post("/token")
        def token():
            self.token_requests.append({k: v for k, v in request.form.items() if k != "client_secret"})
            return server.create_token_response()

        @app.get("/userinfo")
        def userinfo():
            bearer = request.headers.get("Authorization", "").removeprefix("Bearer ")
            if bearer not in self._access_tokens:
                return jsonify(error="invalid_token"), 401
            account, scope = self._access_tokens[bearer]
            return jsonify(_claims(account, scope))

        return app

    def _query_client(self, client_id):
        if client_id == CLIENT_ID:
            return _Client(CLIENT_ID, CLIENT_SECRET, self.redirect_uris)
        return None

    def _save_token(self, token, oauth_request):
        self._access_tokens[token["access_token"]] = (oauth_request.user, token.get("scope", ""))


def _claims(account: Account, scope: str) -> dict:
    claims = {"sub": account.sub}
    if "profile" in scope:
        claims["name"] = account.name
        if account.locale:
            claims["locale"] = account.locale
    if "email" in scope:
        claims["email"] = account.email
        claims["email_verified"] = account.email_verified
    return claims


def _code_grant(provider: Provider):
    class CodeGrant(grants.AuthorizationCodeGrant):
        TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

        def save_authorization_code(self, code, oauth_request):
            data = oauth_request.payload.data
            provider._codes[code] = _Code(
                code=code,
                client_id=oauth_request.client.get_client_id(),
                redirect_uri=oauth_request.payload.redirect_uri,
                scope=oauth_request.payload.scope,
                account=oauth_request.user,
                nonce=data.get("nonce"),
                code_challenge=data.get("code_challenge"),
                code_challenge_method=data.get("code_challenge_method"),
                auth_time=int(time.time()),
            )

        def query_authorization_code(self, code, client):
            found = provider._codes.get(code)
            return found if found and found.client_id == client.get_client_id() else None

        def delete_authorization_code(self, authorization_code):
            provider._codes.pop(authorization_code.code, None)

        def authenticate_user(self, authorization_code):
            return authorization_code.account

    return CodeGrant


def _openid(provider: Provider):
    class OpenID(OpenIDCode):
        def exists_nonce(self, nonce, oauth_request):
            return False

        def resolve_client_private_key(self, client):
            return provider.other_key if "wrong_key" in provider.misbehave else provider.key

        def get_encode_header(self, client):
            return {"alg": "RS256", "kid": provider.key.kid}

        def get_client_claims(self, client):
            claims = {"iss": provider.issuer, "aud": [client.get_client_id()]}
            if "token_issuer" in provider.misbehave:
                claims["iss"] = "http://elsewhere.test"
            if "wrong_audience" in provider.misbehave:
                claims["aud"] = ["another-client"]
            if "expired" in provider.misbehave:
                now = int(time.time())
                claims.update(iat=now - 7200, exp=now - 3600)
            return claims

        def get_authorization_code_claims(self, authorization_code):
            claims = super().get_authorization_code_claims(authorization_code)
            if "wrong_nonce" in provider.misbehave:
                claims["nonce"] = "not-the-nonce-that-was-sent"
            return claims

        def generate_user_info(self, user, scope):
            if "email_at_userinfo" in provider.misbehave:
                return UserInfo(sub=user.sub)
            return UserInfo(_claims(user, scope))

    return OpenID


# Driving the app through a sign-in, as a browser would (tests/oidc, tests/e2e)


def begin(client, query: str = ""):
    """Press the button: the app's redirect to the provider."""
    response = client.get("/login/sso" + query)
    assert response.status_code == 302, response.status_code
    return response


def sign_in(client, provider, account: Account | None, query: str = ""):
    """The whole round trip as a browser makes it: app → provider → app's callback."""
    provider.signed_in = account
    start = begin(client, query)
    return client.get(provider.authorize(start.headers["Location"]))


def user(email: str) -> User | None:
    """The account with this (normalised) address, if any."""
    return db.session.scalar(select(User).where(User.email == email))


def signed_in_as(client) -> str | None:
    """Whose dashboard this browser reaches (None: sent to the sign-in page)."""
    response = client.get("/dashboard")
    if response.status_code != 200:
        return None
    return response.get_data(as_text=True)


def identities() -> int:
    """How many provider accounts are linked."""
    return db.session.scalar(select(func.count()).select_from(ExternalIdentity))


ADA = Account(sub="billing-client-1042", email="Ada@Example.com", name="Ada Lovelace")


def assert_refused(client, response, status: int, words: str) -> None:
    """A refusal: its status, its page saying ``words``, and nobody signed in."""
    assert response.status_code == status
    assert words in response.get_data(as_text=True)
    assert signed_in_as(client) is None
