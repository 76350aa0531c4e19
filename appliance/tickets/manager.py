"""The tickets manager: sends the reminders of tickets near or past their deadline (reminders.py)
from a thread of its own, every half minute and whenever the tickets' time moves."""

from __future__ import annotations

import logging
import threading

from ..db import db
from ..supervisor import Manager
from . import clock, reminders

log = logging.getLogger(__name__)
EVERY = 30.0


class TicketsManager(Manager):
    name = "tickets"
    needs = ("database",)

    def load(self) -> None:
        self._stop = threading.Event()
        self.reminded = 0

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="ticket-reminders", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        clock.moved.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        with db.connection_context():
            while not self._stop.is_set():
                try:
                    self.reminded += reminders.run()
                except Exception:  # noqa: BLE001 - the next round tries again; nothing was recorded as sent
                    log.exception("ticket reminders failed")
                clock.moved.wait(EVERY)
                clock.moved.clear()

    def health(self) -> dict:
        return {"tickets": {"reminders_sent": self.reminded}}
