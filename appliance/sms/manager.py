"""The SMS manager: sends what the outbox holds, in its own thread, at the gateway's rate.

Sending runs off the web server's loop and off the AMI reader, with a timeout
on every gateway step, so a provider that never answers or a modem that went
quiet delays only SMS. Throttling is a steady pace (one message every
1/rate seconds), which is what providers' per-second limits and a modem's
radio both want; a broadcast of thousands is just many rows in the outbox.
"""

from __future__ import annotations

import logging
import threading
import time

from .. import box_settings
from ..db import db
from ..log import kv
from ..supervisor import Manager
from . import gateways, http_gateway, outbox, wake
from .adapters import SendError, number_for

log = logging.getLogger(__name__)
#: The longest the sender sleeps when nothing is due (it is woken when a message is queued).
IDLE = 30.0


class HttpAdapter:
    def __init__(self, gateway, secrets_dir):
        self.options = gateways.options_of(gateway)
        self.password = gateways.password(secrets_dir, gateway.id)

    def send(self, number: str, text: str, message_id: int) -> str | None:
        return http_gateway.send(self.options, self.password, number, text, message_id)

    def ready(self) -> None:
        pass

    def close(self) -> None:
        pass


class SmsManager(Manager):
    name = "sms"
    needs = ("settings", "database")

    def load(self) -> None:
        self._stop = threading.Event()
        self.clock = outbox.utcnow
        self.alerting = False
        self._next_slot = 0.0
        self._kept: dict = {}  # gateway id -> (options, adapter): adapters that hold a device open
        self.sent = 0

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="sms", daemon=True)
        self._thread.start()
        self._events = threading.Thread(target=self._run_events, name="sms-events", daemon=True)
        self._events.start()

    def stop(self) -> None:
        self._stop.set()
        wake.set()
        self._thread.join(timeout=http_gateway.TIMEOUT + 5)
        self._events.join(timeout=5)
        for _options, adapter in self._kept.values():
            adapter.close()

    def _run(self) -> None:
        with db.connection_context():
            outbox.prune(self.clock())
            while not self._stop.is_set():
                try:
                    wait = self.round()
                except Exception:  # noqa: BLE001 - the outbox keeps the messages; tried again next round
                    log.exception("sms round failed")
                    wait = IDLE
                wake.wait(wait)
                wake.clear()

    def _run_events(self) -> None:
        """Templates sent on events (notify.py), in a thread of their own: an event never waits for a
        gateway, and a slow gateway never delays the next event."""
        from contextlib import nullcontext

        from ..reports.db import reports_db
        from .notify import EventSender

        reports = reports_db.connection_context() if reports_db.obj is not None else nullcontext()
        with db.connection_context(), reports:
            sender = EventSender(self.box.events)
            try:
                while not self._stop.is_set():
                    try:
                        sender.poll(1.0)
                    except Exception:  # noqa: BLE001 - the next poll tries again
                        log.exception("sms events failed")
                        self._stop.wait(5)
            finally:
                sender.close()

    def adapter(self, gateway):
        """The adapter for `gateway`: made afresh for HTTP (a changed URL or password applies at once);
        kept open for a modem or an SMPP session (they listen for messages coming in), reopened when
        the gateway's settings (or its password) change."""
        for gateway_id in [g for g in self._kept if g != gateway.id]:  # switched off or replaced
            self._kept.pop(gateway_id)[1].close()
        if gateway.kind == "http":
            return HttpAdapter(gateway, self.box.runtime.paths.secrets)
        password = gateways.password(self.box.runtime.paths.secrets, gateway.id) if gateway.kind == "smpp" else ""
        settings = (gateway.kind, gateway.options, password)
        kept = self._kept.get(gateway.id)
        if kept is not None and kept[0] == settings:
            return kept[1]
        if kept is not None:
            kept[1].close()
        if gateway.kind == "smpp":
            from .smpp_gateway import SmppAdapter

            adapter = SmppAdapter(gateway.id, gateways.options_of(gateway), password)
        else:
            from .modem import ModemAdapter

            adapter = ModemAdapter(gateway.id, gateways.options_of(gateway))
        self._kept[gateway.id] = (settings, adapter)
        return adapter

    def round(self) -> float:
        """Send what is due; the seconds until something is due next."""
        gateway = gateways.active()
        if gateway is None:
            for _options, adapter in self._kept.values():
                adapter.close()
            self._kept.clear()
            return IDLE
        adapter = self.adapter(gateway)
        try:
            adapter.ready()
        except SendError as exc:  # a modem that is not there: messages wait, and say why when tried
            log.warning("sms gateway not ready", extra=kv(gateway=gateway.name, error=str(exc)))
        country = box_settings.load().country_code
        # A modem needs to know an international number ('+': type of number 0x91 in the PDU).
        style = gateways.options_of(gateway).get("number_format", "e164" if gateway.kind == "modem" else
                                                 "international")
        while not self._stop.is_set():
            batch = outbox.due(self.clock())
            if not batch:
                break
            for m in batch:
                if self._stop.is_set() or not self._pace(gateway.rate):
                    break
                self.send(gateway, adapter, m, number_for(m.number, style, country))
        nxt = outbox.next_due()
        if nxt is None:
            return IDLE
        return max(0.2, min(IDLE, (nxt - self.clock()).total_seconds()))

    def _pace(self, rate: float) -> bool:
        """Wait for the next slot at `rate` messages a second; False when stopping."""
        now = time.monotonic()
        if self._next_slot > now and self._stop.wait(self._next_slot - now):
            return False
        self._next_slot = max(self._next_slot, now) + 1.0 / rate
        return True

    def send(self, gateway, adapter, m, number: str) -> None:
        try:
            external_id = adapter.send(number, m.text, m.id)
        except SendError as exc:
            gave_up = outbox.failed_attempt(m, gateway.id, str(exc), gateway.attempts, exc.permanent,
                                            now=self.clock())
            log.warning("sms not sent", extra=kv(id=m.id, error=str(exc), gave_up=gave_up))
            if gave_up and not self.alerting:
                self.alerting = True
                self.box.events.publish("alert", kind="sms", active=True,
                                        message=f"an SMS to {m.number} could not be sent: {exc}")
            return
        outbox.sent(m, gateway.id, external_id, now=self.clock())
        self.sent += 1
        if self.alerting:
            self.alerting = False
            self.box.events.publish("alert", kind="sms", active=False, message=None)

    def health(self) -> dict:
        with db.connection_context():
            gateway = gateways.active()
            return {"sms": {"gateway": gateway.name if gateway else None, **outbox.counts()}}
