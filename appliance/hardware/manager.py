"""The hardware manager: finds the telephony cards, loads their drivers, follows hot changes.

A box without cards, without udev or without DAHDI still starts: the scan is
then simply empty, and the Hardware page says so.
"""

from __future__ import annotations

import logging
import os
import threading

from ..log import kv
from ..supervisor import Manager
from . import detect, kmod, profiles, udev

log = logging.getLogger(__name__)


def has_dahdi() -> bool:
    return os.path.exists("/dev/dahdi/ctl") or os.path.isdir("/proc/dahdi")


class HardwareManager(Manager):
    name = "hardware"
    needs = ("database",)

    def load(self) -> None:
        self.cards = profiles.load_cards()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.driver_errors: dict[str, str] = {}
        self.found = {"cards": [], "unsupported": []}

    def start(self) -> None:
        self.rescan()
        threading.Thread(target=self._watch, name="hardware-udev", daemon=True).start()

    def stop(self) -> None:
        self._stop.set()

    def _watch(self) -> None:
        try:
            udev.watch(self._changed, self._stop)
        except Exception as exc:  # noqa: BLE001 - no udev netlink (a container): no hot changes, the rest works
            log.info("hardware: not watching for hot changes", extra=kv(reason=str(exc)))

    def _changed(self, action: str, dev) -> None:
        log.info("hardware: device changed", extra=kv(action=action, device=dev.path if dev else None))
        self.rescan()

    def rescan(self) -> dict:
        try:
            found = detect.scan(udev.devices(), self.cards)
        except Exception as exc:  # noqa: BLE001 - no udev here: no cards, not a broken box
            log.info("hardware: no device scan", extra=kv(reason=str(exc)))
            found = {"cards": [], "unsupported": []}
        for card in found["cards"]:
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
        return {"hardware": {"cards": len(self.found["cards"]), "dahdi": has_dahdi()}}
