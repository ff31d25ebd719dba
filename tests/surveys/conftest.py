"""Shared helpers for the survey tests: a resolved case with its survey mail, and its links."""

import re
from datetime import timedelta
from urllib.parse import urlsplit

from feedback.extensions import db
from feedback.followups import services as fu_services

H = timedelta(hours=1)
DAY = timedelta(days=1)


def resolved_case(make, now, csat=1, note="We moved your site to a faster server."):
    """A customer's case, resolved at ``now`` with its survey e-mail queued and committed."""
    customer = make.customer(name="Ana Pérez")
    fu = make.rating(customer, csat=csat, now=now - 3 * H).followup
    fu_services.resolve(fu, make.staff(), now=now, body=note)  # queues the survey mail
    db.session.commit()
    return customer, fu


def survey_mail(smtp, customer, subject_part):
    """Dispatch and return the one message to ``customer`` whose subject holds ``subject_part``."""
    [message] = [m for m in smtp.to(customer.email) if subject_part in str(m["Subject"])]
    return message


def link_for(text: str, score: int) -> str:
    """The link for ``score`` in a survey mail's text part, as a path the test client can open."""
    match = re.search(rf"^{score}\b[^\n]*?: (http\S+)$", text.replace("\r\n", "\n"), re.MULTILINE)
    assert match, f"no link for {score}"
    url = urlsplit(match.group(1))
    assert (url.scheme, url.netloc) == ("http", "kontento.test")
    return f"{url.path}?{url.query}"


def tamper(token: str) -> str:
    """Change a character inside the signature (the last one may carry only padding bits)."""
    return token[:-5] + ("B" if token[-5] != "B" else "C") + token[-4:]
