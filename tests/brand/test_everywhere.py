"""Where customers look, they see the host: its name, logo and colour on the sign-in page, the
dashboard, the status page, a survey link, the idea board, error pages and in every e-mail, in
English and in Arabic, and nowhere the word Kontento, unless the host keeps it."""

import re

import pytest
from sqlalchemy import select

from feedback.auth.models import User
from feedback.brand import services
from feedback.brand.queries import current_brand
from feedback.core.time import utcnow
from feedback.extensions import db
from feedback.mailer.dispatch import dispatch
from feedback.mailer.models import OutboxMessage
from feedback.signup import services as signup
from feedback.surveys import invitations as inv
from feedback.surveys.models import SurveyKind
from feedback.worker.jobs import run_job
from tests.mail_server import html_body, text_body

from .conftest import HOST

LANGUAGES = ["en", "ar"]


def assert_branded(page: str, title_part: str | None = None) -> None:
    """The page shows the host (name, logo, colour, footer) and never the product's name."""
    brand = current_brand()
    title = re.search(r"<title>(.*?)</title>", page, re.S).group(1)
    assert title.strip().endswith("· Acme Hosting"), title
    if title_part:
        assert title_part in title
    navbar = page[page.index('class="navbar-brand') : page.index("</a>", page.index('class="navbar-brand'))]
    assert f'src="/brand/logo/{brand.logo_sha256}.png"' in navbar and "Acme Hosting" in navbar
    assert f'href="/brand.css?v={brand.stylesheet_version}"' in page
    footer = page[page.index("<footer") :]
    assert "mailto:help@acme.example" in footer
    assert 'href="https://acme.example/terms"' in footer and ">Terms</a>" in footer
    assert 'href="https://blog.acme.example/"' in footer
    assert "Kontento" not in page


