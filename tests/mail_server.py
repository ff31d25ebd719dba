"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives, for tests."""

import asyncio
import email
import socket
import threading
import time
from email import policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Handler:
    def __init__(self, sink: "SmtpSink"):
        self.sink = sink

    async def handle_RCPT(self, server: SMTP, session, envelope, address, rcpt_options) -> str:
        if self.sink.rcpt_code:
            return f"{self.sink.rcpt_code} recipient refused by the test server"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session, envelope) -> str:
        if self.sink.reject_code:
            return f"{self.sink.reject_code} refused by the test server"
        with self.sink.lock:
            self.sink.in_flight += 1
        try:
            if self.sink.delay:
                # A slow server: the client has sent the whole message and waits for the reply.
                await asyncio.sleep(self.sink.delay)
            if self.sink.hold_from is not None and len(self.sink.messages) + 1 >= self.sink.hold_from:
                self.sink.holding.set()
                while not self.sink.released.is_set():
                    await asyncio.sleep(0.005)
            if server.transport is None or server.transport.is_closing():
                # The client went away before our reply: like a real MTA, do not accept it.
                with self.sink.lock:
                    self.sink.dropped += 1
                return "421 client gone"
            message = email.message_from_bytes(
                envelope.original_content or envelope.content, policy=policy.default
            )
            with self.sink.lock:
                self.sink.messages.append(message)
                self.sink.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
            return "250 OK"
        except asyncio.CancelledError:  # aiosmtpd cancels the handler when the connection drops
            with self.sink.lock:
                self.sink.dropped += 1
            raise
        finally:
            with self.sink.lock:
                self.sink.in_flight -= 1


class _CountingSMTP(SMTP):
    """aiosmtpd's server, counting the connections clients open (to test connection reuse)."""

    def __init__(self, handler, sink: "SmtpSink", **kwargs):
        super().__init__(handler, **kwargs)
        self.sink = sink

    def connection_made(self, transport) -> None:
        with self.sink.lock:
            self.sink.connections += 1
        super().connection_made(transport)


class _Controller(Controller):
    def __init__(self, sink: "SmtpSink", **kwargs):
        super().__init__(_Handler(sink), **kwargs)
        self.sink = sink

    def factory(self):
        return _CountingSMTP(self.handler, self.sink, **self.SMTP_kwargs)


class SmtpSink:
    """Start with :meth:`start`, stop with :meth:`stop`; ``messages`` holds parsed e-mails."""

    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.lock = threading.Lock()
        self.reject_code: int | None = None  # e.g. 550: refuse every message
        self.rcpt_code: int | None = None  # e.g. 451 (try later) or 550 (no such mailbox) at RCPT
        self.delay = 0.0  # seconds to wait after a message's data before accepting it
        self.in_flight = 0  # messages received but not yet answered (during ``delay``)
        self.dropped = 0  # messages whose client disconnected before the reply: not accepted
        self.hold_from: int | None = None  # see :meth:`hold`
        self.holding = threading.Event()
        self.connections = 0  # SMTP connections clients opened
        self.released = threading.Event()
        self._controller: Controller | None = None

    def start(self) -> "SmtpSink":
        self._controller = _Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def hold(self, number: int) -> None:
        """Keep message ``number`` (1-based) and later ones unanswered until :meth:`release`.

        ``holding`` is set once the server has such a message's data and the client waits
        for the answer; if the client goes away meanwhile, the message is not accepted.
        """
        self.hold_from = number
        self.holding.clear()
        self.released.clear()

    def release(self) -> None:
        """Answer held messages and stop holding."""
        self.hold_from = None
        self.released.set()

    @property
    def running(self) -> bool:
        return self._controller is not None

    def to(self, address: str) -> list[EmailMessage]:
        """Messages whose To header names ``address``."""
        return [m for m in self.messages if address in str(m["To"])]

    def wait_for(self, count: int, timeout: float = 10.0) -> list[EmailMessage]:
        """Block until ``count`` messages arrived (for tests driving another process)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.messages) >= count:
                    return list(self.messages)
            time.sleep(0.05)
        raise AssertionError(f"expected {count} messages, got {len(self.messages)}")


def text_body(message: EmailMessage) -> str:
    """The plain-text part of a message."""
    return message.get_body(preferencelist=("plain",)).get_content()


def html_body(message: EmailMessage) -> str:
    """The HTML part of a message."""
    return message.get_body(preferencelist=("html",)).get_content()
