"""The development demo inbox: a user reads the mail meant for them, and nobody else's."""

import html as html_lib
import re
from datetime import timedelta
from types import SimpleNamespace
from urllib.parse import urlsplit

from feedback.core.time import utcnow
from feedback.extensions import db
from feedback.followups import services as fu_services
from feedback.mailer.models import OutboxMessage
from feedback.mailer.services import queue_email
from tests.conftest import T0

RECEIPT = {"fu": None, "promise": None, "feedback": SimpleNamespace(kind=SimpleNamespace(value="rating"))}


def _mail_in_the_frame(client, page: str) -> str:
    """The HTML the message page's preview frame shows."""
    src = re.search(r'<iframe[^>]* src="([^"]*)"', page).group(1)
    return html_lib.unescape(client.get(html_lib.unescape(src)).get_data(as_text=True))


def _queue(user, subject, now=T0):
    row = queue_email(user, "surveys/received", subject, context=RECEIPT, now=now)
    db.session.commit()
    return row


def test_a_user_reads_their_own_mail_newest_first(app, make, auth, client, demo_inbox, no_mail_server):
    ana, bob = make.customer(name="Ana"), make.customer(name="Bob")
    older = _queue(ana, "First letter", T0)
    newer = _queue(ana, "Second letter", T0 + timedelta(hours=1))
    theirs = _queue(bob, "Bob's letter")
    auth.login(ana)
    page = client.get("/inbox/").get_data(as_text=True)
    assert page.index("Second letter") < page.index("First letter")
    assert "Bob" not in page and ana.email in page
    assert "not sent: no mail server configured" in page
    shown = client.get(f"/inbox/{older.id}")
    assert shown.status_code == 200
    text = shown.get_data(as_text=True)
    assert "Thank you for your feedback." in text  # the text part
    assert client.get(f"/inbox/{newer.id}").status_code == 200
    assert client.get(f"/inbox/{theirs.id}").status_code == 404
    assert client.get("/inbox/999999").status_code == 404


def test_the_html_is_shown_in_a_sandbox_that_runs_no_script(app, make, auth, client, demo_inbox):
    customer = make.customer(name='Eve <script>alert(1)</script>"')
    row = _queue(customer, "Hello")
    auth.login(customer)
    page = client.get(f"/inbox/{row.id}").get_data(as_text=True)
    [frame] = re.findall(r"<iframe[^>]*>", page)
    sandbox = re.search(r'sandbox="([^"]*)"', frame).group(1).split()
    assert "allow-scripts" not in sandbox and "allow-same-origin" not in sandbox
    # The mail comes from its own URL, with a policy of its own: the page's would refuse the
    # inline styles e-mails are made of (a srcdoc frame inherits it).
    framed = client.get(html_lib.unescape(re.search(r'src="([^"]*)"', frame).group(1)))
    mail = framed.get_data(as_text=True)
    assert '<base target="_top">' in mail  # links leave the frame and work
    assert "Thank you for your feedback." in mail
    assert "<script>" not in mail and "&lt;script&gt;" in mail  # the name stays escaped
    assert "<script>alert" not in page
    policy = framed.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "script-src" not in policy  # no script at all
    assert f"sandbox {' '.join(sandbox)}" in policy  # sandboxed even when opened on its own
    assert "frame-ancestors 'self'" in policy and framed.headers["X-Frame-Options"] == "SAMEORIGIN"


def test_the_survey_link_in_a_mail_opens(app, make, auth, client, demo_inbox):
    now = utcnow()  # the link page checks its expiry against the clock
    customer = make.customer()
    fu = make.rating(customer, csat=1, now=now - timedelta(hours=3)).followup
    fu_services.resolve(fu, make.staff(), now=now, body="Fixed.")
    db.session.commit()
    auth.login(customer)
    row = db.session.scalar(db.select(OutboxMessage).where(OutboxMessage.kind == "surveys/case_resolved"))
    page = _mail_in_the_frame(client, client.get(f"/inbox/{row.id}").get_data(as_text=True))
    link = re.search(r'href="(http://kontento\.test/s/[^"]+)"', page).group(1)
    url = urlsplit(link)
    answer = client.get(f"{url.path}?{url.query}")
    assert answer.status_code == 200
    assert "satisfied" in answer.get_data(as_text=True)


def test_the_inbox_pages_and_is_empty_at_first(app, make, auth, client, demo_inbox):
    customer = make.customer()
    auth.login(customer)
    assert "No e-mail for you yet" in client.get("/inbox/").get_data(as_text=True)
    for i in range(app.config["PAGE_SIZE"] + 1):
        _queue(customer, f"Letter {i:02d}", T0 + timedelta(minutes=i))
    first = client.get("/inbox/").get_data(as_text=True)
    assert "Letter 25" in first and "Letter 00" not in first
    assert "Letter 00" in client.get("/inbox/?page=2").get_data(as_text=True)


def test_the_inbox_is_not_there_unless_turned_on(app, make, auth, client):
    customer = make.customer()
    row = _queue(customer, "Hello")
    assert client.get("/inbox/").status_code == 404  # not even a sign-in redirect
    auth.login(customer)
    assert client.get("/inbox/").status_code == 404
    assert client.get(f"/inbox/{row.id}").status_code == 404
    assert "/inbox/" not in client.get("/dashboard").get_data(as_text=True)


def test_the_account_menu_links_the_inbox_in_development(app, make, auth, client, demo_inbox):
    auth.login(make.staff())
    assert 'href="/inbox/"' in client.get("/queue/").get_data(as_text=True)
