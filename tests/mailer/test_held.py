"""No mail server configured: mail is held (never tried, never failed) and said to be held."""

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

from feedback.extensions import db
from feedback.mailer import smtp as smtp_module
from feedback.mailer.dispatch import dispatch
from feedback.mailer.models import OutboxMessage, OutboxStatus
from feedback.mailer.services import queue_email
from tests.conftest import T0

RECEIPT = {"fu": None, "promise": None, "feedback": SimpleNamespace(kind=SimpleNamespace(value="rating"))}
ROOT = Path(__file__).resolve().parents[2]
BANNER = "E-mail is not being sent:"


def _queue(user, n=1):
    for _ in range(n):
        queue_email(user, "surveys/received", "Your case", context=RECEIPT, now=T0)
    db.session.commit()


def test_without_a_server_mail_is_held_and_goes_out_once_one_is_configured(
    app, make, smtp, no_mail_server, monkeypatch
):
    customer = make.customer()
    _queue(customer, 3)
    tries = []
    monkeypatch.setattr(smtp_module, "connect", lambda: tries.append(1) or (_ for _ in ()).throw(OSError))
    for later in (timedelta(0), timedelta(hours=30)):  # past the 24 h after which failures give up
        result = dispatch(T0 + later)
        assert (result.sent, result.deferred, result.failed, result.held) == (0, 0, 0, 3)
    assert tries == []  # no SMTP conversation was even attempted
    rows = db.session.scalars(db.select(OutboxMessage)).all()
    assert {(r.status, r.attempts, r.last_error) for r in rows} == {(OutboxStatus.PENDING, 0, "")}

    monkeypatch.undo()  # the real connection again, to the test SMTP server
    no_mail_server.configure()
    result = dispatch(T0 + timedelta(hours=30, minutes=1))
    assert (result.sent, result.failed, result.held) == (3, 0, 0)
    assert [m["To"] for m in smtp.messages] == [f"{customer.name} <{customer.email}>"] * 3


def test_the_outbox_page_shows_held_mail_and_why(app, make, auth, client, no_mail_server):
    manager = make.manager()
    _queue(make.customer(name="Ana Pérez"))
    auth.login(manager)
    html = client.get("/outbox/").get_data(as_text=True)
    assert "Held" in html and "not sent: no mail server configured" in html
    assert "No mail server is configured (MAIL_SERVER)" in html
    row = db.session.scalar(db.select(OutboxMessage))
    assert "not sent: no mail server configured" in client.get(f"/outbox/{row.id}").get_data(as_text=True)
    no_mail_server.configure()
    html = client.get("/outbox/").get_data(as_text=True)
    assert "not sent: no mail server configured" not in html and "Waiting" in html


def test_the_banner_tells_managers_only_and_only_while_no_server_is_configured(
    app, make, client, auth, no_mail_server
):
    customer, staff, manager = make.customer(), make.staff(), make.manager()
    _queue(customer, 2)
    for user, landing in ((customer, "/dashboard"), (staff, "/queue/")):
        auth.login(user)
        assert BANNER not in client.get(landing).get_data(as_text=True)
        auth.logout()
    auth.login(manager)
    html = client.get("/settings/").get_data(as_text=True)
    assert BANNER in html
    assert "2 messages are held and go out once a server is configured." in html
    assert 'href="/outbox/?status=pending"' in html
    assert "/inbox/" not in html  # the demo inbox is off outside development
    no_mail_server.configure()
    assert BANNER not in client.get("/settings/").get_data(as_text=True)


def test_the_banner_links_the_demo_inbox_in_development(app, make, client, auth, no_mail_server, demo_inbox):
    auth.login(make.manager())
    html = client.get("/settings/").get_data(as_text=True)
    assert BANNER in html and "0 messages are held" in html
    assert 'href="/inbox/"' in html


def test_no_mail_server_and_the_demo_inbox_are_the_development_defaults():
    env = {**os.environ, "MAIL_SERVER": "", "DEMO_INBOX": "", "SECRET_KEY": "x"}
    code = (
        "from config import Config, DevelopmentConfig, TestingConfig, ProductionConfig as P;"
        "print(Config.MAIL_SERVER, DevelopmentConfig.DEMO_INBOX, TestingConfig.DEMO_INBOX, P().DEMO_INBOX)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert out.stdout.split() == ["None", "True", "False", "False"], out.stderr
