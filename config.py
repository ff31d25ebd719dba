"""Configuration classes, read from the environment (and ``.env``)."""

import os
from datetime import timedelta
from pathlib import Path

import click
from dotenv import load_dotenv

BASE_DIR = Path(__file__).resolve().parent
load_dotenv(BASE_DIR / ".env")


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        # Heroku-style URLs name the old driver; we ship psycopg 3.
        if url.startswith("postgres://"):
            url = "postgresql+psycopg://" + url[len("postgres://") :]
        elif url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://") :]
        return url
    return f"sqlite:///{BASE_DIR / 'instance' / 'kontento.sqlite'}"


def base_url() -> str:
    """Where e-mail links point: ``BASE_URL``, else where ``flask run`` serves.

    ``flask run --host H --port P`` (or ``FLASK_RUN_HOST``/``FLASK_RUN_PORT``, which ``make run``
    sets from ``HOST``/``PORT``) is read from the running command, so the links in mail follow
    the port the demo is actually on. A wildcard host (0.0.0.0) becomes 127.0.0.1: a browser
    cannot open it; serving other machines needs ``BASE_URL``.
    """
    url = os.environ.get("BASE_URL")
    if url:
        return url
    host = os.environ.get("FLASK_RUN_HOST") or "127.0.0.1"
    port = os.environ.get("FLASK_RUN_PORT") or "5000"
    scheme = "http"
    ctx = click.get_current_context(silent=True)
    while ctx is not None:  # inside `flask run`: its options, which already include the env
        if ctx.info_name == "run" and "port" in ctx.params:
            host, port = ctx.params.get("host") or host, ctx.params["port"] or port
            scheme = "https" if ctx.params.get("cert") else scheme
            break
        ctx = ctx.parent
    if host in ("0.0.0.0", "::", ""):
        host = "127.0.0.1"
    if ":" in host:  # an IPv6 address
        host = f"[{host}]"
    return f"{scheme}://{host}:{port}"


