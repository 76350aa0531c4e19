"""Live PBX state kept from AMI events: which phones are registered, from where."""

from __future__ import annotations

import threading


class LiveState:
    def __init__(self):
        self._lock = threading.Lock()
        self._contacts: dict[str, dict] = {}

    def clear(self) -> None:
        with self._lock:
            self._contacts.clear()

    def on_event(self, ev) -> None:
        if ev.name != "ContactStatus":
            return
        aor = ev.get("AOR")
        if not aor:
            return
        status = ev.get("ContactStatus", "")
        with self._lock:
            if status == "Removed":
                self._contacts.pop(aor, None)
            else:
                self._contacts[aor] = {"contact": ev.get("URI"), "status": status}

    def resync(self, events) -> None:
        """Replace the state with a PJSIPShowContacts listing."""
        fresh = {}
        for ev in events:
            if ev.name == "ContactList" and ev.get("Aor"):
                fresh[ev.get("Aor")] = {"contact": ev.get("Uri"), "status": ev.get("Status", "")}
        with self._lock:
            self._contacts = fresh

    def registration(self, aor: str) -> dict | None:
        with self._lock:
            found = self._contacts.get(aor)
            return dict(found) if found else None

    def registered(self) -> set[str]:
        with self._lock:
            return set(self._contacts)
