"""Voicemail to e-mail: each new message of a mailbox with an address goes to it, recording attached.

The box learns of a new message from Asterisk's MessageWaiting event on the
supervisor's own AMI connection (not from Asterisk's mailcmd: the box has no
MTA) and reads the message from the spool. Sending is the box's outbox, so a
relay that is down delays the e-mail instead of losing it. Each message is
queued once, keyed by its msg_id; mailboxes are also looked at when the
supervisor starts and every few minutes, so a message left while the
supervisor was down, or whose event was missed, is still mailed (if less than
a day old).
"""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

from .. import box_settings, mail
from ..db.models import Mailbox
from ..mail import templates
from ..pbx.render.dialplan import VM_CONTEXT
from . import spool

WINDOW = dt.timedelta(days=1)
RESCAN = dt.timedelta(minutes=5)


def describe(msg: spool.Message, timezone: str, lang: str) -> dict:
    """The template's values for one message: caller, time in the box's zone, length."""
    if msg.caller_number and msg.caller_name:
        caller = f"{msg.caller_name} <{msg.caller_number}>"
    else:
        caller = msg.caller_number or msg.caller_name or templates.word("unknown_caller", lang)
    local = msg.received_at.replace(tzinfo=dt.timezone.utc).astimezone(box_settings.zone(timezone))
    return {"caller": caller, "received": f"{local:%Y-%m-%d %H:%M:%S} ({timezone})", "local": local,
            "duration": f"{msg.duration // 60}:{msg.duration % 60:02d}"}


class VoicemailMailer:
    def __init__(self, root: Path, wake: threading.Event):
        self.root = root
        self.wake = wake
        self._lock = threading.Lock()
        self._dirty: set[str] = set()
        self._last_scan: dt.datetime | None = None  # None: look at every mailbox now

    def on_event(self, ev) -> None:
        """AMI reader thread: note the mailbox and wake the mail thread (nothing blocking here)."""
        if ev.name != "MessageWaiting":
            return
        mailbox, _, context = ev.get("Mailbox", "").partition("@")
        if mailbox.isdigit() and context in ("", VM_CONTEXT):
            with self._lock:
                self._dirty.add(mailbox)
            self.wake.set()

    def __call__(self, now: dt.datetime) -> int:
        """Mail thread: queue the new messages of the noted mailboxes (all of them now and then)."""
        with self._lock:
            dirty, self._dirty = self._dirty, set()
        everything = self._last_scan is None or now - self._last_scan >= RESCAN
        if everything:
            self._last_scan = now
        elif not dirty:
            return 0
        query = Mailbox.select().where(Mailbox.email.is_null(False), Mailbox.email != "")
        if not everything:
            query = query.where(Mailbox.number.in_(sorted(dirty)))
        boxes = list(query)
        if not boxes:
            return 0
        settings = box_settings.load()
        queued = 0
        for box in boxes:
            for msg in spool.messages(self.root, box.number, VM_CONTEXT):
                if msg.folder != "INBOX" or msg.received_at < now - WINDOW:
                    continue
                if self.queue(box, msg, settings):
                    queued += 1
        return queued

    def queue(self, box: Mailbox, msg: spool.Message, settings) -> bool:
        values = describe(msg, settings.timezone, settings.language)
        local = values.pop("local")
        values.update(mailbox=box.number, name=box.name,
                      attachment_note=templates.word("voicemail_attached", settings.language))
        name = f"voicemail-{box.number}-{local:%Y%m%d-%H%M%S}.wav"
        return mail.queue_template([box.email], "voicemail", values,
                                   attachments=[{"path": str(msg.audio), "name": name, "type": "audio/wav"}],
                                   key=f"voicemail:{box.number}:{msg.id}", lang=settings.language) is not None
