"""The e-mails that carry an account link: confirm a sign-up, take up an invitation, "you already
have an account" and a new password. Each goes to the address itself, in its owner's language."""

from datetime import datetime

from flask_babel import lazy_gettext as _l

from ..auth.models import User
from ..core.urls import external_url
from ..mailer.services import queue_email
from .models import LinkPurpose

SUBJECTS = {
    "signup/confirm": _l("Confirm your e-mail address for Kontento"),
    "signup/invite": _l("You are invited to Kontento"),
    "signup/exists": _l("You already have a Kontento account"),
    "signup/password": _l("Set a new password for Kontento"),
}
# The mail each link goes out in, unless the caller names another ("signup/exists").
TEMPLATES = {
    LinkPurpose.SIGNUP: "signup/confirm",
    LinkPurpose.INVITE: "signup/invite",
    LinkPurpose.PASSWORD: "signup/password",
}


def mail_link(
    user: User, purpose: LinkPurpose, token: str, expires_at: datetime, now: datetime, template=None
):
    """Queue the mail carrying the link ``token`` to ``user``; returns the outbox row (None: not
    queued, e.g. a deactivated account)."""
    template = template or TEMPLATES[purpose]
    return queue_email(
        user,
        template,
        SUBJECTS[template],
        context={
            "link_url": external_url("signup.use_link", link_token=token),
            "expires_at": expires_at,
            "signin_url": external_url("auth.login"),
        },
        account_mail=True,
        now=now,
    )
