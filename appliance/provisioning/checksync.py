"""Check-sync: a change that alters a claimed phone's file (its extension's password or name,
its BLF keys or a colleague's name on one, its template or transport, the box's time zone or
language, the park slots) makes the box send that extension's registered phones a NOTIFY
with `Event: check-sync` (AMI PJSIPNotify with the check-sync section of pjsip_notify.conf),
and the phone fetches its file again.

The applier calls `kick` after each applied round, so the new password is live in Asterisk
before the phone asks; the files are compared on a thread of their own, so an apply round
never waits on them. What is compared is a fingerprint of each phone's template input:
equal input, equal file (the templates are pure functions of it).
"""

from __future__ import annotations

import hashlib
import logging
import threading

from .. import box_settings
from ..db import db
from ..db.models import DeskPhone, Extension
from ..log import kv
from . import service

log = logging.getLogger(__name__)

#: The address in a fingerprint: phones reach the box at one address, the same before and after.
SERVER = "0.0.0.0"


def fingerprints(port: int) -> dict[str, tuple[str, str]]:
    """mac -> (extension number, fingerprint of its file's input) for every claimed phone."""
    settings = box_settings.load()
    names = {e.number: e.name for e in Extension.select(Extension.number, Extension.name)}
    tz = service.posix_tz(settings.timezone)
    out = {}
    for phone in DeskPhone.select(DeskPhone, Extension).join(Extension):
        made = service.phone_file(phone, SERVER, port, settings, names, tz)
        out[phone.mac] = (phone.extension.number, hashlib.sha256(repr((phone.template, made)).encode()).hexdigest())
    return out


def changed(before: dict, after: dict) -> list[str]:
    """The extensions whose phones' files differ (new claims included), each once, in order."""
    numbers = [number for mac, (number, fp) in after.items() if before.get(mac, (None, None))[1] != fp]
    return sorted(set(numbers))


class CheckSync:
    def __init__(self, ami, port: int):
        self.ami = ami
        self.port = port
        self.known: dict | None = None
        self.sent = 0  # NOTIFYs asked of Asterisk, for health and tests
        self._wake = threading.Event()
        self._stop = threading.Event()

    def kick(self, _snapshot=None) -> None:
        self._wake.set()

    def baseline(self) -> None:
        with db.connection_context():
            self.known = fingerprints(self.port)

    def round(self) -> list[str]:
        """Compare every phone's file with the last round's; notify the extensions whose changed."""
        with db.connection_context():
            now = fingerprints(self.port)
        numbers = changed(self.known or {}, now) if self.known is not None else []
        self.known = now
        for number in numbers:
            try:
                self.ami.action("PJSIPNotify", Endpoint=number, Option="check-sync")
                self.sent += 1
                log.info("check-sync sent", extra=kv(extension=number))
            except Exception as exc:  # noqa: BLE001 - a phone not registered now fetches when it boots
                log.info("check-sync not sent", extra=kv(extension=number, error=str(exc)))
        return numbers

    def run(self) -> None:
        self.baseline()
        while not self._stop.is_set():
            self._wake.wait()
            self._wake.clear()
            if self._stop.is_set():
                return
            try:
                self.round()
            except Exception:  # noqa: BLE001 - the next change tries again
                log.exception("check-sync round failed")

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