class Config:
    """Settings shared by every environment."""

    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-insecure-key")
    # Earlier secret keys, comma-separated, while rotating SECRET_KEY: old session cookies and
    # two-factor secrets saved under them keep working (feedback/auth/two_factor/crypto.py).
    SECRET_KEY_FALLBACKS = [k for k in os.environ.get("SECRET_KEY_FALLBACKS", "").split(",") if k]
    SQLALCHEMY_DATABASE_URI = _database_url()
    # No pre-ping (a round trip before every request's first statement). A connection the
    # database dropped (a restart) fails its statement once; SQLAlchemy then sees the disconnect
    # and discards every pooled connection older than it, so a restart costs each process at most
    # one failed request, not lasting errors. pool_recycle retires connections an idle timeout
    # (a proxy, a firewall) may have cut without telling us.
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_recycle": 1800}
    # Token → user, categories, routing rules and SLA policies are read at most this many seconds
    # before they are used, in each process (feedback/core/cache.py): a revoked token, a disabled
    # user, an edited rule, policy or category takes effect everywhere within this bound.
    REFERENCE_CACHE_SECONDS = float(os.environ.get("REFERENCE_CACHE_SECONDS", "5"))
    REDIS_URL = os.environ.get("REDIS_URL")
    RATELIMIT_STORAGE_URI = os.environ.get("REDIS_URL") or "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    # Redis down must not mean every request down: a dead Redis fails within REDIS_TIMEOUT
    # seconds, limits then count in each process (the same budgets, per process) and go back to
    # Redis once it answers again; an error of the limit storage is logged, never a 500.
    REDIS_TIMEOUT = float(os.environ.get("REDIS_TIMEOUT", "0.3"))
    # Answers get longer: a Redis busy for a moment (a fork to save, an fsync) must not send the
    # limits to per-process counting; a dead one refuses the connection, which REDIS_TIMEOUT bounds.
    REDIS_READ_TIMEOUT = float(os.environ.get("REDIS_READ_TIMEOUT", "1.5"))
    RATELIMIT_STORAGE_OPTIONS = {
        "socket_connect_timeout": REDIS_TIMEOUT,
        "socket_timeout": REDIS_READ_TIMEOUT,
    }
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_SWALLOW_ERRORS = True
    # Fixed windows as Flask-Limiter's own, counted and read for the headers in one Redis round
    # trip instead of three (feedback/core/limit_strategy.py).
    RATELIMIT_STRATEGY = "fixed-window-one-trip"
    API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "120 per minute")  # per token
    # Failed authentications (401) per address, checked before any token is looked up: random
    # tokens cannot make the database search for them at the rate they are sent.
    API_AUTH_FAILURE_LIMIT = os.environ.get("API_AUTH_FAILURE_LIMIT", "20 per minute")
    # How long (seconds) a POST waits on PostgreSQL for another request holding the same
    # Idempotency-Key before answering 409 with Retry-After (feedback/api/idempotency.py).
    IDEMPOTENCY_WAIT_SECONDS = max(0.001, float(os.environ.get("IDEMPOTENCY_WAIT_SECONDS", "5")))
    API_IDEA_RATE_LIMIT = os.environ.get("API_IDEA_RATE_LIMIT", "20 per hour")  # new ideas, per token
    IDEA_POST_RATE_LIMIT = os.environ.get(
        "IDEA_POST_RATE_LIMIT", "20 per hour"
    )  # per customer, board and API
    # New ratings per customer, one budget for the dashboard, e-mailed survey links and the API:
    # each negative one opens a case and tells the team, so a burst must stop at a person's pace.
    RATING_RATE_LIMIT = os.environ.get("RATING_RATE_LIMIT", "10 per hour")
    # Staff get the first new-case e-mail at once; cases that follow within this many minutes come
    # in one digest per person at the end of the window (0: every case at once, no digest).
    FOLLOWUP_DIGEST_MINUTES = int(os.environ.get("FOLLOWUP_DIGEST_MINUTES", "5"))
    # Sign-in limits count failed sign-ins only (a wrong password answers 401): a support office
    # behind one address signs in at shift start without being locked out.
    # Per account and address: what stops one machine guessing one password.
    LOGIN_EMAIL_ADDRESS_RATE_LIMIT = os.environ.get("LOGIN_EMAIL_ADDRESS_RATE_LIMIT", "5 per 15 minutes")
    # Per account from any address: a softer ceiling on spread-out guessing. A browser that has
    # signed in to the account before is exempt, so strangers cannot lock the real user out.
    LOGIN_EMAIL_RATE_LIMIT = os.environ.get("LOGIN_EMAIL_RATE_LIMIT", "50 per hour")
    # Per address, any account: one machine trying many accounts.
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "30 per 10 minutes")
    # Two-factor sign-in (feedback/auth/two_factor): the roles that must use it, comma-separated
    # (staff may turn it on; customers are not offered it).
    TWO_FACTOR_REQUIRED_ROLES = os.environ.get("TWO_FACTOR_REQUIRED_ROLES", "manager")
    # Wrong codes at the sign-in's second step (401), per account from anywhere (whoever guesses
    # has the password already: six digits, three good at a time, 5 tries a quarter hour is
    # years of guessing) and per address.
    TWO_FACTOR_ACCOUNT_RATE_LIMIT = os.environ.get("TWO_FACTOR_ACCOUNT_RATE_LIMIT", "5 per 15 minutes")
    TWO_FACTOR_RATE_LIMIT = os.environ.get("TWO_FACTOR_RATE_LIMIT", "30 per 10 minutes")
    # Server-side sessions (auth/sessions.py): signed out after this long without a request
    # (idle) or after this long since sign-in whatever happens (absolute), in hours. Staff and
    # managers see every customer's data, so theirs are shorter: a shift, not a month.
    CUSTOMER_SESSION_IDLE_HOURS = float(os.environ.get("CUSTOMER_SESSION_IDLE_HOURS", "168"))  # 7 days
    CUSTOMER_SESSION_MAX_HOURS = float(os.environ.get("CUSTOMER_SESSION_MAX_HOURS", "720"))  # 30 days
    STAFF_SESSION_IDLE_HOURS = float(os.environ.get("STAFF_SESSION_IDLE_HOURS", "2"))
    STAFF_SESSION_MAX_HOURS = float(os.environ.get("STAFF_SESSION_MAX_HOURS", "12"))
    # The signed cookie itself is refused once older than the longest session may live (Flask
    # checks this even for browser-session cookies); the server-side limits above are the real ones.
    PERMANENT_SESSION_LIFETIME = timedelta(hours=max(CUSTOMER_SESSION_MAX_HOURS, STAFF_SESSION_MAX_HOURS))
    # Sign-in does not set Flask-Login's remember-me cookie. Were it used, it would carry the same
    # server-side session id, so it could not outlive that session; its own lifetime matches.
    REMEMBER_COOKIE_DURATION = PERMANENT_SESSION_LIFETIME
    # Forms that mail an account link (sign-up, "send me a link again"), one budget for both:
    # per client address, and per e-mail address so nobody floods one mailbox from many places.
    SIGNUP_RATE_LIMIT = os.environ.get("SIGNUP_RATE_LIMIT", "10 per hour")
    SIGNUP_EMAIL_RATE_LIMIT = os.environ.get("SIGNUP_EMAIL_RATE_LIMIT", "3 per hour")
    # Those forms answer no sooner than this, whatever the address: the work differs (new account,
    # existing one, none), the time must not tell which.
    SIGNUP_MIN_RESPONSE_MS = int(os.environ.get("SIGNUP_MIN_RESPONSE_MS", "300"))
    ACCOUNT_LINK_RATE_LIMIT = "10 per minute"  # passwords set through links, per client address
    # The account pages (/account): profile saves, password changes and "e-mail me a link to set a
    # password", per signed-in user, one budget for the three.
    ACCOUNT_RATE_LIMIT = os.environ.get("ACCOUNT_RATE_LIMIT", "30 per hour")
    # Wrong current passwords typed when changing the password, per account, from any browser:
    # a stolen session must not become a way to guess the password (failures only, as at sign-in).
    PASSWORD_CHECK_RATE_LIMIT = os.environ.get("PASSWORD_CHECK_RATE_LIMIT", "5 per 15 minutes")
    # How long an e-mailed link stays usable: one asked for (sign-up, new password), an invitation.
    ACCOUNT_LINK_HOURS = int(os.environ.get("ACCOUNT_LINK_HOURS", "24"))
    INVITE_LINK_DAYS = int(os.environ.get("INVITE_LINK_DAYS", "7"))
    # Sign in with the billing panel (OpenID Connect, feedback/oidc): off while OIDC_ISSUER is empty.
    # The provider's settings come from <OIDC_ISSUER>/.well-known/openid-configuration.
    OIDC_ISSUER = os.environ.get("OIDC_ISSUER", "")
    OIDC_CLIENT_ID = os.environ.get("OIDC_CLIENT_ID", "")
    OIDC_CLIENT_SECRET = os.environ.get("OIDC_CLIENT_SECRET", "")
    OIDC_NAME = os.environ.get("OIDC_NAME", "")  # "Demo Billing" → "Sign in with Demo Billing"
    OIDC_TIMEOUT = float(os.environ.get("OIDC_TIMEOUT", "10"))  # seconds before the provider counts as down
    # Starts and returns of that sign-in, each, per client address (the return asks the provider
    # for tokens: a flood must not turn the app into a request cannon).
    OIDC_RATE_LIMIT = os.environ.get("OIDC_RATE_LIMIT", "60 per 10 minutes")
    # Unset: mail is held in the outbox, not sent (the banner and Settings → Outbox say so);
    # it goes out once a server is configured.
    MAIL_SERVER = os.environ.get("MAIL_SERVER") or None
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "kontento@localhost")
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_USE_TLS = os.environ.get("MAIL_USE_TLS", "").lower() in ("1", "true", "yes")
    MAIL_TIMEOUT = float(os.environ.get("MAIL_TIMEOUT", "30"))  # seconds; must be well under the lease
    MAIL_SUPPRESS_SEND = False  # the outbox decides what goes; tests use a real SMTP server
    # A claimed outbox row whose dispatcher has not finished within this goes back to the queue.
    MAIL_CLAIM_LEASE_SECONDS = int(os.environ.get("MAIL_CLAIM_LEASE_SECONDS", "300"))
    # Sending: this many threads, each on its own SMTP connection, claim and send batches of
    # MAIL_BATCH_SIZE (one connection per batch) until no mail is due or a run has taken
    # MAIL_DISPATCH_SECONDS; then the run ends and wakes the dispatcher again, so one run never
    # holds a worker for long and a big queue goes without waiting for the next minute.
    MAIL_SEND_CONCURRENCY = int(os.environ.get("MAIL_SEND_CONCURRENCY", "4"))
    MAIL_BATCH_SIZE = int(os.environ.get("MAIL_BATCH_SIZE", "100"))
    MAIL_DISPATCH_SECONDS = float(os.environ.get("MAIL_DISPATCH_SECONDS", "50"))
    # A notice's mail is queued this many recipients per transaction: a large audience neither
    # holds one transaction for long nor starts again from nothing after a crash.
    MAIL_FANOUT_BATCH = int(os.environ.get("MAIL_FANOUT_BATCH", "1000"))
    BASE_URL = base_url()
    # The demo inbox (/inbox): each user reads the mail queued for them in the browser.
    # Development only: ProductionConfig and TestingConfig keep it off.
    DEMO_INBOX = False
    # "celery" (REDIS_URL set: run `celery -A make_celery worker -B`), "embedded" (a scheduler
    # thread inside the web process), or "off" (jobs only run when called, as in tests).
    WORKER_MODE = os.environ.get("WORKER_MODE") or ("celery" if os.environ.get("REDIS_URL") else "embedded")
    # Redis re-delivers a task whose worker died after this many seconds (late acks).
    # A process asks Redis about waking a job at most once per this many seconds; commits in
    # between are covered by one wake-up at the end of the span (feedback/worker/wake.py).
    WAKE_COALESCE_SECONDS = float(os.environ.get("WAKE_COALESCE_SECONDS", "1"))
    CELERY_VISIBILITY_TIMEOUT = int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "3600"))
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "UTC"
    LANGUAGES = ["en", "eo", "ar"]  # each but English has a catalogue in feedback/translations
    # Each language's own name, for the switcher.
    LANGUAGE_NAMES = {"en": "English", "eo": "Esperanto", "ar": "العربية"}
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    # API bodies beyond this are refused with 413 before any parsing.
    MAX_CONTENT_LENGTH = 64 * 1024
    # How many reverse proxies (nginx, Caddy, a load balancer) stand in front of the app and
    # append to X-Forwarded-For / set X-Forwarded-Proto. 0: the headers are ignored (a client
    # could forge them); n: the client address is the n-th from the right, so rate limits and
    # logs see the real client instead of the proxy. Never more than the proxies really there.
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))
    WTF_CSRF_TIME_LIMIT = None
    # Redirect plain HTTP to HTTPS (except /healthz, for probes that call the app directly) and
    # send Strict-Transport-Security on HTTPS answers: production only (feedback/core/headers.py).
    FORCE_HTTPS = False
    HSTS = False
    PAGE_SIZE = 25
    # Cases are named "<prefix>-<number>" (K-220) on every page, e-mail and API answer: 1 to 8
    # letters. Changing it later changes the references shown; old ones still find their case.
    CASE_REFERENCE_PREFIX = os.environ.get("CASE_REFERENCE_PREFIX", "K")
    # A customer may answer a resolved case for this many days; the answer reopens it.
    CUSTOMER_REOPEN_DAYS = int(os.environ.get("CUSTOMER_REOPEN_DAYS", "7"))
    # Messages a customer may add to their cases (each one tells the team, and may reopen a case).
    CASE_MESSAGE_RATE_LIMIT = os.environ.get("CASE_MESSAGE_RATE_LIMIT", "20 per hour")


