"""Mailboxes whose messages become tickets (a mayor's mailbox, 市长信箱): each new message left in a
mailbox the settings name (ticket_mailboxes) becomes a ticket of the set kind, from the caller's
number, with the message's audio kept with the ticket.

As the voicemail mailer does (appliance/voicemail/mailer.py), the box learns of a message from
Asterisk's MessageWaiting event and reads it from the spool; the mailboxes are also looked at when
the supervisor starts and every few minutes, so that a message left while it was down still
becomes its ticket (if less than a day old). Each message makes one ticket: the pair (mailbox,
message id) is kept with the ticket's id.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from pathlib import Path

from .. import box_settings
from ..customers import service as customers
from ..db import db, write_lock
from ..db.models import VoicemailTicket
from ..errors import BoxError
from ..log import kv
from ..pbx.render.dialplan import VM_CONTEXT
from ..tickets import audio as ticket_audio
from ..tickets import service as tickets
from ..voicemail import spool

log = logging.getLogger(__name__)

WINDOW = dt.timedelta(days=1)
RESCAN_SECONDS = 300.0
SUMMARY = {"en": "Message left in mailbox {mailbox}", "zh": "信箱 {mailbox} 的留言"}
DETAILS = {"en": "Left {received} UTC, {seconds} s long.", "zh": "留言时间 {received} UTC，时长 {seconds} 秒。"}


class MailboxTickets:
    def __init__(self, spool_root: Path, audio_root: Path):
        self.spool_root = spool_root
        self.audio_root = audio_root
        self.wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def on_event(self, ev) -> None:
        """AMI reader thread: a mailbox has a new message; look (nothing blocking here)."""
        if ev.name == "MessageWaiting":
            self.wake.set()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="mailbox-tickets", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self.wake.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.wake.clear()
            try:
                with db.connection_context():
                    self.scan(dt.datetime.utcnow())
            except Exception:  # noqa: BLE001 - the next message or rescan tries again
                log.exception("mailbox tickets failed")
            self.wake.wait(RESCAN_SECONDS)

    def scan(self, now: dt.datetime) -> int:
        """Make the tickets of the set mailboxes' new messages; how many were made."""
        settings = box_settings.load()
        made = 0
        for mailbox in settings.ticket_mailboxes:
            for msg in spool.messages(self.spool_root, mailbox, VM_CONTEXT):
                if msg.received_at < now - WINDOW or not msg.audio.is_file():
                    continue
                if VoicemailTicket.select().where(VoicemailTicket.mailbox == mailbox,
                                                  VoicemailTicket.message == msg.id).exists():
                    continue
                if self._ticket(msg, settings):
                    made += 1
        return made

    def _ticket(self, msg: spool.Message, settings) -> bool:
        language = settings.language if settings.language in SUMMARY else "en"
        caller = msg.caller_number if msg.caller_number and customers.normalize(msg.caller_number) else None
        try:
            ticket = tickets.create(
                {"kind": settings.ticket_mailbox_kind, "summary": SUMMARY[language].format(mailbox=msg.mailbox),
                 "details": DETAILS[language].format(received=f"{msg.received_at:%Y-%m-%d %H:%M:%S}",
                                                     seconds=msg.duration),
                 "caller": caller, "channel": "voicemail"},
                f"mailbox {msg.mailbox}", call_known=lambda c: c)
        except BoxError as exc:
            log.warning("a message did not become a ticket",
                        extra=kv(mailbox=msg.mailbox, message=msg.id, reason=getattr(exc, "message", str(exc))))
            return False
        ticket_audio.keep(self.audio_root, ticket.number, msg.audio, move=False)
        with write_lock, db.atomic():
            VoicemailTicket.create(mailbox=msg.mailbox, message=msg.id, ticket=ticket)
        log.info("a message became a ticket", extra=kv(mailbox=msg.mailbox, message=msg.id, ticket=ticket.number))
        return True
