"""Handing one message to the relay over SMTP (the stdlib's smtplib).

A thin adapter: it says what the server answered and nothing about what to do
next (outbox.py decides about retries). Every network step has a timeout, so a
relay that never answers costs a sending thread at most that long.
"""

from __future__ import annotations

import smtplib
import socket
import ssl
from dataclasses import dataclass
from email.message import EmailMessage

from .config import MailSettings

TIMEOUT = 20.0


@dataclass
class SendError(Exception):
    """What went wrong, as the server (or the network) said it."""

    stage: str  # connect, starttls, login, sender, recipients, data
    message: str
    code: int | None = None

    @property
    def permanent(self) -> bool:
        """The relay refused this message itself (5xx on sender, recipients or data): retrying cannot help."""
        return self.code is not None and self.code >= 500 and self.stage in ("sender", "recipients", "data")

    def __str__(self) -> str:
        return f"{self.stage}: {self.code} {self.message}" if self.code else f"{self.stage}: {self.message}"


def _text(raw) -> str:
    return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)


def send(settings: MailSettings, password: str, msg: EmailMessage, recipients: list[str],
         timeout: float | None = None) -> str:
    """Deliver `msg` to the relay; the relay's final answer ("250 ...") or SendError."""
    timeout = TIMEOUT if timeout is None else timeout
    stage = "connect"
    context = ssl.create_default_context()
    try:
        if settings.security == "tls":
            client = smtplib.SMTP_SSL(settings.host, settings.port, timeout=timeout, context=context)
        else:
            client = smtplib.SMTP(settings.host, settings.port, timeout=timeout)
    except (OSError, smtplib.SMTPException) as exc:
        raise _error(stage, exc) from None
    try:
        client.ehlo_or_helo_if_needed()
        if settings.security == "starttls":
            stage = "starttls"
            client.starttls(context=context)
            client.ehlo()
        if settings.username:
            stage = "login"
            client.login(settings.username, password)
        stage = "sender"
        code, reply = client.mail(settings.from_address)
        if code != 250:
            raise SendError(stage, _text(reply), code)
        stage = "recipients"
        accepted = 0
        refused = []
        for rcpt in recipients:
            code, reply = client.rcpt(rcpt)
            if code in (250, 251):
                accepted += 1
            else:
                refused.append((rcpt, code, _text(reply)))
        if not accepted:
            client.rset()
            rcpt, code, reply = refused[0]
            raise SendError(stage, f"{rcpt}: {reply}", code)
        stage = "data"
        code, reply = client.data(msg.as_bytes())
        if code != 250:
            raise SendError(stage, _text(reply), code)
        answer = f"{code} {_text(reply)}"
        if refused:
            answer += "; refused: " + ", ".join(f"{r} ({c} {t})" for r, c, t in refused)
        return answer
    except SendError:
        raise
    except (OSError, smtplib.SMTPException, ssl.SSLError) as exc:
        raise _error(stage, exc) from None
    finally:
        try:
            client.quit()
        except (OSError, smtplib.SMTPException):
            client.close()


def _error(stage: str, exc: Exception) -> SendError:
    if isinstance(exc, smtplib.SMTPResponseException):
        return SendError(stage, _text(exc.smtp_error), exc.smtp_code)
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return SendError(stage, f"the server does not offer it ({exc})")
    # smtplib turns a read timeout into "Connection unexpectedly closed: timed out".
    if isinstance(exc, (socket.timeout, TimeoutError)) or "timed out" in str(exc):
        return SendError(stage, "no answer from the server in time")
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return SendError(stage, f"the server closed the connection ({exc})")
    return SendError(stage, str(exc) or type(exc).__name__)
