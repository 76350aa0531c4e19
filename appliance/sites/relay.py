"""Busy lamps between branches: headquarters passes on what each branch publishes.

A branch publishes its phones' device states to headquarters only, and Asterisk there publishes
on only the states that began on it. So headquarters follows each branch extension's state in its
own hint (callbox-sites) and sets a device of its own to it (render/sites.py relayed_device); that
state began at headquarters, goes out to every branch, and lights the other branches' lamps.

Asterisk keeps such a device's state in its database (and sets it again at its next start), and
the branches keep the last one headquarters published. A branch revoked, or gone to prefix only,
or reporting fewer extensions would leave its phones' last states behind, a lamp busy for ever:
after each apply headquarters makes every relayed device no hint follows any longer unavailable
(which goes out to the branches) and takes it out of the database (`stale`).

`wanted` and `stale` decide (pure); `LampRelay` sets the states over AMI in a thread of its own,
since the events come on the AMI reader's thread, which must never wait on an answer.
"""

from __future__ import annotations

import logging
import queue
import threading

from ..ami import AMIError
from ..pbx.render.sites import RELAYED_PREFIX, RELAYED_STATES, SITES_CONTEXT, relayed_device

log = logging.getLogger(__name__)

DB_FAMILY = "CustomDevstate"  # where func_devstate keeps the Custom: devices' states
# A relayed device no hint follows: no phone there. UNKNOWN would read as idle, and
# DEVICE_STATE() refuses it anyway.
GONE = "UNAVAILABLE"
_STOP, _FORGET = object(), object()


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


def stale(listing, keep: set[str]) -> list[str]:
    """DBGetTree events of the CustomDevstate family: the relayed devices stored there that are not
    in `keep` (the devices of the hints this box relays now), in the database's order."""
    out = []
    for ev in listing:
        name = (ev.get("Key") or "").rpartition("/")[2]
        device = f"Custom:{name}"
        if ev.name == "DBGetTreeResponse" and device.startswith(RELAYED_PREFIX) and device not in keep:
            out.append(device)
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
        self._queue.put(_STOP)

    def forget(self) -> None:
        """Asterisk started again: every state is set anew."""
        self._queue.put(_FORGET)

    def keep_only(self, devices) -> None:
        """After an apply: the relayed devices of the hints this box has now (none where it relays
        nothing); the others are cleared."""
        self._queue.put(frozenset(devices))

    def offer(self, events) -> None:
        """Called on the AMI reader's thread: never blocks."""
        if self.enabled:
            states = wanted(events)
            if states:
                self._queue.put(states)

    def _run(self) -> None:
        while True:
            states = self._queue.get()
            if states is _STOP:
                return
            if states is _FORGET:
                self._pushed.clear()
            elif isinstance(states, frozenset):
                self._clear(states)
            else:
                self._set(states)

    def _clear(self, keep: frozenset) -> None:
        try:
            _, listing = self.ami.action_list("DBGetTree", Family=DB_FAMILY, timeout=30)
        except (AMIError, OSError) as exc:
            log.warning("could not list the relayed lamps: %s", exc)
            return  # cleared after the next apply
        for device in stale(listing, keep):
            try:
                self.ami.action("Setvar", Variable=f"DEVICE_STATE({device})", Value=GONE)
                self.ami.action("DBDel", Family=DB_FAMILY, Key=device.partition(":")[2])
            except (AMIError, OSError) as exc:
                log.warning("could not clear a relayed lamp: %s", exc)
                continue
            self._pushed.pop(device, None)
            log.info("cleared the lamp of %s: no site's extension now", device)

    def _set(self, states: dict[str, str]) -> None:
        for device, state in states.items():
            if self._pushed.get(device) == state:
                continue
            try:
                self.ami.action("Setvar", Variable=f"DEVICE_STATE({device})", Value=state)
            except (AMIError, OSError) as exc:
                log.warning("could not relay a branch's lamp: %s", exc)
                continue  # the next change or listing sets it
            self._pushed[device] = state