class DevelopmentConfig(Config):
    """Local development: SQLite in ``instance/`` unless DATABASE_URL is set."""

    DEBUG = False
    DEMO_INBOX = os.environ.get("DEMO_INBOX", "1").lower() not in ("0", "false", "no")


class TestingConfig(Config):
    """Tests: CSRF off by default (one suite turns it back on), fast password hashing."""

    TESTING = True
    SECRET_KEY = "test-secret"
    WTF_CSRF_ENABLED = False
    RATELIMIT_STORAGE_URI = "memory://"
    WAKE_COALESCE_SECONDS = 0  # each commit wakes at once; tests/worker/test_wake_coalesce.py sets it
    REFERENCE_CACHE_SECONDS = 0  # every read sees the test's rows; tests/api/test_cache.py sets it
    PASSWORD_METHOD = "pbkdf2:sha256:1000"
    SIGNUP_MIN_RESPONSE_MS = 0  # tests/auth/test_signup.py turns the floor on where it is the subject
    WORKER_MODE = "off"
    MAIL_SERVER = "127.0.0.1"
    MAIL_PORT = 1  # nothing listens here: a test sends mail only to the `smtp` fixture's server
    # Most tests run on one connection in one rolled-back transaction: send from the test's own
    # thread. Tests of parallel sending (marked real_commits) raise it.
    MAIL_SEND_CONCURRENCY = 1
    BASE_URL = "http://kontento.test"
    OIDC_ISSUER = ""  # tests/oidc turn it on against their own provider


class ProductionConfig(Config):
    """Production: a real secret key is required."""

    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    FORCE_HTTPS = True
    HSTS = True
    DEMO_INBOX = False

    def __init__(self) -> None:
        if not os.environ.get("SECRET_KEY"):
            raise RuntimeError("SECRET_KEY must be set in production")


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
