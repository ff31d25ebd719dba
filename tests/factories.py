"""Factories that build rows through the real services, shared by every test folder."""

import itertools
import os
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pyotp
import pytest
from sqlalchemy import select, text, update
from werkzeug.routing.converters import AnyConverter, IntegerConverter

from feedback.auth.models import Plan, Role, User
from feedback.auth.services import create_api_token, create_user, find_user_by_email
from feedback.auth.two_factor import crypto
from feedback.core.time import utcnow
from feedback.extensions import db
from feedback.followups.reference import CaseReferenceConverter
from feedback.notices import services as notice_services
from feedback.notices.jobs import send_notice_mail
from feedback.surveys.models import Feedback
from feedback.surveys.services import category_by_slug, submit_rating
from feedback.teams.models import Team
from feedback.teams.services import save_team

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday morning, used as "now" in SLA tests
PASSWORD = "password123"
# The authenticator app of every manager the factories make (they must use two-factor sign-in).
TOTP_SECRET = "KONTENTOTESTKEYKONTENTOTESTKEY23"
_seq = itertools.count(1)


class Factory:
    """``make.customer()``, ``make.staff()``, ``make.rating(customer, csat=1, now=...)``."""

    def user(self, role: Role, name: str | None = None, **kwargs) -> User:
        n = next(_seq)
        user = create_user(
            kwargs.pop("email", f"{role.value}{n}@example.test"),
            name or f"{role.value.title()} {n}",
            PASSWORD,
            role,
            preset_password=True,  # "password123": published, so the policy would refuse it
            **kwargs,
        )
        if role == Role.MANAGER:
            enrol_two_factor(user)
        db.session.commit()
        return user

    def customer(self, name: str | None = None, plan: Plan = Plan.SHARED, **kwargs) -> User:
        return self.user(Role.CUSTOMER, name, plan=plan, **kwargs)

    def staff(self, name: str | None = None, **kwargs) -> User:
        return self.user(Role.STAFF, name, **kwargs)

    def manager(self, name: str | None = None, **kwargs) -> User:
        return self.user(Role.MANAGER, name, **kwargs)

    def team(
        self,
        name: str,
        hours: list[str] | None = None,
        *,
        timezone: str = "UTC",
        always_open: bool | None = None,
        country: str | None = None,
        subdivision: str | None = None,
        holidays=(),
        lead: User | None = None,
        members=(),
    ) -> Team:
        """A team, through the service Settings → Teams uses; around the clock unless ``hours``
        (seven days, Monday first) are given."""
        return save_team(
            None,
            name=name,
            timezone=timezone,
            always_open=hours is None if always_open is None else always_open,
            hours=hours if hours is not None else [""] * 7,
            holiday_country=country,
            holiday_subdivision=subdivision,
            holidays=list(holidays),
            lead=lead,
            members=list(members),
        )

    def rating(
        self,
        customer: User,
        csat: int = 1,
        nps: int | None = None,
        category: str | None = "support",
        comment: str = "Site was slow",
        urgent: bool = False,
        now: datetime | None = None,
    ) -> Feedback:
        fb = submit_rating(
            customer,
            csat=csat,
            nps=nps,
            category=category_by_slug(category),
            comment=comment,
            urgent=urgent,
            now=now,
        )
        db.session.commit()
        return fb


def enrol_two_factor(user: User, secret: str = TOTP_SECRET) -> None:
    """Give ``user`` two-factor sign-in with the app secret ``secret``, as if they had set it up."""
    user.two_factor_secret = crypto.encrypt(secret)
    user.two_factor_enabled_at = utcnow()
    db.session.flush()


def two_factor_code(user_or_email, secret: str = TOTP_SECRET) -> str:
    """A code the user's app shows that the server has not accepted yet.

    The current step's code, or the next one's (also accepted) when a sign-in in this same 30
    seconds used it. A test that signs the same person in a third time within 30 seconds would
    have to wait: instead the last accepted step is moved back a minute, as if the earlier
    sign-ins had been that long ago. The server's check is the real one either way.
    """
    user = find_user_by_email(getattr(user_or_email, "email", user_or_email))
    totp = pyotp.TOTP(secret)
    step = totp.timecode(utcnow())
    last = db.session.scalar(select(User.two_factor_last_step).where(User.id == user.id))
    if last is not None and last >= step + 1:
        db.session.execute(update(User).where(User.id == user.id).values(two_factor_last_step=step - 2))
        db.session.commit()
        last = step - 2
    return totp.generate_otp(step if last is None or last < step else step + 1)


def sign_in(client, user_or_email, password: str = PASSWORD, **kwargs):
    """Sign in through the real form as a browser does, answering the second step with the
    code from the person's app when asked for one; the last response."""
    email = getattr(user_or_email, "email", user_or_email)
    response = client.post("/login", data={"email": email, "password": password}, **kwargs)
    if response.status_code == 302 and response.headers["Location"] == "/login/two-factor":
        kwargs.pop("query_string", None)  # `next` travels with the half-done sign-in
        response = client.post("/login/two-factor", data={"code": two_factor_code(email)}, **kwargs)
    return response


