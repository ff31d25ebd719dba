"""Server-side sessions: a new id at every sign-in, idle and absolute lifetimes by role,
sign out here or everywhere, and a role change ending them all."""

from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event, func, select

from feedback.auth.models import Role, UserSession
from feedback.auth.sessions import MAX_SESSIONS_PER_USER, prune_sessions
from feedback.extensions import db
from feedback.worker.jobs import run_job
from tests.conftest import T0

from ..factories import PASSWORD, sign_in


class Clock:
    """The time the session code reads; tests move it explicitly."""

    def __init__(self) -> None:
        self.now = T0

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr("feedback.auth.sessions.utcnow", lambda: clock.now)
    return clock


def _sign_in(app, user, address: str = "127.0.0.1"):
    client = app.test_client()
    response = sign_in(client, user, environ_base={"REMOTE_ADDR": address})
    assert response.status_code == 302, response.status_code
    return client


FIREFOX_ON_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"
SAFARI_ON_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)


def test_the_sessions_page_names_each_browser_as_its_owner_would(app, make, clock):
    customer = make.customer()
    laptop, phone = app.test_client(), app.test_client()
    for client, agent in ((laptop, FIREFOX_ON_WINDOWS), (phone, SAFARI_ON_IPHONE)):
        client.post(
            "/login", data={"email": customer.email, "password": PASSWORD}, headers={"User-Agent": agent}
        )
    html = laptop.get("/sessions/").get_data(as_text=True)
    assert "Firefox on Windows" in html and "Mobile Safari on iOS" in html
    assert FIREFOX_ON_WINDOWS in html  # the raw header is still there, folded under "Details"


def _session_id(client) -> str:
    with client.session_transaction() as session:
        return session["_user_id"]


def _signed_in(client, page: str = "/dashboard") -> bool:
    response = client.get(page)
    assert response.status_code in (200, 302), response.status_code
    return response.status_code == 200


def _sessions_of(user) -> int:
    return db.session.scalar(
        select(func.count()).select_from(UserSession).where(UserSession.user_id == user.id)
    )


def test_every_sign_in_gets_a_new_session_id_and_none_is_the_user_id(app, client, auth, make, clock):
    customer = make.customer()
    auth.login(customer)
    first = _session_id(client)
    auth.logout()
    auth.login(customer)
    second = _session_id(client)
    third = _session_id(_sign_in(app, customer))
    assert len({first, second, third}) == 3
    assert str(customer.id) not in (first, second, third)
    # Only hashes are stored: the database does not hold a usable cookie value.
    stored = set(db.session.scalars(select(UserSession.token_hash)))
    assert not stored & {first, second, third}


def test_a_cookie_copied_before_sign_in_does_not_become_signed_in(app, client, make, clock):
    customer = make.customer()
    client.get("/login")
    planted = client.get_cookie("session").value
    client.post("/login", data={"email": customer.email, "password": PASSWORD})
    assert _signed_in(client)
    attacker = app.test_client()
    attacker.set_cookie("session", planted)
    assert not _signed_in(attacker)


def test_signing_in_elsewhere_keeps_the_other_browsers_signed_in(app, make, clock):
    customer = make.customer()
    laptop = _sign_in(app, customer)
    phone = _sign_in(app, customer)
    assert _signed_in(laptop) and _signed_in(phone)


def test_signing_out_ends_this_browser_only(app, make, clock):
    customer = make.customer()
    laptop, phone = _sign_in(app, customer), _sign_in(app, customer)
    stolen = laptop.get_cookie("session").value
    assert laptop.post("/logout").status_code == 302
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    assert not _signed_in(thief)
    assert not _signed_in(laptop)
    assert _signed_in(phone)


