"""Live PBX state kept from AMI events: registered phones, calls in progress, and the state of
the other sites' extensions (their hints, which follow what those sites publish).

Each change is published on the box's event bus for the browsers.
"""

from __future__ import annotations

import threading
from typing import Callable

from .render.sites import SITES_CONTEXT

# A hint's state (ExtensionStatus StatusText) as the pages and the API name it.
HINT_STATES = {"Idle": "idle", "InUse": "in_use", "Busy": "busy", "Unavailable": "unavailable",
               "Ringing": "ringing", "InUse&Ringing": "ringing", "Hold": "on_hold", "InUse&Hold": "on_hold"}


def contact_aor(ev) -> str | None:
    """The AOR of a PJSIPShowContacts ContactList event. Asterisk 22 sends no Aor header there:
    the contact's name is "<aor>;@<hash>" (registered) or "<aor>@@<hash>" (configured)."""
    name = ev.get("ObjectName") or ""
    for mark in (";@", "@@"):
        if mark in name:
            return name.split(mark, 1)[0] or None
    return ev.get("Aor") or None


class LiveState:
    def __init__(self, publish: Callable[..., object] = lambda topic, **data: None):
        self._lock = threading.Lock()
        self._contacts: dict[str, dict] = {}
        self._channels: dict[str, str] = {}  # uniqueid -> linkedid
        self._trunks: dict[str, str] = {}  # trunk endpoint -> registration status
        self._sites: dict[str, str] = {}  # another site's extension -> its hint's state
        # While listings are asked for (resync_begin .. resync): what events said meanwhile, which is
        # newer than the listings (None: a contact removed, a channel hung up).
        self._newer_contacts: dict[str, dict | None] | None = None
        self._newer_channels: dict[str, str | None] | None = None
        self._publish = publish

    def clear(self) -> None:
        with self._lock:
            self._contacts.clear()
            self._channels.clear()
            self._sites.clear()
        self._publish("calls", active=0)

    def on_event(self, ev) -> None:
        name = ev.name
        if name == "ContactStatus":
            self._contact(ev)
        elif name == "Newchannel":
            self._channel(ev.get("Uniqueid"), ev.get("Linkedid"))
        elif name == "Hangup":
            self._channel(ev.get("Uniqueid"), None)
        elif name == "ExtensionStatus":
            self.site_hints([ev], replace=False)

    def _contact(self, ev) -> None:
        aor = ev.get("AOR")
        if not aor:
            return
        status = ev.get("ContactStatus", "")
        with self._lock:
            if status == "Removed":
                self._contacts.pop(aor, None)
            else:
                self._contacts[aor] = {"contact": ev.get("URI"), "status": status}
            found = self._contacts.get(aor)
            if self._newer_contacts is not None:
                self._newer_contacts[aor] = found
        self._publish("registration", number=aor, registered=found is not None,
                      contact=found["contact"] if found else None)

    def _channel(self, uniqueid: str | None, linkedid: str | None) -> None:
        if not uniqueid:
            return
        with self._lock:
            before = self._calls()
            if linkedid is None:
                self._channels.pop(uniqueid, None)
            else:
                self._channels[uniqueid] = linkedid
            if self._newer_channels is not None:
                self._newer_channels[uniqueid] = linkedid
            after = self._calls()
        if after != before:
            self._publish("calls", active=after)

    def _calls(self) -> int:
        return len(set(self._channels.values()))

    def resync_begin(self) -> None:
        """The listings for `resync` are asked for now: events from here on are newer than they are
        (a trunk qualified just after Asterisk started would otherwise stay as the listing had it)."""
        with self._lock:
            self._newer_contacts, self._newer_channels = {}, {}

    def resync(self, contacts, channels=()) -> None:
        """Replace the state with PJSIPShowContacts and CoreShowChannels listings, and what events
        said since `resync_begin`."""
        fresh = {}
        for ev in contacts:
            aor = contact_aor(ev) if ev.name == "ContactList" else None
            if aor:
                fresh[aor] = {"contact": ev.get("Uri"), "status": ev.get("Status", "")}
        chans = {ev.get("Uniqueid"): ev.get("Linkedid") for ev in channels
                 if ev.name == "CoreShowChannel" and ev.get("Uniqueid")}
        with self._lock:
            for listed, newer in ((fresh, self._newer_contacts or {}), (chans, self._newer_channels or {})):
                for key, value in newer.items():
                    if value is None:
                        listed.pop(key, None)
                    else:
                        listed[key] = value
            self._newer_contacts = self._newer_channels = None
            self._contacts = fresh
            self._channels = chans
        self._publish("calls", active=self.active_calls())

    def trunk_registrations(self, events) -> None:
        """A PJSIPShowRegistrationsOutbound listing: each trunk's registration state."""
        fresh = {ev.get("ObjectName"): ev.get("Status", "") for ev in events
                 if ev.name == "OutboundRegistrationDetail" and ev.get("ObjectName")}
        with self._lock:
            changed = {k: v for k, v in fresh.items() if self._trunks.get(k) != v}
            self._trunks = fresh
        for name, status in changed.items():
            self._publish("trunk", trunk=name, registration=status)

    def site_hints(self, events, replace: bool = True) -> None:
        """ExtensionStatus events (one as it comes, or an ExtensionStateList listing that replaces
        what was known): the other sites' extensions, published as they change."""
        fresh = {ev.get("Exten"): HINT_STATES.get(ev.get("StatusText"), "unknown") for ev in events
                 if ev.name == "ExtensionStatus" and ev.get("Context") == SITES_CONTEXT and ev.get("Exten")}
        with self._lock:
            changed = {n: s for n, s in fresh.items() if self._sites.get(n) != s}
            self._sites = fresh if replace else {**self._sites, **fresh}
        for number, state in changed.items():
            self._publish("site_extension", number=number, state=state)

    def site_extension(self, number: str) -> str | None:
        """The state of another site's extension (None: not known here)."""
        with self._lock:
            return self._sites.get(number)

    def trunk(self, endpoint: str) -> dict:
        with self._lock:
            contact = self._contacts.get(endpoint)
            return {"registration": self._trunks.get(endpoint),
                    "reachable": contact["status"] == "Reachable" if contact else None}

    def registration(self, aor: str) -> dict | None:
        with self._lock:
            found = self._contacts.get(aor)
            return dict(found) if found else None

    def registered(self) -> set[str]:
        """Extensions with a registered phone (trunks' contacts are not phones)."""
        with self._lock:
            return {aor for aor in self._contacts if aor.isdigit()}

    def active_calls(self) -> int:
        with self._lock:
            return self._calls()
