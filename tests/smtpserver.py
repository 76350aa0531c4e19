"""A real SMTP server for tests (aiosmtpd), in its own thread: it keeps what it receives,
can ask for a user name and password, and can answer the next messages with a refusal."""

from __future__ import annotations

import email
import email.policy
import threading
import time
import warnings

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class _Controller(Controller):
    def factory(self):
        # AUTH without TLS is what these tests want: the relay is on loopback or the box's own link.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            return super().factory()


class _Handler:
    def __init__(self, server: "MailServer"):
        self.server = server

    async def handle_DATA(self, server, session, envelope):
        with self.server.lock:
            if self.server.refuse:
                return self.server.refuse.pop(0)
            msg = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
            self.server.received.append((list(envelope.rcpt_tos), msg))
            self.server.arrived.set()
        return "250 2.0.0 OK queued"


class MailServer:
    def __init__(self, host: str = "127.0.0.1", port: int = 0, user: str | None = None,
                 password: str | None = None):
        self.lock = threading.Lock()
        self.received: list[tuple[list[str], email.message.EmailMessage]] = []
        self.refuse: list[str] = []
        self.arrived = threading.Event()
        self.user, self.password = user, password
        kwargs = {}
        if user is not None:
            kwargs = {"authenticator": self._authenticate, "auth_require_tls": False, "auth_required": True}
        if port == 0:
            import socket

            with socket.socket() as s:
                s.bind((host, 0))
                port = s.getsockname()[1]
        self.host, self.port = host, port
        self.controller = _Controller(_Handler(self), hostname=host, port=port, ready_timeout=10, **kwargs)

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword) and auth_data.login.decode() == self.user
              and auth_data.password.decode() == self.password)
        return AuthResult(success=ok, handled=False)

    def __enter__(self) -> "MailServer":
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()

    def wait(self, count: int = 1, timeout: float = 10.0) -> list:
        """The first `count` messages received, waiting up to `timeout` seconds for them."""
        deadline = time.monotonic() + timeout
        while True:
            with self.lock:
                if len(self.received) >= count:
                    return list(self.received[:count])
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"{len(self.received)} of {count} messages arrived in {timeout} s")
            self.arrived.wait(min(left, 0.5))
            self.arrived.clear()
