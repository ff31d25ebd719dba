"""Two-factor sign-in: setting it up, the sign-in's second step, replays, recovery codes, the
lockout, managers made to set it up first, staff free to, resets, and the secret at rest."""

import re
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import func, select, text

from feedback.auth.models import RecoveryCode, Role, User, UserSession
from feedback.auth.services import create_user
from feedback.auth.two_factor import crypto, services
from feedback.core.time import utcnow
from feedback.extensions import db

from ..factories import PASSWORD, TOTP_SECRET, sign_in, two_factor_code


def _password_step(client, user, **kwargs):
    return client.post("/login", data={"email": user.email, "password": PASSWORD}, **kwargs)


def _sessions(user) -> int:
    return db.session.scalar(
        select(func.count()).select_from(UserSession).where(UserSession.user_id == user.id)
    )


def _enrol(client) -> tuple[str, list[str]]:
    """Set two-factor sign-in up through the page, as a person with an app does: (secret, codes)."""
    page = client.get("/account/two-factor").get_data(as_text=True)
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)</code>', page).group(1).replace(" ", "")
    done = client.post("/account/two-factor", data={"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200
    codes = re.findall(r"[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}", done.get_data(as_text=True))
    return secret, codes


def test_setting_up_shows_a_qr_code_and_the_key_and_takes_only_a_right_code(app, client, auth, make):
    staff = make.staff()
    auth.login(staff)
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert '<svg role="img" aria-label="QR code for your authenticator app"' in page
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)</code>', page).group(1).replace(" ", "")
    assert len(secret) == 32
    # The QR code carries the otpauth URI with the brand as issuer and the person's address.
    uri = services.provisioning_uri(staff, secret)
    assert uri.startswith("otpauth://totp/Kontento:") and "issuer=Kontento" in uri
    assert staff.email.replace("@", "%40") in uri
    # A reload keeps the key the app may have scanned already.
    assert secret.encode() in client.get("/account/two-factor").data.replace(b" ", b"")

    wrong = client.post("/account/two-factor", data={"code": "000000"})
    assert wrong.status_code == 400 and b"That code is not right" in wrong.data
    db.session.refresh(staff)
    assert not staff.has_two_factor

    done = client.post("/account/two-factor", data={"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200
    codes = re.findall(r"[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}", done.get_data(as_text=True))
    assert len(set(codes)) == 10 and b"only time they are shown" in done.data
    db.session.refresh(staff)
    assert staff.has_two_factor
    # Shown once: the page now says it is on and how many codes are left, never the codes.
    again = client.get("/account/two-factor").get_data(as_text=True)
    assert "You have 10 unused recovery codes." in again and codes[0] not in again


def test_the_password_alone_opens_no_session(app, client, make):
    manager = make.manager()
    halfway = _password_step(client, manager)
    assert halfway.status_code == 302 and halfway.headers["Location"] == "/login/two-factor"
    assert _sessions(manager) == 0
    blocked = client.get("/reports/satisfaction")
    assert blocked.status_code == 302 and blocked.headers["Location"].startswith("/login?next=")

    wrong = client.post("/login/two-factor", data={"code": "123456"})
    assert wrong.status_code == 401 and b"That code is not right" in wrong.data
    assert _sessions(manager) == 0

    done = client.post("/login/two-factor", data={"code": two_factor_code(manager)})
    assert done.status_code == 302 and done.headers["Location"] == "/reports/satisfaction"
    assert _sessions(manager) == 1
    assert client.get("/reports/satisfaction").status_code == 200


def test_the_next_page_survives_the_second_step_and_is_still_checked(app, make):
    manager = make.manager()
    kept = app.test_client()
    _password_step(kept, manager, query_string={"next": "/settings/sla"})
    assert kept.post("/login/two-factor", data={"code": two_factor_code(manager)}).headers["Location"] == (
        "/settings/sla"
    )
    elsewhere = app.test_client()
    _password_step(elsewhere, manager, query_string={"next": "//evil.example/steal"})
    landed = elsewhere.post("/login/two-factor", data={"code": two_factor_code(manager)})
    assert landed.headers["Location"] == "/reports/satisfaction"


def test_a_code_is_accepted_once(app, make):
    manager = make.manager()
    code = two_factor_code(manager)
    first, second = app.test_client(), app.test_client()
    _password_step(first, manager)
    assert first.post("/login/two-factor", data={"code": code}).status_code == 302
    _password_step(second, manager)
    replay = second.post("/login/two-factor", data={"code": code})
    assert replay.status_code == 401
    # An older code, still inside the clock tolerance, is refused too once a later one was used.
    earlier = pyotp.TOTP(TOTP_SECRET).at(utcnow() - timedelta(seconds=30))
    assert second.post("/login/two-factor", data={"code": earlier}).status_code == 401


def test_a_recovery_code_works_once_and_says_how_many_are_left(app, client, auth, make):
    staff = make.staff()
    auth.login(staff)
    _secret, codes = _enrol(client)
    auth.logout()

    _password_step(client, staff)
    used = client.post(
        "/login/two-factor", data={"code": codes[0].upper().replace("-", " ")}, follow_redirects=True
    )
    assert used.status_code == 200
    assert "You signed in with a recovery code. You have 9 left." in used.get_data(as_text=True)
    auth.logout()

    _password_step(client, staff)
    assert client.post("/login/two-factor", data={"code": codes[0]}).status_code == 401
    assert client.post("/login/two-factor", data={"code": codes[1]}).status_code == 302


def test_wrong_codes_lock_the_account_out(app, make):
    manager = make.manager()
    limit = int(app.config["TWO_FACTOR_ACCOUNT_RATE_LIMIT"].split()[0])
    for n in range(limit):
        # From a new address each time: the account's own budget is what stops spread-out guessing.
        client = app.test_client()
        env = {"REMOTE_ADDR": f"198.51.100.{n + 1}"}
        _password_step(client, manager, environ_base=env)
        assert client.post("/login/two-factor", data={"code": "000000"}, environ_base=env).status_code == 401
    client = app.test_client()
    env = {"REMOTE_ADDR": "203.0.113.9"}
    _password_step(client, manager, environ_base=env)
    locked = client.post("/login/two-factor", data={"code": two_factor_code(manager)}, environ_base=env)
    assert locked.status_code == 429
    assert int(locked.headers["Retry-After"]) > 0
    assert b"Too many wrong codes" in locked.data
    assert _sessions(manager) == 0


def test_a_halfway_sign_in_expires(app, client, make, monkeypatch):
    manager = make.manager()
    _password_step(client, manager)
    later = utcnow() + timedelta(minutes=6)
    monkeypatch.setattr("feedback.auth.two_factor.login_routes.utcnow", lambda: later)
    response = client.post("/login/two-factor", data={"code": two_factor_code(manager)})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert _sessions(manager) == 0


def test_a_manager_without_it_sets_it_up_before_any_other_page(app, client, auth):
    # A manager made some other way than the test factories (CLI, settings): not enrolled.
    manager = create_user(
        "new.manager@example.test", "New Manager", PASSWORD, Role.MANAGER, preset_password=True
    )
    db.session.commit()
    signed = auth.login(manager)
    assert signed.status_code == 302
    for path in ("/reports/satisfaction", "/settings/", "/queue/", "/sessions/"):
        gate = client.get(path)
        assert gate.status_code == 302, path
        assert gate.headers["Location"] == f"/account/two-factor?next={path}", path
    assert client.post("/settings/categories", data={"name": "Sneaky"}).headers["Location"] == (
        "/account/two-factor"
    )
    # The language switcher still works, and the set-up page is in the chosen language.
    client.post("/language", data={"language": "eo", "next": "/account/two-factor"})
    assert client.get("/account/two-factor").status_code == 200

    secret, codes = _enrol(client)
    assert len(codes) == 10
    assert client.get("/reports/satisfaction").status_code == 200
    assert auth.logout().status_code == 302


def test_sessions_opened_with_the_password_alone_end_when_it_is_turned_on(app, client):
    # Someone who has only the password signs in before the owner has set two-factor up...
    manager = create_user(
        "new.manager@example.test", "New Manager", PASSWORD, Role.MANAGER, preset_password=True
    )
    db.session.commit()
    intruder = app.test_client()
    assert _password_step(intruder, manager).headers["Location"] == "/reports/satisfaction"
    # ...and the owner sets it up in their own browser: the intruder's session is gone.
    assert _password_step(client, manager).status_code == 302
    _enrol(client)
    assert _sessions(manager) == 1
    assert intruder.get("/reports/satisfaction").headers["Location"].startswith("/login?next=")
    assert client.get("/reports/satisfaction").status_code == 200


def test_the_hosts_logo_and_colours_load_on_the_set_up_page(app, client, auth):
    from feedback.brand.services import BrandValues, save_brand

    save_brand(BrandValues(name="Acme Hosting", color="#0f766e", support_email="", links=()))
    manager = create_user(
        "new.manager@example.test", "New Manager", PASSWORD, Role.MANAGER, preset_password=True
    )
    db.session.commit()
    auth.login(manager)
    page = client.get("/account/two-factor").get_data(as_text=True)
    stylesheet = re.search(r'href="(/brand\.css\?v=[^"]+)"', page).group(1)
    assert client.get(stylesheet).status_code == 200


def test_signing_out_is_open_before_setting_up(app, client, auth):
    manager = create_user(
        "new.manager@example.test", "New Manager", PASSWORD, Role.MANAGER, preset_password=True
    )
    db.session.commit()
    auth.login(manager)
    assert auth.logout().headers["Location"] == "/login"
    assert client.get("/account/two-factor").headers["Location"].startswith("/login?next=")


def test_staff_may_turn_it_on_and_off_and_customers_are_not_offered_it(app, client, auth, make):
    staff, customer = make.staff(), make.customer()
    auth.login(staff)
    page = client.get("/queue/").get_data(as_text=True)
    assert 'href="/account/two-factor"' in page  # in their account menu
    secret, _codes = _enrol(client)

    wrong = client.post("/account/two-factor/disable", data={"password": "not-it"})
    assert wrong.status_code == 401
    off = client.post("/account/two-factor/disable", data={"password": PASSWORD})
    assert off.status_code == 302
    db.session.refresh(staff)
    assert not staff.has_two_factor and staff.two_factor_secret is None
    assert (
        db.session.scalar(
            select(func.count()).select_from(RecoveryCode).where(RecoveryCode.user_id == staff.id)
        )
        == 0
    )
    auth.logout()
    assert auth.login(staff).headers["Location"] == "/queue/"  # the password alone again

    other = customer
    auth.logout()
    auth.login(other)
    assert client.get("/account/two-factor").status_code == 403
    assert 'href="/account/two-factor"' not in client.get("/dashboard").get_data(as_text=True)


def test_a_manager_cannot_turn_it_off(app, client, auth, make):
    manager = make.manager()
    auth.login(manager)
    refused = client.post("/account/two-factor/disable", data={"password": PASSWORD})
    assert refused.status_code == 400 and b"cannot be turned off" in refused.data
    db.session.refresh(manager)
    assert manager.has_two_factor


def test_new_recovery_codes_need_a_code_and_replace_the_old_ones(app, client, auth, make):
    staff = make.staff()
    auth.login(staff)
    secret, old = _enrol(client)
    assert client.post("/account/two-factor/recovery-codes", data={"code": "000000"}).status_code == 401
    fresh = client.post("/account/two-factor/recovery-codes", data={"code": two_factor_code(staff, secret)})
    assert fresh.status_code == 200
    new = re.findall(r"[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}", fresh.get_data(as_text=True))
    assert len(new) == 10 and not set(new) & set(old)
    auth.logout()
    _password_step(client, staff)
    assert client.post("/login/two-factor", data={"code": old[0]}).status_code == 401
    assert client.post("/login/two-factor", data={"code": new[0]}).status_code == 302


def test_a_manager_resets_a_staff_members_two_factor(app, client, auth, make):
    manager, staff = make.manager(), make.staff()
    staff_client = app.test_client()
    sign_in(staff_client, staff)
    services.start_enrolment(staff)
    services.confirm_enrolment(staff, pyotp.TOTP(services.secret_of(staff)).now(), utcnow())
    db.session.commit()

    auth.login(manager)
    listing = client.get("/settings/users").get_data(as_text=True)
    assert f"/settings/users/{staff.id}/reset-two-factor" in listing
    assert 'data-confirm="Reset two-factor sign-in for' in listing  # asks before it resets
    assert client.post(f"/settings/users/{staff.id}/reset-two-factor").status_code == 302
    db.session.refresh(staff)
    assert not staff.has_two_factor
    assert staff_client.get("/queue/").status_code == 302  # signed out everywhere
    # Not their own (that one is behind a code on their page), and never a customer's.
    assert client.post(f"/settings/users/{manager.id}/reset-two-factor").status_code == 400
    assert client.post(f"/settings/users/{make.customer().id}/reset-two-factor").status_code == 404


def test_the_command_line_resets_a_locked_out_manager(app, runner, make):
    manager = make.manager()
    result = runner.invoke(args=["users", "reset-2fa", manager.email])
    assert result.exit_code == 0, result.output
    assert "reset" in result.output and "set it up again at their next sign-in" in result.output
    db.session.refresh(manager)
    assert not manager.has_two_factor
    assert runner.invoke(args=["users", "reset-2fa", "nobody@example.test"]).exit_code != 0


def test_the_secret_is_stored_encrypted(app, make):
    manager = make.manager()
    stored = db.session.scalar(text("SELECT two_factor_secret FROM users WHERE id = :id"), {"id": manager.id})
    assert TOTP_SECRET not in stored and TOTP_SECRET.lower() not in stored.lower()
    assert crypto.decrypt(stored) == TOTP_SECRET
    # Another secret key cannot read it; with the old key among the fallbacks it still can.
    old_key = app.config["SECRET_KEY"]
    app.config["SECRET_KEY"] = "a-rotated-secret-key"
    try:
        assert crypto.decrypt(stored) is None
        app.config["SECRET_KEY_FALLBACKS"] = [old_key]
        assert crypto.decrypt(stored) == TOTP_SECRET
    finally:
        app.config["SECRET_KEY"], app.config["SECRET_KEY_FALLBACKS"] = old_key, []


@pytest.mark.parametrize(
    "roles, required", [("manager", {Role.MANAGER}), ("manager,staff", {Role.MANAGER, Role.STAFF})]
)
def test_the_required_roles_come_from_the_configuration(app, monkeypatch, roles, required):
    monkeypatch.setitem(app.config, "TWO_FACTOR_REQUIRED_ROLES", roles)
    for role in Role:
        assert services.is_required(User(role=role)) == (role in required)
