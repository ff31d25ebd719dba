"""Every change to someone's two-factor sign-in is mailed to them, in their language, whoever made
it: turned on, turned off, reset by a manager or the command line, a recovery code used, new
recovery codes made. A change they did not make (someone with their password registering their
own app, a code used by someone else) is noticed."""

import re

import pyotp
from sqlalchemy import select

from feedback.extensions import db
from feedback.mailer.models import OutboxMessage
from tests.factories import PASSWORD, TOTP_SECRET, two_factor_code
from tests.mail_server import html_body


def mails_to(user) -> list[OutboxMessage]:
    return list(
        db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.user_id == user.id).order_by(OutboxMessage.id)
        )
    )


def _enrol(client) -> tuple[str, list[str]]:
    page = client.get("/account/two-factor").get_data(as_text=True)
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)</code>', page).group(1).replace(" ", "")
    done = client.post("/account/two-factor", data={"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200
    return secret, re.findall(r"[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}", done.get_data(as_text=True))


def test_turning_it_on_and_off_is_mailed_in_the_owners_language(client, auth, make, say):
    staff = make.staff()
    staff.locale = "ar"
    db.session.commit()
    auth.login(staff)

    _enrol(client)
    (on,) = mails_to(staff)
    assert on.subject == say("ar", "Two-factor sign-in was turned on") != "Two-factor sign-in was turned on"
    assert staff.email in on.body_text and "/account/new-link" in on.body_text
    assert client.post("/account/two-factor/disable", data={"password": PASSWORD}).status_code == 302
    off = mails_to(staff)[-1]
    assert off.subject == say("ar", "Two-factor sign-in was turned off")


def test_a_recovery_code_used_and_new_codes_are_mailed_with_what_is_left(app, client, auth, make):
    staff = make.staff()
    auth.login(staff)
    secret, codes = _enrol(client)
    auth.logout()
    client.post("/login", data={"email": staff.email, "password": PASSWORD})
    assert client.post("/login/two-factor", data={"code": codes[0]}).status_code == 302

    used = mails_to(staff)[-1]
    assert used.subject == "A recovery code was used to sign in"
    assert "9 recovery codes are left." in used.body_text
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert "totp-secret" not in page  # on: the status page
    fresh = client.post("/account/two-factor/recovery-codes", data={"code": two_factor_code(staff, secret)})
    assert fresh.status_code == 200
    assert mails_to(staff)[-1].subject == "You have new recovery codes"


def test_a_reset_by_a_manager_or_the_command_line_is_mailed(client, auth, make, runner):
    from tests.factories import enrol_two_factor

    staff, manager = make.staff(), make.manager()
    enrol_two_factor(staff)
    db.session.commit()
    auth.login(manager)
    assert client.post(f"/settings/users/{staff.id}/reset-two-factor").status_code == 302
    assert mails_to(staff)[-1].subject == "Your two-factor sign-in was reset"

    assert runner.invoke(args=["users", "reset-2fa", manager.email]).exit_code == 0
    (reset,) = mails_to(manager)
    assert reset.subject == "Your two-factor sign-in was reset" and manager.email in reset.body_text
    assert TOTP_SECRET not in reset.body_text


def test_the_html_mail_escapes_the_address(client, auth, make, smtp):
    from feedback.core.time import utcnow
    from feedback.mailer.dispatch import dispatch

    staff = make.staff(email="a&b@example.com")
    auth.login(staff)
    _enrol(client)
    dispatch(utcnow())
    (mail,) = smtp.messages
    body = html_body(mail)
    assert "a&amp;b@example.com" in body and "a&b@example.com" not in body