def test_sign_out_everywhere_ends_every_session_and_copied_cookie(app, make, clock):
    customer, other = make.customer(), make.customer()
    laptop, phone = _sign_in(app, customer), _sign_in(app, customer)
    bystander = _sign_in(app, other)
    thief = app.test_client()
    thief.set_cookie("session", phone.get_cookie("session").value)
    assert _signed_in(thief)

    page = laptop.get("/sessions/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert html.count("This browser") == 1 and "Sign out everywhere" in html
    assert laptop.get("/sessions/end-all").status_code == 405  # a POST, never a link
    response = laptop.post("/sessions/end-all")
    assert response.status_code == 302 and response.headers["Location"] == "/login"

    assert not any(_signed_in(c) for c in (laptop, phone, thief))
    assert _signed_in(bystander)  # another customer's session is theirs
    assert _sessions_of(customer) == 0


def test_a_customer_session_ends_after_seven_idle_days_but_lives_while_used(app, make, clock):
    customer = make.customer()
    browser = _sign_in(app, customer)
    clock.advance(days=6, hours=23)
    assert _signed_in(browser)  # used: the idle clock starts again
    clock.advance(days=6, hours=23)
    assert _signed_in(browser)
    clock.advance(days=7)
    assert not _signed_in(browser)


def test_a_customer_session_ends_thirty_days_after_sign_in_however_busy(app, make, clock):
    customer = make.customer()
    browser = _sign_in(app, customer)
    for _day in range(29):
        clock.advance(days=1)
        assert _signed_in(browser)
    clock.advance(hours=23, minutes=59)
    assert _signed_in(browser)
    clock.advance(minutes=1)
    assert not _signed_in(browser)
    assert _signed_in(_sign_in(app, customer))  # signing in again starts a new one


def test_staff_sessions_are_shorter_two_hours_idle_and_twelve_in_all(app, make, clock):
    staff, manager = make.staff(), make.manager()
    idle, busy = _sign_in(app, staff), _sign_in(app, manager)
    clock.advance(hours=1, minutes=59)
    assert _signed_in(idle, "/queue/")
    clock.advance(hours=2)
    assert not _signed_in(idle, "/queue/")

    clock.now = T0
    for _hour in range(11):  # a manager clicking every hour through a long shift
        clock.advance(hours=1)
        assert _signed_in(busy, "/queue/")
    clock.advance(minutes=59)
    assert _signed_in(busy, "/queue/")
    clock.advance(minutes=1)  # twelve hours since sign-in
    assert not _signed_in(busy, "/queue/")


def test_lifetimes_follow_the_configuration(app, make, clock, monkeypatch):
    monkeypatch.setitem(app.config, "CUSTOMER_SESSION_IDLE_HOURS", 0.5)
    browser = _sign_in(app, make.customer())
    clock.advance(minutes=29)
    assert _signed_in(browser)
    clock.advance(minutes=30)
    assert not _signed_in(browser)


@contextmanager
def _session_writes():
    """Count the UPDATEs of user_sessions sent while the block runs."""
    writes = []

    def counted(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("UPDATE USER_SESSIONS"):
            writes.append(statement)

    event.listen(db.engine, "before_cursor_execute", counted)
    try:
        yield writes
    finally:
        event.remove(db.engine, "before_cursor_execute", counted)


def test_the_last_request_is_written_at_most_once_a_minute(app, make, clock):
    browser = _sign_in(app, make.customer())
    with _session_writes() as writes:
        for _ in range(5):
            clock.advance(seconds=10)
            assert _signed_in(browser)
        assert writes == []
        clock.advance(seconds=20)  # a minute since sign-in
        assert _signed_in(browser) and _signed_in(browser)
        assert len(writes) == 1


def test_a_role_change_signs_the_user_out_everywhere(app, runner, make, clock):
    staff, other = make.staff(), make.staff()
    desk, laptop, colleague = _sign_in(app, staff), _sign_in(app, staff), _sign_in(app, other)
    assert desk.get("/reports/satisfaction").status_code == 403

    result = runner.invoke(args=["users", "set-role", staff.email, "manager"])
    assert result.exit_code == 0, result.output
    assert "2 session(s) ended" in result.output

    assert not _signed_in(desk, "/queue/") and not _signed_in(laptop, "/queue/")
    assert _signed_in(colleague, "/queue/")
    db.session.expire_all()
    assert staff.role == Role.MANAGER
    # Now a manager, they must set up two-factor sign-in before any page (tests/auth/test_two_factor.py).
    gate = _sign_in(app, staff).get("/reports/satisfaction")
    assert gate.status_code == 302
    assert gate.headers["Location"] == "/account/two-factor?next=/reports/satisfaction"


def test_customers_do_not_change_role(runner, make):
    customer = make.customer()
    result = runner.invoke(args=["users", "set-role", customer.email, "staff"])
    assert result.exit_code != 0
    assert "Only staff and managers can change roles" in result.output
    db.session.expire_all()
    assert customer.role == Role.CUSTOMER


def test_deactivating_a_staff_account_ends_its_sessions(app, make, clock):
    manager, staff = make.manager(), make.staff()
    agent = _sign_in(app, staff)
    boss = _sign_in(app, manager)
    assert boss.post(f"/settings/users/{staff.id}/toggle").status_code == 302
    assert not _signed_in(agent, "/queue/")
    assert _sessions_of(staff) == 0


def test_sign_in_keeps_a_bounded_number_of_sessions_per_user(app, make, clock):
    customer = make.customer()
    first = _sign_in(app, customer)
    for _ in range(MAX_SESSIONS_PER_USER + 5):
        clock.advance(minutes=1)
        _sign_in(app, customer)
    assert _sessions_of(customer) == MAX_SESSIONS_PER_USER
    assert not _signed_in(first)  # the least recently used went first


def test_the_prune_job_deletes_expired_sessions_only_and_twice_is_once(app, make, clock):
    customer, staff, colleague = make.customer(), make.staff(), make.staff()
    _sign_in(app, customer)
    _sign_in(app, staff)
    clock.advance(hours=3)  # past the staff idle time, well within the customer's
    fresh = _sign_in(app, colleague)
    assert run_job("prune_sessions", clock.now) == 1
    assert prune_sessions(clock.now) == 0
    assert (_sessions_of(customer), _sessions_of(staff), _sessions_of(colleague)) == (1, 0, 1)
    assert _signed_in(fresh, "/queue/")
