"""Busy lamps between branches: headquarters passes on what each branch publishes.

A branch publishes its phones' device states to headquarters only, and Asterisk there publishes
on only the states that began on it. So headquarters follows each branch extension's state in its
own hint (callbox-sites) and sets a device of its own to it (render/sites.py relayed_device); that
state began at headquarters, goes out to every branch, and lights the other branches' lamps.

`wanted` decides (pure); `LampRelay` sets the states over AMI in a thread of its own, since the
events come on the AMI reader's thread, which must never wait on an answer.
"""

from __future__ import annotations

import logging
import queue
import threading

from ..ami import AMIError
from ..pbx.render.sites import RELAYED_STATES, SITES_CONTEXT, relayed_device

log = logging.getLogger(__name__)


def wanted(events) -> dict[str, str]:
    """ExtensionStatus events (as they come, or an ExtensionStateList): each relayed device and
    the device state it is to have. Hints of other contexts, and states with no device state
    that gives them back (a hint removed), are left alone."""
    out = {}
    for ev in events:
        if ev.name != "ExtensionStatus" or ev.get("Context") != SITES_CONTEXT:
            continue
        number, state = ev.get("Exten") or "", RELAYED_STATES.get(ev.get("StatusText"))
        if number.isdigit() and state:
            out[relayed_device(number)] = state
    return out


class LampRelay:
    def __init__(self, ami):
        self.ami = ami
        self.enabled = False  # headquarters with branches (set after each apply)
        self._pushed: dict[str, str] = {}
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="lamp-relay", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._queue.put(None)

    def forget(self) -> None:
        """Asterisk started again: every state is set anew."""
        self._queue.put({})

    def offer(self, events) -> None:
        """Called on the AMI reader's thread: never blocks."""
        if self.enabled:
            states = wanted(events)
            if states:
                self._queue.put(states)

    def _run(self) -> None:
        while True:
            states = self._queue.get()
            if states is None:
                return
            if not states:
                self._pushed.clear()
            for device, state in states.items():
                if self._pushed.get(device) == state:
                    continue
                try:
                    self.ami.action("Setvar", Variable=f"DEVICE_STATE({device})", Value=state)
                except (AMIError, OSError) as exc:
                    log.warning("could not relay a branch's lamp: %s", exc)
                    continue  # the next change or listing sets it
                self._pushed[device] = state
