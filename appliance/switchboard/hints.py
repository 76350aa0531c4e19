"""Custom device states behind BLF hints that config decides (do-not-disturb: *76<extension>).

Asterisk keeps custom device states in its own database; the config database is the truth, so
after every apply the states that differ from it are set again, and all of them after a start.
"""

from __future__ import annotations

import logging
import threading

from ..ami import AMIError

log = logging.getLogger(__name__)


def dnd_device(number: str) -> str:
    return f"Custom:DND{number}"


class DndStates:
    def __init__(self, ami):
        self.ami = ami
        self.pushed: dict[str, bool] = {}
        self._lock = threading.Lock()  # the applier and a restart's resync may push at once

    def forget(self) -> None:
        """Asterisk started again: whatever it holds is pushed anew."""
        self.pushed.clear()

    def sync(self, wanted: dict[str, bool]) -> None:
        with self._lock:
            self._sync(wanted)

    def _sync(self, wanted: dict[str, bool]) -> None:
        for number, on in wanted.items():
            if self.pushed.get(number) == on:
                continue
            try:
                self.ami.action("Setvar", Variable=f"DEVICE_STATE({dnd_device(number)})",
                                Value="BUSY" if on else "NOT_INUSE")
            except (AMIError, OSError) as exc:
                log.warning("could not set a DND hint: %s", exc)
                return  # the next apply or start tries again
            self.pushed[number] = on
        for number in set(self.pushed) - set(wanted):
            del self.pushed[number]