def browser_sign_in(page, base: str, user, code: bool = True) -> None:
    """In a browser (Playwright): sign ``user`` in through the real form at ``base``, answering
    the code page as their app would (``code=False``: stop halfway, at that page)."""
    page.goto(f"{base}/login")
    page.fill("input[name=email]", user.email)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.locator("main button[type=submit]").click()
    if code:
        give_code_if_asked(page, user)


def give_code_if_asked(page, user_or_email) -> None:
    """In a browser (Playwright), once the password is sent: wait for the sign-in page to go and,
    when the code page came instead, enter the code the person's app shows."""
    page.wait_for_url(lambda url: urlsplit(url).path != "/login")
    if urlsplit(page.url).path == "/login/two-factor":
        page.fill("input[name=code]", two_factor_code(user_or_email))
        with page.expect_navigation():
            page.locator("main button[type=submit]").click()


def make_notice(
    manager,
    kind="maintenance",
    title="Kernel upgrade",
    starts=T0 + timedelta(days=3),
    ends=T0 + timedelta(days=3, hours=2),
    downtime=30,
    plans=(),
    servers="",
    body="We upgrade the kernel.",
    publish=False,
    now=T0,
):
    """A notice saved (and optionally published, with the worker's notice mail job run) at
    ``now``, committed."""
    draft = notice_services.NoticeDraft(
        kind=kind,
        title=title,
        body=body,
        starts_at=starts,
        ends_at=ends,
        expected_downtime_minutes=downtime,
        plans=list(plans),
        servers=servers,
    )
    notice = notice_services.save_notice(None, manager, draft, now)
    if publish:
        notice_services.publish(notice, manager, now)
        db.session.commit()
        send_notice_mail(now)  # what the worker does right after the commit
    db.session.commit()
    return notice


# The JSON API, as a client holding a token calls it.

PREFIX = "/api/v1"


class ApiClient:
    """The test client with a bearer token and the /api/v1 prefix."""

    def __init__(self, client, token: str | None = None):
        self.client = client
        self.token = token

    def headers(self, extra: dict | None = None) -> dict:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return {**headers, **(extra or {})}

    def get(self, path: str, **kwargs):
        return self.client.get(PREFIX + path, headers=self.headers(kwargs.pop("headers", None)), **kwargs)

    def post(self, path: str, json=None, **kwargs):
        headers = self.headers(kwargs.pop("headers", None))
        if json is not None:
            kwargs["json"] = json
        return self.client.post(PREFIX + path, headers=headers, **kwargs)

    def delete(self, path: str, **kwargs):
        return self.client.delete(PREFIX + path, headers=self.headers(kwargs.pop("headers", None)), **kwargs)

    def call(self, method: str, path: str, **kwargs):
        if method == "DELETE":
            kwargs.pop("json", None)
            return self.delete(path, **kwargs)
        return self.get(path, **kwargs) if method == "GET" else self.post(path, **kwargs)


def token_for(user) -> str:
    """A fresh committed API token for ``user``."""
    token = create_api_token(user)
    db.session.commit()
    return token


def error_of(response) -> dict:
    """The ``error`` object of an error response, after checking the documented shape."""
    body = response.get_json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "fields"}, body
    assert body["error"]["message"]
    return body["error"]


# Subscription files as a billing panel exports them (the importer's CSV).

HEADER = "email,service_id,product,event,date,amount,billing_cycle"


def csv_bytes(*rows: str, header: str = HEADER, bom: bool = False) -> bytes:
    """A file with ``header`` and ``rows``, optionally starting with a UTF-8 byte-order mark."""
    text = "\n".join([header, *rows]) + "\n"
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode()


def multipart_upload(data: bytes, filename: str, field: str = "file", **fields: str) -> dict:
    """Test-client arguments posting ``data`` as a file upload, the body built in memory.

    The test client spools a multipart body over 500 KB to a temporary file it never closes;
    a ready-made body does not go through that path.
    """
    boundary = "kontento-test-boundary"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    head = f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'
    parts.append(head.encode() + b"Content-Type: text/csv\r\n\r\n" + data + b"\r\n")
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    return {"data": body, "content_type": f"multipart/form-data; boundary={boundary}"}


def history(email: str, sid: str = "1001") -> list[str]:
    """A service's started → renewed → upgraded history (annual, amounts per year)."""
    return [
        f"{email},{sid},Shared Hosting Starter,started,2024-03-01,118.80,Annually",
        f"{email},{sid},Shared Hosting Starter,renewed,2025-03-01,118.80,Annually",
        f"{email},{sid},VPS Cloud M,upgraded,2025-07-01,468.00,Annually",
    ]


