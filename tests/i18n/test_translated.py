"""Pages, form errors, service messages and e-mail in Esperanto and Arabic."""

from feedback.extensions import db
from feedback.mailer.models import OutboxMessage
from feedback.worker.jobs import run_job
from tests.conftest import T0


def test_the_sign_in_page_speaks_esperanto_with_its_letters(client):
    html = client.get("/login", headers={"Accept-Language": "eo"}).get_data(as_text=True)
    assert "Ensaluti" in html
    assert "Retpoŝto" in html  # ŝ as a letter, not "sx"


def test_wtforms_own_messages_are_translated_even_where_wtforms_has_no_catalogue(client):
    eo = client.post("/login", data={"email": "", "password": ""}, headers={"Accept-Language": "eo"})
    ar = client.post("/login", data={"email": "", "password": ""}, headers={"Accept-Language": "ar"})
    assert "Ĉi tiu kampo estas deviga." in eo.get_data(as_text=True)
    assert "هذا الحقل مطلوب." in ar.get_data(as_text=True)


def test_a_service_rule_speaks_the_managers_language(client, auth, make):
    auth.login(make.manager())
    client.post("/language", data={"language": "eo"})
    hours = {"first_response": "30", "next_reply": "8", "resolution": "24", "progress": "12"}
    page = client.post("/settings/sla/high", data={f"high-{k}": v for k, v in hours.items()})
    assert page.status_code == 400
    message = "La templimo de la unua respondo ne povas esti post tiu de la solvo."
    assert message in page.get_data(as_text=True)


def test_e_mail_goes_out_in_the_recipients_language_right_to_left(app, make):
    customer = make.customer()
    customer.locale = "ar"
    db.session.commit()
    make.rating(customer, csat=5, now=T0)
    run_job("feedback_receipts", T0, claim=False)

    mail = db.session.scalar(db.select(OutboxMessage))
    assert mail.subject == "شكرًا على ملاحظاتك"
    assert '<html lang="ar" dir="rtl">' in mail.body_html


def test_chart_labels_name_categories_in_the_managers_language(client, auth, make):
    make.rating(make.customer(), csat=5, category="support")
    make.rating(make.customer(), csat=4, category=None)
    auth.login(make.manager())
    client.post("/language", data={"language": "eo"})
    html = client.get("/reports/satisfaction").get_data(as_text=True)
    assert '"Subteno"' in html and '"Sen kategorio"' in html
    assert '"Support"' not in html and '"Uncategorised"' not in html


def test_report_figures_use_the_locales_numbers_and_stay_left_to_right(client, auth, make):
    for csat, nps in ((5, 0), (4, None), (1, None)):  # CSAT 2 of 3 = 66.7 %; NPS one detractor = −100
        make.rating(make.customer(), csat=csat, nps=nps)
    auth.login(make.manager())
    client.post("/language", data={"language": "eo"})
    eo = client.get("/reports/satisfaction").get_data(as_text=True)
    client.post("/language", data={"language": "ar"})
    ar = client.get("/reports/satisfaction").get_data(as_text=True)

    assert '<bdi dir="ltr">66,7 %</bdi>' in eo  # Esperanto writes a decimal comma
    assert '<bdi dir="ltr">-100</bdi>' in ar  # not mirrored into "100-" in a right-to-left page
    assert '<bdi dir="ltr">3.33 / 5</bdi>' in ar


def test_charts_name_months_in_the_page_language_from_our_own_static_files(client, auth, make):
    make.rating(make.customer(), csat=5)
    auth.login(make.manager())
    client.post("/language", data={"language": "eo"})
    html = client.get("/reports/satisfaction").get_data(as_text=True)
    assert '"locale":"eo"' in html.replace(" ", "")  # the chart's config, in its JSON block
    assert "/static/vendor/plotly/locale/eo.js" in html
    script = client.get("/static/vendor/plotly/locale/eo.js")
    assert script.status_code == 200 and "Aŭgusto" in script.get_data(as_text=True)
    script.close()


def test_arabic_charts_start_on_the_right_and_read_right_to_left(client, auth, make):
    make.rating(make.customer(), csat=5)
    auth.login(make.manager())
    client.post("/language", data={"language": "ar"})
    html = client.get("/reports/satisfaction").get_data(as_text=True)
    assert '"xanchor":"right"' in html.replace(" ", "")  # titles and legends start on the right
    assert "\\u202b" in html  # each title embedded as a right-to-left run in the SVG
    assert 'class="card-body" dir="ltr"' in html  # the drawing itself stays left to right


def test_staff_mail_says_why_it_came_in_the_staff_members_language(app, make):
    staff = make.staff()
    staff.locale = "ar"
    db.session.commit()
    make.rating(make.customer(), csat=1, now=T0)
    run_job("feedback_receipts", T0, claim=False)

    mail = db.session.scalar(db.select(OutboxMessage).where(OutboxMessage.user_id == staff.id))
    assert "تصلك هذه الرسالة لأنك تعمل في فريق الدعم في Kontento." in mail.body_html
    assert "support team" not in mail.body_text


def test_a_category_a_manager_typed_is_shown_as_text_never_as_markup(client, auth, make):
    from feedback.settings.services import add_category

    category = add_category("<b>Mail</b> 100% uptime")
    db.session.commit()
    customer = make.customer()
    make.rating(customer, csat=1, category=category.slug)
    auth.login(customer)
    client.post("/language", data={"language": "eo"})

    page = client.get("/dashboard")
    html = page.get_data(as_text=True)
    assert page.status_code == 200  # a "%" in the name once broke the template's gettext
    assert "&lt;b&gt;Mail&lt;/b&gt; 100% uptime" in html and "<b>Mail</b>" not in html
    assert "Subteno" in html  # the default categories are still translated
