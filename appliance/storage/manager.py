"""The storage manager: keeps the logs rotated and within their quota, and watches the quotas.

An unauthenticated flood of SIP guesses writes log lines for each to Asterisk's
logs: checked four times a second, no log file grows far past its size, and the log
folder stays under its quota whatever arrives. Quota states (near, over) are
on the health document, on the dashboard as an alert event, and mailed to the
box's alert addresses once a day while they last.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import logging.handlers
import socket
import threading
import time

from .. import box_settings
from ..db import db
from ..log import kv
from ..supervisor import Manager
from . import quotas, rotation

log = logging.getLogger(__name__)
#: The files Asterisk writes by name, as logger.conf names them (pbx/render/core.py).
ASTERISK_LOGS = ("messages.log", "security.log", "queue_log")
#: Asterisk's standard output (pbx/process.py holds it open).
CONSOLE_LOG = "console.log"
#: A flood of 1000 failed SIP guesses a second writes about 1.5 MB a second to Asterisk's logs: a
#: quarter of a second between checks keeps a log within a few hundred KB of its size.
ROTATE_EVERY = 0.25
SETTINGS_EVERY = 2.0
MEASURE_EVERY = 30.0


class StorageManager(Manager):
    name = "storage"
    needs = ("settings", "database")

    def load(self) -> None:
        self.paths = self.box.runtime.paths
        self.ages = rotation.Ages()
        self.rotations = 0
        self.deleted = 0
        self.usage: dict[str, quotas.Usage] = {}
        self._states: dict[str, str] = {}
        self._stop = threading.Event()
        self._measure_now = threading.Event()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="storage", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def health(self) -> dict:
        doc = {store: u.to_dict() for store, u in self.usage.items()}
        if "logs" in doc:
            doc["logs"].update(rotations=self.rotations, deleted=self.deleted)
        return {"storage": doc}

    def measure_soon(self) -> None:
        """Settings changed (a quota, a log size): read them and measure again now."""
        self._measure_now.set()

    # -- the loop ----------------------------------------------------------------------------

    def _run(self) -> None:
        measured = loaded = 0.0
        settings = None
        while not self._stop.wait(ROTATE_EVERY):
            try:
                if settings is None or self._measure_now.is_set() or time.monotonic() - loaded >= SETTINGS_EVERY:
                    with db.connection_context():
                        settings = box_settings.load()
                    loaded = time.monotonic()
                self.tend_logs(settings)
                if self._measure_now.is_set() or time.monotonic() - measured >= MEASURE_EVERY:
                    self._measure_now.clear()
                    measured = time.monotonic()
                    self.check_quotas(settings)
            except Exception:  # noqa: BLE001 - the next round tries again
                log.exception("storage round failed")

    def tend_logs(self, settings, now: float | None = None) -> list[str]:
        """Rotate what is due, keep the log folder under its quota; the names rotated."""
        policy = rotation.Policy.from_settings(settings)
        logs = self.paths.asterisk_log
        rotated = []
        for name in ASTERISK_LOGS:
            path = logs / name
            if rotation.due(path, policy, self.ages, now):
                rotation.rotate(path, policy.keep)
                self.ages.forget(path)
                rotated.append(name)
        if rotated:
            self._reopen()
        console = logs / CONSOLE_LOG
        if rotation.due(console, policy, self.ages, now):
            rotation.copy_truncate(console, policy.keep)
            self.ages.forget(console)
            rotated.append(CONSOLE_LOG)
        handler = _supervisor_handler()
        if handler is not None:
            # The supervisor's own log follows the same settings (its handler rotates by size itself).
            handler.maxBytes, handler.backupCount = policy.rotate_bytes, policy.keep
            path = self.paths.log / "supervisor.log"
            # Size is the handler's own job (at its next line); age is ours.
            if rotation.due(path, dataclasses.replace(policy, rotate_bytes=1 << 62), self.ages, now):
                handler.doRollover()
                self.ages.forget(path)
                rotated.append("supervisor.log")
        deleted = rotation.enforce_quota(self.paths.log, policy.quota_bytes)
        self.rotations += len(rotated)
        self.deleted += len(deleted)
        if rotated or deleted:
            log.info("logs rotated", extra=kv(rotated=rotated, deleted=[p.name for p in deleted]))
        return rotated

    def _reopen(self) -> None:
        pbx = getattr(self.box, "pbx", None)
        ami = getattr(pbx, "ami", None)
        if ami is None or not ami.connected:
            return  # Asterisk is down: it opens the files anew when it starts
        try:
            ami.command("logger reload")
        except Exception as exc:  # noqa: BLE001 - it keeps writing the renamed file until the next round
            log.warning("Asterisk did not reopen its logs", extra=kv(error=str(exc)))

    def check_quotas(self, settings) -> dict[str, quotas.Usage]:
        self.usage = quotas.measure(self.paths, settings)
        for store, u in self.usage.items():
            state = u.state
            if self._states.get(store, "ok") != state:
                self._states[store] = state
                active = state != "ok"
                if active:
                    log.warning("storage quota", extra=kv(store=store, state=state, used=u.used, quota=u.quota))
                self.box.events.publish("alert", kind="storage", store=store, active=active, state=state,
                                        used=u.used, quota=u.quota)
            if state != "ok" and settings.alert_email:
                self._mail(settings, u)
        return self.usage

    def _mail(self, settings, u: quotas.Usage) -> None:
        from .. import mail
        from ..mail import templates

        lang = settings.language
        day = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d")
        values = {"box": socket.gethostname(), "store": templates.word(f"store_{u.store}", lang),
                  "state": templates.word(f"quota_{u.state}", lang), "used": _mb(u.used), "quota": _mb(u.quota),
                  "percent": u.to_dict()["percent"]}
        with db.connection_context():
            # Once a day per store and state while it lasts (the key makes a repeat a no-op).
            mail.queue_template(list(settings.alert_email), "storage_alert", values,
                                key=f"storage:{u.store}:{u.state}:{day}", lang=lang)


def _mb(n: int) -> str:
    return f"{n / rotation.MB:.1f} MB"


def _supervisor_handler() -> logging.handlers.RotatingFileHandler | None:
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.handlers.RotatingFileHandler):
            return handler
    return None
