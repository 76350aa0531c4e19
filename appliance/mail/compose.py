"""Turning a queued message into an RFC 5322 message.

Header injection is impossible by construction: every header value has its
line breaks folded to spaces before it reaches the message, and the stdlib's
strict policy would refuse any that slipped through. Attachments are read from
their files only now, at send time (a voicemail WAV is never copied into the
database); one that is gone by then is left out and named in the text.
"""

from __future__ import annotations

import email.utils
import mimetypes
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

from .config import MailSettings


def one_line(text: str) -> str:
    """A header value: line breaks and other control characters become spaces."""
    return " ".join("".join(" " if (not ch.isprintable()) else ch for ch in text).split())


def build(settings: MailSettings, to: list[str], subject: str, text: str,
          attachments: list[dict], hostname: str = "callbox") -> EmailMessage:
    msg = EmailMessage(policy=SMTP)
    msg["From"] = email.utils.formataddr((one_line(settings.from_name), settings.from_address))
    msg["To"] = ", ".join(one_line(a) for a in to)
    msg["Subject"] = one_line(subject)
    msg["Date"] = email.utils.formatdate(localtime=False, usegmt=True)
    msg["Message-ID"] = email.utils.make_msgid(domain=_domain(settings.from_address) or hostname)
    missing = []
    parts = []
    for item in attachments:
        path = Path(item["path"])
        try:
            data = path.read_bytes()
        except OSError:
            missing.append(item.get("name") or path.name)
            continue
        parts.append((data, item.get("name") or path.name, item.get("type")))
    if missing:
        text = text.rstrip("\n") + "\n\n(" + ", ".join(missing) + ": no longer on the box)\n"
    msg.set_content(text)
    for data, name, ctype in parts:
        ctype = ctype or mimetypes.guess_type(name)[0] or "application/octet-stream"
        maintype, _, subtype = ctype.partition("/")
        # Text the box attaches (a report's CSV) is UTF-8: names may be Chinese.
        params = {"charset": "utf-8"} if maintype == "text" else None
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=one_line(name), params=params)
    return msg


def _domain(address: str) -> str:
    return address.rpartition("@")[2]