def as_customer(client, make, auth, lang: str) -> User:
    customer = make.customer(name="Carla Customer")
    customer.locale = lang
    db.session.commit()
    auth.login(customer)
    return customer


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_signed_out_pages_show_the_host(client, branded, lang):
    client.post("/language", data={"language": lang, "next": "/login"})
    for path in ("/login", "/status", "/signup", "/account/new-link"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert_branded(response.get_data(as_text=True))
    missing = client.get("/no-such-page")
    assert missing.status_code == 404
    assert_branded(missing.get_data(as_text=True))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_customer_pages_show_the_host(client, make, auth, branded, lang):
    customer = as_customer(client, make, auth, lang)
    make.rating(customer, csat=4, now=utcnow())
    for path in ("/dashboard", "/ideas/", "/ideas/new", "/preferences", "/sessions/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert_branded(response.get_data(as_text=True))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_survey_link_shows_the_host(client, make, branded, lang):
    customer = make.customer()
    customer.locale = lang
    now = utcnow()
    invitation = inv.invite(customer, SurveyKind.NPS, now)
    db.session.commit()
    client.post("/language", data={"language": lang, "next": "/login"})
    response = client.get(f"/s/{inv.make_token(invitation, now)}?score=9")
    assert response.status_code == 200
    assert_branded(response.get_data(as_text=True))


def test_the_product_name_stays_until_the_host_sets_its_own(client):
    page = client.get("/login").get_data(as_text=True)
    assert "<title>Sign in · Kontento</title>" in page
    assert re.search(r'class="navbar-brand[^"]*"[^>]*><span[^>]*>Kontento</span>', page)
    assert "/brand.css" not in page and "/brand/logo/" not in page
    assert "Powered by" not in page  # naming Kontento twice would say nothing


def test_powered_by_kontento_only_when_the_host_asks_for_it(client, branded):
    assert "Powered by" not in client.get("/login").get_data(as_text=True)
    services.save_brand(services.BrandValues(**{**HOST.__dict__, "show_powered_by": True}))
    db.session.commit()
    footer = client.get("/login").get_data(as_text=True).split("<footer")[1]
    assert "Powered by Kontento" in footer


def test_a_brand_name_is_escaped_like_any_text(client):
    services.save_brand(services.BrandValues(name="<b>Acme</b> & Co"))
    db.session.commit()
    page = client.get("/login").get_data(as_text=True)
    assert "&lt;b&gt;Acme&lt;/b&gt; &amp; Co" in page and "<b>Acme</b>" not in page


# E-mail


def mail_to(smtp, email: str):
    dispatch(utcnow())
    [message] = smtp.to(email)
    return message


EXPECTED_SUBJECTS = {
    "en": "Confirm your e-mail address for Acme Hosting",
    "ar": "أكّد عنوان بريدك الإلكتروني لدى Acme Hosting",
}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_an_account_mail_comes_from_the_host_in_its_colours(app, branded, smtp, lang):
    signup.sign_up("new@example.com", "Nour Newcomer", "UTC", lang, utcnow())
    db.session.commit()
    message = mail_to(smtp, "new@example.com")
    sender = message["From"].addresses[0]
    assert (sender.display_name, sender.addr_spec) == ("Acme Hosting", app.config["MAIL_DEFAULT_SENDER"])
    assert message["Reply-To"].addresses[0].addr_spec == "help@acme.example"
    subject = str(message["Subject"])
    assert "Acme Hosting" in subject and subject == EXPECTED_SUBJECTS[lang]

    html, text = html_body(message), text_body(message)
    logo = f'src="http://kontento.test/brand/logo/{branded.logo_sha256}.png"'
    assert logo in html  # absolute, from BASE_URL: a mail client has no page to resolve it against
    assert 'width="40" height="40"' not in html  # 120 × 40 kept in proportion: 120 wide at 40 high
    assert 'width="120" height="40"' in html
    assert "color:#5b21b6" in html and "background:#5b21b6" in html  # heading and button
    assert "Acme Hosting" in html.split("border-top")[1]  # the footer
    last_line = text.rstrip().splitlines()[-1]
    assert last_line.startswith("Acme Hosting · ") and last_line.endswith("help@acme.example")
    for part in (subject, html, text, str(message["From"])):
        assert "Kontento" not in part


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_customer_survey_mail_names_the_host(make, branded, smtp, lang):
    customer = make.customer()
    customer.locale = lang
    db.session.commit()
    assert inv.send_relationship_surveys(utcnow()).invited == 1
    db.session.commit()
    message = mail_to(smtp, customer.email)
    assert message["From"].addresses[0].display_name == "Acme Hosting"
    html, text = html_body(message), text_body(message)
    assert f"/brand/logo/{branded.logo_sha256}.png" in html
    assert "Acme Hosting" in text.splitlines()[-1]
    assert "Kontento" not in html + text + str(message["Subject"])


def test_mail_queued_before_the_host_set_a_name_goes_out_as_configured(app, make, smtp):
    customer = make.customer()
    assert inv.send_relationship_surveys(utcnow()).invited == 1
    db.session.commit()
    message = mail_to(smtp, customer.email)
    sender = message["From"].addresses[0]
    assert (sender.display_name, sender.addr_spec) == ("Kontento", app.config["MAIL_DEFAULT_SENDER"])
    assert message["Reply-To"] is None


def test_the_staff_mail_footer_names_the_host(make, branded):
    staff = make.staff()
    make.rating(make.customer(), csat=1, now=utcnow())  # a new case: the receipts job tells staff
    db.session.commit()
    run_job("feedback_receipts", utcnow(), claim=False)
    mails = db.session.scalars(select(OutboxMessage).where(OutboxMessage.to_email == staff.email)).all()
    assert mails and all("in Acme Hosting" in m.body_html and "Kontento" not in m.body_html for m in mails)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_account_pages_show_the_host(client, make, auth, branded, lang):
    as_customer(client, make, auth, lang)
    for path in ("/account", "/account/password", "/account/tokens"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert_branded(response.get_data(as_text=True))


def test_authenticator_apps_and_the_set_up_page_name_the_host(client, make, auth, branded):
    from urllib.parse import parse_qs, unquote, urlsplit

    from feedback.auth.two_factor import services as two_factor

    staff = make.staff()
    auth.login(staff)
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert "Add Acme Hosting to your authenticator app" in page and "Kontento" not in page
    uri = two_factor.provisioning_uri(staff, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    assert parse_qs(urlsplit(uri).query)["issuer"] == ["Acme Hosting"]
    assert unquote(urlsplit(uri).path).startswith("/Acme Hosting:")