# Who may use each blueprint's pages (the access matrix, the CSRF sweep, the rendered pages).
# Who may use each blueprint's pages. The API has its own suite (tests/api).
ALLOWED = {
    "surveys": {Role.CUSTOMER},
    "followups": {Role.STAFF, Role.MANAGER},
    # The queue's saved views and bulk actions; another person's view id is a 404
    # (tests/followups/test_saved_views.py).
    "queue_tools": {Role.STAFF, Role.MANAGER},
    "reports": {Role.MANAGER},
    # Support by person: managers see everyone's figures, staff their own (tests/reports/test_people.py).
    "people_report": {Role.STAFF, Role.MANAGER},
    "settings": {Role.MANAGER},
    "outbox": {Role.MANAGER},
    "imports": {Role.MANAGER},
    "renewals": {Role.STAFF, Role.MANAGER},
    "notices": {Role.MANAGER},
    "ideas": {Role.CUSTOMER},
    "idea_triage": {Role.STAFF, Role.MANAGER},
    "idea_settings": {Role.MANAGER},
    # Profile and password: every signed-in user, their own account (no ids in the URLs).
    "account": {Role.CUSTOMER, Role.STAFF, Role.MANAGER},
    "customer_settings": {Role.MANAGER},
    "canned_settings": {Role.MANAGER},  # Settings → Canned replies
    "sla_settings": {Role.MANAGER},  # Settings → SLA policies
    "team_settings": {Role.MANAGER},  # Settings → Teams
    "token_settings": {Role.MANAGER},
    # Your own API tokens: every signed-in user (the API serves all three roles); another
    # user's token id is a 404 (tests/auth/test_tokens.py).
    "tokens": {Role.CUSTOMER, Role.STAFF, Role.MANAGER},
    "brand_settings": {Role.MANAGER},  # Settings → Brand
    # Where you are signed in, and "sign out everywhere": every signed-in user, their own sessions.
    "sessions": {Role.CUSTOMER, Role.STAFF, Role.MANAGER},
    # Your own two-factor sign-in: offered to staff, required of managers; customers are not offered it.
    "two_factor": {Role.STAFF, Role.MANAGER},
    # Development only (DEMO_INBOX, turned on in the tests); each user sees only their own mail.
    "demo_inbox": {Role.CUSTOMER, Role.STAFF, Role.MANAGER},
}
# None: /static and /healthz; survey_links: e-mailed survey links; status: the public status page;
# i18n: the language switcher, for everyone (tests/i18n); signup: sign-up and e-mailed account links
# (tests/auth/test_signup.py); oidc: sign in with the billing panel, for visitors, 404 unless configured
# (tests/oidc/test_sign_in.py); two_factor_login: the sign-in's second step, reached halfway
# through a sign-in (tests/auth/test_two_factor.py); brand: the host's logo and stylesheet, which
# sign-in pages and e-mails show (tests/brand).
PUBLIC = {
    "auth",
    "api",
    "survey_links",
    "status",
    "i18n",
    "signup",
    "oidc",
    "two_factor_login",
    "brand",
    None,
}


def rule_url(rule, ids: dict) -> str:
    """Fill the rule's arguments by hand: ``url_for`` would need a request context here."""
    path = rule.rule
    for name, converter in rule._converters.items():
        if isinstance(converter, AnyConverter):
            value = sorted(converter.items)[0]
        elif isinstance(converter, IntegerConverter):
            value = ids.get(name, 1)
        elif isinstance(converter, CaseReferenceConverter):  # a case by its reference: K-1
            value = f"K-{ids.get(name, 1)}"
        else:
            value = "x"
        start = path.index("<")
        path = path[:start] + str(value) + path[path.index(">", start) + 1 :]
    return path


@contextmanager
def empty_database_app(tmp_path, schema: str):
    """An app on an empty database, in its context: a new SQLite file, or on the test
    PostgreSQL a schema of its own (dropped afterwards), for tests that run migrations."""
    from sqlalchemy import create_engine, text

    from feedback import create_app
    from tests.conftest import make_config

    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgresql"):
        url = url.replace("postgresql://", "postgresql+psycopg://", 1) if "+psycopg" not in url else url
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA {schema}"))
        url = f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"
    else:
        url, engine = f"sqlite:///{tmp_path / 'fresh.sqlite'}", None
    app = create_app(make_config(url))
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()
    if engine is not None:
        with engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        engine.dispose()


def query_plan(stmt) -> str:
    """The database's plan for the statement ``stmt``, as one text; on PostgreSQL with sequential
    scans priced out, so a missing index shows as a Seq Scan whatever the table's size."""
    sql = str(stmt.compile(db.session.get_bind(), compile_kwargs={"literal_binds": True}))
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL enable_seqscan = off"))
        return "\n".join(db.session.scalars(text("EXPLAIN " + sql)))
    return "\n".join(row[-1] for row in db.session.execute(text("EXPLAIN QUERY PLAN " + sql)))


def unavailable(reason: str, required_by: str):
    """A tool or service a test needs is missing: skip the test, or fail it when the environment
    variable ``required_by`` (KONTENTO_REQUIRE_BROWSER, KONTENTO_REQUIRE_REDIS) says CI has it."""
    if os.environ.get(required_by):
        pytest.fail(reason)
    pytest.skip(reason)
