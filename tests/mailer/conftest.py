"""Mail fixtures local to these tests: an app with no mail server configured."""

import pytest


class NoMailServer:
    """``MAIL_SERVER`` unset, as under ``make run``; :meth:`configure` sets one later."""

    def __init__(self, app):
        self.app = app
        self.saved = app.config["MAIL_SERVER"], app.extensions["mail"].server
        self._set(None)

    def _set(self, server):
        self.app.config["MAIL_SERVER"] = server
        self.app.extensions["mail"].server = server  # Flask-Mail copies its settings at init

    def configure(self, server: str = "127.0.0.1") -> None:
        """An operator sets MAIL_SERVER (the `smtp` fixture's server listens on 127.0.0.1)."""
        self._set(server)

    def restore(self) -> None:
        self.app.config["MAIL_SERVER"], self.app.extensions["mail"].server = self.saved


@pytest.fixture
def no_mail_server(app):
    state = NoMailServer(app)
    yield state
    state.restore()


@pytest.fixture
def demo_inbox(app, monkeypatch):
    """The development-only demo inbox, turned on."""
    monkeypatch.setitem(app.config, "DEMO_INBOX", True)
