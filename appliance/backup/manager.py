"""The backup manager: makes the scheduled backups when they are due."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time

from .. import box_settings
from ..db import db
from ..log import kv
from ..supervisor import Manager
from . import schedule

log = logging.getLogger(__name__)
CHECK_EVERY = 60.0


class BackupManager(Manager):
    name = "backup"
    needs = ("settings", "database")

    def load(self) -> None:
        self.last: dict | None = None  # the last scheduled backup: when, file or error
        self._stop = threading.Event()
        self._wake = threading.Event()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="backup", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=5)

    def wake(self) -> None:
        """The schedule changed: look at it now."""
        self._wake.set()

    def health(self) -> dict:
        return {"backup": {"last": self.last}} if self.last else {}

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(CHECK_EVERY)
            self._wake.clear()
            if self._stop.is_set():
                break
            try:
                self.tick(dt.datetime.now(dt.timezone.utc))
            except Exception as exc:  # noqa: BLE001 - said on the health document; tried again next time
                log.exception("scheduled backup failed")
                self.last = {"at": time.time(), "ok": False, "error": str(exc)}
                self.box.events.publish("alert", kind="backup", active=True, message=str(exc))

    def tick(self, now: dt.datetime) -> dict | None:
        with db.connection_context():
            plan = schedule.load()
            timezone = box_settings.load().timezone
            if not schedule.due(now, timezone, plan, schedule.directory(plan, self.box.runtime.paths)):
                return None
            result = schedule.run(self.box)
        log.info("scheduled backup made", extra=kv(**result))
        self.last = {"at": time.time(), "ok": True, **result}
        self.box.events.publish("alert", kind="backup", active=False, message=None)
        return result
