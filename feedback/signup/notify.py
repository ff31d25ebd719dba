"""The e-mails that carry an account link: confirm a sign-up, take up an invitation, "you already
have an account" and a new password. Each goes to the address itself, in its owner's language."""

from datetime import datetime

from flask_babel import gettext as _

from ..auth.models import User
from ..brand.queries import current_brand
from ..core.urls import external_url
from ..mailer.services import queue_email
from .models import LinkPurpose

# Each subject names the host's brand; called in the recipient's language when the mail is queued.
SUBJECTS = {
    "signup/confirm": lambda brand: _("Confirm your e-mail address for %(brand)s", brand=brand),
    "signup/invite": lambda brand: _("You are invited to %(brand)s", brand=brand),
    "signup/exists": lambda brand: _("You already have a %(brand)s account", brand=brand),
    "signup/password": lambda brand: _("Set a new password for %(brand)s", brand=brand),
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
        lambda: SUBJECTS[template](current_brand().name),
        context={
            "link_url": external_url("signup.use_link", link_token=token),
            "expires_at": expires_at,
            "signin_url": external_url("auth.login"),
        },
        account_mail=True,
        now=now,
    )
