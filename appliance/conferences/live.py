"""Each conference room as it is right now, kept from ConfBridge's AMI events.

Who is in (by the channel's unique id), who is muted, who talks, whether the room is locked
or recorded. ConfBridge sends no talking-off event for a talker who leaves: the Leave is it.
Nor does it send any event when a room is locked or unlocked: the lock is read back from
ConfbridgeListRooms (set_locks) after the box locks a room and, while rooms run, now and then
(a host locks with the keypad). After Asterisk (re)starts, resync() rebuilds the rooms.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Callable

#: Events that change a room.
EVENTS = {"ConfbridgeStart", "ConfbridgeEnd", "ConfbridgeJoin", "ConfbridgeLeave", "ConfbridgeTalking",
          "ConfbridgeMute", "ConfbridgeUnmute", "ConfbridgeRecord", "ConfbridgeStopRecord"}


def _yes(value) -> bool:
    return str(value or "").lower() in ("yes", "true", "on", "1")


def _cid(ev, key: str) -> str:
    value = ev.get(key, "")
    return "" if value == "<unknown>" else value


@dataclass
class Party:
    id: str  # the channel's unique id
    channel: str
    caller: str
    name: str
    host: bool
    muted: bool = False
    talking: bool = False
    joined: float = field(default_factory=time.time)

    def to_dict(self) -> dict:
        return {"id": self.id, "caller": self.caller, "name": self.name, "muted": self.muted,
                "talking": self.talking, "host": self.host, "seconds": int(time.time() - self.joined)}


@dataclass
class Room:
    parties: dict[str, Party] = field(default_factory=dict)
    locked: bool = False
    recording: bool = False


class ConferenceLive:
    def __init__(self, publish: Callable[..., object] = lambda topic, **data: None):
        self._lock = threading.Lock()
        self._rooms: dict[str, Room] = {}
        self._publish = publish

    def on_event(self, ev) -> None:
        if ev.name not in EVENTS:
            return
        number = ev.get("Conference", "")
        with self._lock:
            self._apply(ev, number)
        self._publish("conference", room=number, change=ev.name)

    def _apply(self, ev, number: str) -> None:
        if ev.name == "ConfbridgeEnd":
            self._rooms.pop(number, None)
            return
        room = self._rooms.setdefault(number, Room())
        uid = ev.get("Uniqueid", "")
        if ev.name == "ConfbridgeJoin":
            room.parties[uid] = Party(uid, ev.get("Channel", ""), _cid(ev, "CallerIDNum"), _cid(ev, "CallerIDName"),
                                      _yes(ev.get("Admin")), muted=_yes(ev.get("Muted")))
        elif ev.name == "ConfbridgeLeave":
            room.parties.pop(uid, None)
        elif ev.name in ("ConfbridgeTalking", "ConfbridgeMute", "ConfbridgeUnmute"):
            party = room.parties.get(uid)
            if party is None:
                return
            if ev.name == "ConfbridgeTalking":
                party.talking = _yes(ev.get("TalkingStatus"))
            else:
                party.muted = ev.name == "ConfbridgeMute"
                if party.muted:
                    party.talking = False
        elif ev.name in ("ConfbridgeRecord", "ConfbridgeStopRecord"):
            room.recording = ev.name == "ConfbridgeRecord"

    def resync(self, rooms: list, parties: list) -> None:
        """From ConfbridgeListRooms and ConfbridgeList events (every room's)."""
        fresh: dict[str, Room] = {}
        for ev in rooms:
            if ev.name == "ConfbridgeListRooms":
                fresh[ev.get("Conference", "")] = Room(locked=_yes(ev.get("Locked")))
        for ev in parties:
            if ev.name != "ConfbridgeList":
                continue
            room = fresh.setdefault(ev.get("Conference", ""), Room())
            uid = ev.get("Uniqueid", "")
            room.parties[uid] = Party(uid, ev.get("Channel", ""), _cid(ev, "CallerIDNum"), _cid(ev, "CallerIDName"),
                                      _yes(ev.get("Admin")), muted=_yes(ev.get("Muted")),
                                      talking=_yes(ev.get("Talking")))
        with self._lock:
            for number, room in fresh.items():
                old = self._rooms.get(number)
                if old is not None:
                    room.recording = old.recording
            self._rooms = fresh
        self._publish("conference", room=None, change="resync")

    def set_locks(self, rooms: list) -> None:
        """The Locked of each room in ConfbridgeListRooms events; pages hear of those that changed."""
        changed = []
        with self._lock:
            for ev in rooms:
                room = self._rooms.get(ev.get("Conference", "")) if ev.name == "ConfbridgeListRooms" else None
                if room is not None and room.locked != _yes(ev.get("Locked")):
                    room.locked = not room.locked
                    changed.append(ev.get("Conference"))
        for number in changed:
            self._publish("conference", room=number, change="lock")

    def running(self) -> bool:
        with self._lock:
            return bool(self._rooms)

    def live(self, number: str) -> dict:
        with self._lock:
            room = self._rooms.get(number) or Room()
            parties = sorted(room.parties.values(), key=lambda p: (p.joined, p.id))
            return {"parties": [p.to_dict() for p in parties], "locked": room.locked, "recording": room.recording}

    def channel_of(self, number: str, party: str) -> str | None:
        with self._lock:
            room = self._rooms.get(number)
            found = room.parties.get(party) if room else None
            return found.channel if found else None

    def active(self, number: str) -> bool:
        with self._lock:
            return number in self._rooms
