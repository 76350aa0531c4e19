"""Custom device states behind BLF hints that config decides: do-not-disturb (*76<extension>
shows Custom:DND<extension>) and time conditions set by hand (*28N shows Custom:TC<N>).

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


def time_device(code: int) -> str:
    return f"Custom:TC{code}"


def wanted(snap) -> dict[str, bool]:
    """Each custom device and whether it is lit (BUSY), from a config snapshot."""
    out = {dnd_device(e.number): e.dnd for e in snap.extensions}
    out.update({time_device(tc.code): tc.override is not None for tc in snap.time_conditions})
    return out


class CustomStates:
    def __init__(self, ami):
        self.ami = ami
        self.pushed: dict[str, bool] = {}
        self._lock = threading.Lock()  # the applier and a restart's resync may push at once

    def forget(self) -> None:
        """Asterisk started again: whatever it holds is pushed anew."""
        with self._lock:
            self.pushed.clear()

    def sync(self, states: dict[str, bool]) -> None:
        with self._lock:
            self._sync(states)

    def _sync(self, states: dict[str, bool]) -> None:
        for device, on in states.items():
            if self.pushed.get(device) == on:
                continue
            try:
                self.ami.action("Setvar", Variable=f"DEVICE_STATE({device})", Value="BUSY" if on else "NOT_INUSE")
            except (AMIError, OSError) as exc:
                log.warning("could not set a BLF state: %s", exc)
                return  # the next apply or start tries again
            self.pushed[device] = on
        for device in set(self.pushed) - set(states):
            del self.pushed[device]
