"""Flask-Mail's SMTP connection, with a timeout.

Flask-Mail opens ``smtplib.SMTP`` without one, so a server that accepts the connection
and then says nothing would hang a worker for good, past its claim's lease.
"""

import smtplib

from flask import current_app
from flask_mail import Connection


class TimedConnection(Connection):
    """A Flask-Mail connection whose socket gives up after ``MAIL_TIMEOUT`` seconds."""

    def configure_host(self) -> smtplib.SMTP:
        timeout = current_app.config["MAIL_TIMEOUT"]
        factory = smtplib.SMTP_SSL if self.mail.use_ssl else smtplib.SMTP
        host = factory(self.mail.server, self.mail.port, timeout=timeout)
        host.set_debuglevel(int(self.mail.debug))
        if self.mail.use_tls:
            host.starttls()
        if self.mail.username and self.mail.password:
            host.login(self.mail.username, self.mail.password)
        return host


def configured() -> bool:
    """Whether a mail server is configured (``MAIL_SERVER``). Without one, mail is held."""
    return bool(current_app.config.get("MAIL_SERVER"))


def connect() -> TimedConnection:
    """An unopened connection to the configured mail server (use it as a context manager)."""
    return TimedConnection(current_app.extensions["mail"])
