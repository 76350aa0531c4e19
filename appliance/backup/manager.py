"""The backup manager: makes the scheduled backups when they are due, and keeps what
happened last (kept on the data partition, so the page and the dashboard still say it
after a restart, and an SFTP target is not listed every minute to learn it)."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import threading
import time

from .. import box_settings
from ..db import db
from ..errors import BoxError
from ..log import kv
from ..supervisor import Manager
from . import schedule

log = logging.getLogger(__name__)
CHECK_EVERY = 60.0
STATE = "backup-state.json"


class BackupManager(Manager):
    name = "backup"
    needs = ("settings", "database")

    def load(self) -> None:
        self._state_path = self.box.runtime.paths.data / STATE
        state = self._read_state()
        #: The last scheduled backup (or one made by hand): when, target, file and size, or the error.
        self.last: dict | None = state.get("last")
        self._sftp_made: float | None = state.get("sftp_made")  # the last that reached the SFTP target
        self._failed_at: float | None = None  # the last failure (for RETRY_AFTER; forgotten on a restart)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._wake = threading.Event()

    def start(self) -> None:
        if self.last and not self.last.get("ok"):
            self.box.events.publish("alert", kind="backup", active=True, message=self.last.get("error"))
        self._thread = threading.Thread(target=self._run, name="backup", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=5)

    def wake(self) -> None:
        """The schedule changed: look at it now (and try again at once after a failure)."""
        self._failed_at = None
        self._wake.set()

    def health(self) -> dict:
        # /health answers anyone: a failure's reason (which names the server and user) stays on the
        # backup page, for administrators; the dashboard says that it failed and links there.
        if not self.last:
            return {}
        return {"backup": {"last": {k: v for k, v in self.last.items() if k not in ("error", "field")}}}

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(CHECK_EVERY)
            self._wake.clear()
            if self._stop.is_set():
                break
            try:
                self.tick(dt.datetime.now(dt.timezone.utc))
            except Exception:  # noqa: BLE001 - recorded by make(); tried again after RETRY_AFTER
                log.exception("scheduled backup failed")

    def tick(self, now: dt.datetime) -> dict | None:
        with db.connection_context():
            plan = schedule.load()
            timezone = box_settings.load().timezone
            newest = (self._sftp_made if plan.target == "sftp"
                      else schedule.newest_in(schedule.directory(plan, self.box.runtime.paths)))
            if not schedule.due(now, timezone, plan, newest, self._failed_at):
                return None
            return self.make()

    def make(self, run=schedule.service.direct, actor: str = "backup") -> dict:
        """Make the scheduled backup now and record the outcome (raised again on failure)."""
        with self._lock:
            try:
                result = schedule.run(self.box, run=run, actor=actor)
            except Exception as exc:
                self._failed_at = time.time()
                target = schedule.load().target
                message = getattr(exc, "message", None) or str(exc)
                self._record({"at": self._failed_at, "ok": False, "target": target, "error": message,
                              "field": getattr(exc, "field", None) if isinstance(exc, BoxError) else None})
                log.warning("scheduled backup failed", extra=kv(target=target, error=message))
                self.box.events.publish("alert", kind="backup", active=True, message=message)
                raise
            self._failed_at = None
            at = time.time()
            if result["target"] == "sftp":
                self._sftp_made = at
            self._record({"at": at, "ok": True, **result})
            log.info("scheduled backup made", extra=kv(**result))
            self.box.events.publish("alert", kind="backup", active=False, message=None)
            return result

    def _record(self, last: dict) -> None:
        self.last = last
        tmp = self._state_path.with_suffix(".tmp")
        try:
            tmp.write_text(json.dumps({"last": last, "sftp_made": self._sftp_made}))
            os.replace(tmp, self._state_path)
        except OSError as exc:  # the backup itself is what matters; the page shows `last` until a restart
            log.warning("backup state not kept", extra=kv(error=str(exc)))

    def _read_state(self) -> dict:
        try:
            state = json.loads(self._state_path.read_text())
            return state if isinstance(state, dict) else {}
        except (OSError, ValueError):
            return {}
