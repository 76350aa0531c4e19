"""The hardware manager: finds the telephony cards, loads their drivers, follows hot changes.

A box without cards, without udev or without DAHDI still starts: the scan is
then simply empty, and the Hardware page says so.
"""

from __future__ import annotations

import logging
import os
import threading
from contextlib import nullcontext as _nothing

from ..log import kv
from ..supervisor import Manager
from . import detect, kmod, live, profiles, udev

log = logging.getLogger(__name__)


def has_dahdi() -> bool:
    return os.path.exists("/dev/dahdi/ctl") or os.path.isdir("/proc/dahdi")


def module_loaded(name: str) -> bool:
    return os.path.isdir(f"/sys/module/{name}")


class HardwareManager(Manager):
    name = "hardware"
    needs = ("database",)

    def load(self) -> None:
        self.cards = profiles.load_cards()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.driver_errors: dict[str, str] = {}
        self.found = {"cards": [], "unsupported": []}
        self.alarms: dict[int, list[str]] = {}  # span -> DAHDI's alarms, where DAHDI has the span
        from .. import box_settings
        from ..db import db

        with db.connection_context() if db.is_closed() else _nothing():
            self.software_spans = box_settings.load().software_spans

    def start(self) -> None:
        if self.software_spans:
            problem = self.load_software_spans()
            if problem:
                log.warning("hardware: no software spans", extra=kv(reason=problem))
        self.rescan()
        threading.Thread(target=self._watch, name="hardware-udev", daemon=True).start()
        threading.Thread(target=self._watch_alarms, name="hardware-alarms", daemon=True).start()

    def stop(self) -> None:
        self._stop.set()

    def _watch(self) -> None:
        try:
            udev.watch(self._changed, self._stop)
        except Exception as exc:  # noqa: BLE001 - no udev netlink (a container): no hot changes, the rest works
            log.info("hardware: not watching for hot changes", extra=kv(reason=str(exc)))

    def _watch_alarms(self, every: float = 1.0) -> None:
        """Each span's alarms as DAHDI reports them, published (topic span_alarms) when they change,
        so that the Hardware page and the dashboard show a red span within a second or two."""
        while not self._stop.wait(every):
            try:
                self.poll_alarms()
            except Exception:  # noqa: BLE001 - the next second tries again
                log.exception("hardware: cannot read span alarms")

    def poll_alarms(self, root=None) -> dict[int, list[str]]:
        status = live.read(root) if root is not None else live.read()
        if not status.dahdi:
            return {}
        with self._lock:
            spans = [s for card in self.found["cards"] for s in card["spans"]]
        alarms = {s["span"]: status.spans[s["dahdi_span"]] for s in spans if s["dahdi_span"] in status.spans}
        if alarms != self.alarms:
            self.alarms = alarms
            self.box.events.publish("span_alarms", spans=[{"span": n, "alarms": a} for n, a in sorted(alarms.items())])
        return alarms

    def _changed(self, action: str, dev) -> None:
        log.info("hardware: device changed", extra=kv(action=action, device=dev.path if dev else None))
        self.rescan()

    def load_software_spans(self) -> str | None:
        """Loads DAHDI's local dynamic span driver (and DAHDI with it) before the setting that needs it
        is stored, so that the next apply finds DAHDI; returns why not."""
        if module_loaded(detect.SOFTWARE_CARD["driver"]):
            return None
        return kmod.load(detect.SOFTWARE_CARD["driver"])

    def set_software_spans(self, on: bool) -> None:
        self.software_spans = on
        self.rescan()

    def rescan(self) -> dict:
        try:
            found = detect.scan(udev.devices(), self.cards, self.software_spans)
        except Exception as exc:  # noqa: BLE001 - no udev here: no cards, not a broken box
            log.info("hardware: no device scan", extra=kv(reason=str(exc)))
            found = {"cards": [], "unsupported": []}
        for card in found["cards"]:
            if card["driver_loaded"] is None:  # the software spans' driver: no device to bind
                card["driver_loaded"] = module_loaded(card["driver"])
            if not card["driver_loaded"] and card["driver"] not in self.driver_errors:
                problem = kmod.load(card["driver"])
                if problem:
                    self.driver_errors[card["driver"]] = problem
                    log.warning("hardware: driver not loaded", extra=kv(card=card["name"], reason=problem))
            card["driver_error"] = self.driver_errors.get(card["driver"])
        with self._lock:
            self.found = found
        return found

    def health(self) -> dict:
        return {"hardware": {"cards": len(self.found["cards"]), "dahdi": has_dahdi(),
                             "span_alarms": {str(n): a for n, a in sorted(self.alarms.items()) if a}}}
