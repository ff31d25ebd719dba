"""Every e-mail, rendered for a recipient who reads Esperanto or Arabic, has no English word.

The mail comes from the real flows (the rating, the case worked and resolved, the jobs that
send receipts, progress reports, SLA alerts, surveys, notices and the digest), each rendered
by the mailer's ``queue_email`` in its recipient's language; then every queued message — its
subject, its text and what its HTML shows — is read with the same check as the pages
(tests/i18n/test_rendered_pages.py). What people typed is made of made-up words.
"""

from datetime import timedelta

import pytest

from feedback.account import services as account
from feedback.auth.models import Role
from feedback.auth.two_factor.signals import CHANGES, two_factor_changed
from feedback.extensions import db
from feedback.followups import services as followups
from feedback.mailer.deferred import render_pending
from feedback.mailer.models import OutboxMessage
from feedback.notices import services as notices
from feedback.signup import services as signup
from feedback.worker.jobs import run_job
from tests.conftest import T0
from tests.factories import PASSWORD, make_notice
from tests.i18n.english import MADE_UP, english_in, english_on, english_words, report

# The mail a customer gets; each must be among the messages checked.
CUSTOMER_MAIL = {
    "surveys/received",  # the receipt
    "followups/reply",
    "surveys/case_resolved",  # resolved, with the one-click survey
    "followups/progress",  # the automatic progress report
    "surveys/nps",
    "notices/published",
    "notices/update",
    "notices/reminder",
}
# The team's mail about new cases: the first at once, the next ones in a digest.
STAFF_MAIL = {"followups/new_followup", "followups/new_followups_digest"}
# The mail that carries an account link (sign-up, "you already have one", invitation, password).
SIGNUP_MAIL = {"signup/confirm", "signup/exists", "signup/invite", "signup/password"}
# The mail about the account's own security.
ACCOUNT_MAIL = {"account/password_changed", "account/two_factor"}


def _people(make, language: str) -> dict:
    people = {}
    for role, name in zip((Role.CUSTOMER, Role.STAFF, Role.MANAGER), MADE_UP, strict=False):
        people[role] = make.user(role, f"{name} {MADE_UP[-1]}", email=f"{name.lower()}@kvaxo.test")
        people[role].locale = language
    db.session.commit()
    return people


def _mail_from_every_flow(make, people: dict) -> None:
    customer, staff, manager = people[Role.CUSTOMER], people[Role.STAFF], people[Role.MANAGER]
    make.rating(customer, csat=5, comment="", now=T0)  # a receipt without a case
    case = make.rating(customer, csat=1, comment=f"{MADE_UP[1]} {MADE_UP[2]}", category="uptime", now=T0)
    make.rating(customer, csat=2, comment=MADE_UP[3], category="billing", now=T0)  # the same minute
    run_job("feedback_receipts", T0, claim=False)  # receipts with a case; the team's alert
    run_job("new_case_digests", T0 + timedelta(minutes=5), claim=False)  # the second case, in a digest
    fu = case.followup
    followups.assign(fu, manager, staff, T0 + timedelta(minutes=5))
    run_job("sla_sweep", T0 + timedelta(minutes=50), claim=False)  # due soon
    run_job("sla_sweep", T0 + timedelta(hours=2), claim=False)  # breached
    followups.staff_reply(fu, staff, f"{MADE_UP[3]} {MADE_UP[4]}", T0 + timedelta(hours=2))
    db.session.commit()
    run_job("progress_reports", T0 + timedelta(hours=15), claim=False)
    followups.resolve(fu, staff, T0 + timedelta(hours=16), body=MADE_UP[5])
    db.session.commit()

    notice = make_notice(
        manager,
        title=f"{MADE_UP[0]} {MADE_UP[3]}",
        body=MADE_UP[4],
        starts=T0 + timedelta(hours=30),  # more than a day after publishing: a reminder follows
        ends=T0 + timedelta(hours=32),
        publish=True,
        now=T0 + timedelta(hours=1),
    )
    notices.add_update(notice, manager, MADE_UP[2], T0 + timedelta(hours=2))
    db.session.commit()
    run_job("notice_mail", T0 + timedelta(hours=7), claim=False)  # the update, then the reminder
    run_job("relationship_surveys", T0 + timedelta(days=1), claim=False)
    run_job("daily_digest", T0 + timedelta(days=1), claim=False)

    newcomer = f"{MADE_UP[4].lower()}@kvaxo.test"
    signup.sign_up(newcomer, MADE_UP[4], "UTC", customer.locale, T0)  # confirm the address
    signup.sign_up(customer.email, MADE_UP[5], "UTC", customer.locale, T0)  # you already have one
    signup.send_new_link(customer.email, T0)  # a new password
    signup.invite(f"{MADE_UP[5].lower()}@kvaxo.test", MADE_UP[5], T0, locale=customer.locale)
    account.change_password(staff, PASSWORD, "gentle orbit cactus harmonica folklore", "-", T0)
    for change in CHANGES:  # every kind of two-factor change, each its own sentence
        two_factor_changed.send(staff, change=change, now=T0, codes_left=3)
    db.session.commit()


@pytest.mark.parametrize("language", ["eo", "ar"])
def test_no_mail_has_an_english_word(app, make, language):
    people = _people(make, language)

    _mail_from_every_flow(make, people)

    mails = db.session.scalars(db.select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert {mail.kind for mail in mails} >= CUSTOMER_MAIL | STAFF_MAIL | SIGNUP_MAIL | ACCOUNT_MAIL
    words = english_words(language)
    english = {}
    for mail in mails:
        render_pending(mail)  # the SLA sweep's mail is rendered when sent: check it as sent
        parts = {
            "subject": english_in(mail.subject, words),
            "text": english_in(mail.body_text, words),
            "html": english_on(mail.body_html, language, words),
        }
        for part, found in parts.items():
            if found:
                english[f"{mail.kind} ({part}) to {mail.to_name}"] = found
        assert f'lang="{language}"' in mail.body_html, mail.kind
    assert not english, report(english)
