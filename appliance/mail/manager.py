"""The mail manager: sends what the outbox holds, in its own thread.

Sending runs off the web server's loop and off the AMI reader, with timeouts
on every network step (smtp.py), so a relay that never answers delays only
mail. A message given up after a day raises a dashboard alert, which clears
once a later message goes out.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading

from ..db import db
from ..log import kv
from ..supervisor import Manager
from . import compose, config, outbox, smtp, wake

log = logging.getLogger(__name__)
#: The longest the sender sleeps when nothing is due (it is woken when mail is queued).
IDLE = 30.0


class MailManager(Manager):
    name = "mail"
    needs = ("settings", "database")

    def load(self) -> None:
        self._stop = threading.Event()
        self.clock = outbox.utcnow
        self.alerting = False
        self.last_answer: str | None = None
        self._jobs: list = []  # (name, callable(now)) run before each round: voicemail, reports
        pbx = getattr(self.box, "pbx", None)
        if pbx is not None and not pbx.error and getattr(pbx, "ami", None) is not None:
            from ..voicemail.mailer import VoicemailMailer

            self.voicemail = VoicemailMailer(self.box.runtime.paths.voicemail, wake)
            pbx.ami.subscribe(self.voicemail.on_event)
            self.add_job("voicemail", self.voicemail)
        hardware = getattr(self.box, "hardware", None)
        if hardware is not None:
            from ..hardware.alarm_mail import AlarmMail

            self.add_job("hardware alarms", AlarmMail(hardware))
        from ..reports.mailing import ReportMailer

        self.add_job("reports", ReportMailer(self.box.runtime.paths.data / "mail-attachments"))

    def add_job(self, name: str, job) -> None:
        """Run `job(now)` in the sender's thread before each round (it may queue mail)."""
        self._jobs.append((name, job))

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="mail", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        wake.set()
        self._thread.join(timeout=smtp.TIMEOUT + 5)

    def _run(self) -> None:
        from contextlib import nullcontext

        from ..reports.db import reports_db, reports_ready

        # The reports job reads the reports store, where the box has one.
        reports = reports_db.connection_context() if reports_ready() else nullcontext()
        with db.connection_context(), reports:
            outbox.prune(self.clock())
            while not self._stop.is_set():
                try:
                    wait = self.round()
                except Exception:  # noqa: BLE001 - the outbox keeps the mail; tried again next round
                    log.exception("mail round failed")
                    wait = IDLE
                wake.wait(wait)
                wake.clear()

    def round(self) -> float:
        """Run the jobs, send what is due; the seconds until something is due next."""
        now = self.clock()
        for name, job in self._jobs:
            try:
                job(now)
            except Exception:  # noqa: BLE001 - one job must not stop mail
                log.exception("mail job failed", extra=kv(job=name))
        for mail in outbox.due(now):
            if self._stop.is_set():
                break
            self.send(mail)
        nxt = outbox.next_due()
        if nxt is None:
            return IDLE
        return max(0.5, min(IDLE, (nxt - self.clock()).total_seconds()))

    def send(self, mail: outbox.OutgoingMail) -> None:
        # Read per attempt: a corrected relay or password applies to the next try at once.
        settings = config.load()
        paths = self.box.runtime.paths
        now = self.clock()
        if not settings.configured:
            gave_up = outbox.failed_attempt(mail, "no mail relay is set (System page, outgoing mail)", now=now)
        else:
            to = json.loads(mail.recipients)
            msg = compose.build(settings, to, mail.subject, mail.body, json.loads(mail.attachments),
                                hostname=socket.gethostname())
            try:
                answer = smtp.send(settings, config.password(paths.secrets), msg, to)
            except smtp.SendError as exc:
                gave_up = outbox.failed_attempt(mail, str(exc), exc.permanent, now=self.clock())
                log.warning("mail not sent", extra=kv(id=mail.id, error=str(exc), gave_up=gave_up))
            else:
                outbox.sent(mail, answer, now=self.clock())
                _remove_made_files(mail)
                self.last_answer = answer
                log.info("mail sent", extra=kv(id=mail.id, answer=answer))
                if self.alerting:
                    self.alerting = False
                    self.box.events.publish("alert", kind="mail", active=False, message=None)
                return
        if gave_up:
            _remove_made_files(mail)
            self.alerting = True
            self.box.events.publish("alert", kind="mail", active=True,
                                    message=f"an e-mail could not be sent and was given up: {mail.subject}")

    def health(self) -> dict:
        with db.connection_context():
            return {"mail": {"configured": config.load().configured, **outbox.counts(),
                             "given_up": outbox.given_up_since_last_sent()}}


def _remove_made_files(mail: outbox.OutgoingMail) -> None:
    for item in json.loads(mail.attachments):
        if item.get("remove"):
            try:
                os.unlink(item["path"])
            except FileNotFoundError:
                pass
