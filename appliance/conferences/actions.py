"""What the page and the API do to a running room: mute, unmute, kick, lock, unlock, record,
invite. Every action goes to Asterisk through pbx.control.send (503 while it restarts, 409 if
it refuses); the live state changes when ConfBridge's event comes back.

Invites: the box calls the number and, once it answers, puts it in the room as a participant
(no PIN: the person inviting vouches for it). Only administrators and supervisors may invite
(the API's roles), and only a number the box would let one of its phones reach: an extension,
or a number an outbound route dials. The call leaves through the same routes, trunks and
channel limits as a phone's.
"""

from __future__ import annotations

import time
from pathlib import Path

from .. import destinations
from ..ami import AMIError
from ..permissions import service as permissions
from ..db.models import Extension
from ..errors import Conflict, Invalid, NotFound
from ..fields import PhoneNumber, StrictSchema, validate
from ..pbx.control import send
from . import service
from .live import ConferenceLive

INVITE_RING_SECONDS = 30


class InviteSchema(StrictSchema):
    number = PhoneNumber(required=True)


class ConferenceActions:
    def __init__(self, ami, live: ConferenceLive, recordings_root: Path, may_record=lambda: True):
        self.ami = ami
        self.live = live
        self.recordings_root = recordings_root
        self.may_record = may_record  # False while the disk is nearly full

    def _running(self, number: str) -> str:
        room = service.get(number)
        if not self.live.active(room.number):
            raise Conflict(f"conference room {room.number} has nobody in it")
        return room.number

    def _channel(self, number: str, party: str) -> tuple[str, str]:
        room = service.get(number).number
        channel = self.live.channel_of(room, party)
        if channel is None:
            raise NotFound(f"no party {party} in conference room {room}")
        return room, channel

    def mute(self, number: str, party: str, muted: bool) -> None:
        room, channel = self._channel(number, party)
        send(self.ami, "ConfbridgeMute" if muted else "ConfbridgeUnmute", Conference=room, Channel=channel)

    def kick(self, number: str, party: str) -> None:
        room, channel = self._channel(number, party)
        send(self.ami, "ConfbridgeKick", Conference=room, Channel=channel)

    def lock(self, number: str, locked: bool) -> None:
        room = self._running(number)
        send(self.ami, "ConfbridgeLock" if locked else "ConfbridgeUnlock", Conference=room)
        self.read_locks()

    def read_locks(self) -> None:
        """ConfBridge tells no one of a lock: ask it which rooms are locked."""
        try:
            _, rooms = self.ami.action_list("ConfbridgeListRooms", timeout=5)
        except AMIError:  # "No active conferences.", or Asterisk away: nothing to learn
            return
        self.live.set_locks(rooms)

    def record_file(self, number: str, now: float | None = None) -> Path:
        """Beside the calls' recordings (same retention and quota): YYYY/MM/DD/conference-N-<time>.wav."""
        now = now or time.time()
        day = time.strftime("%Y/%m/%d", time.gmtime(now))
        return self.recordings_root / day / f"conference-{number}-{int(now)}.wav"

    def record(self, number: str, on: bool) -> Path | None:
        room = self._running(number)
        if not on:
            send(self.ami, "ConfbridgeStopRecord", Conference=room)
            return None
        if not self.may_record():
            raise Conflict("recordings are stopped: the disk is nearly full")
        path = self.record_file(room)
        send(self.ami, "ConfbridgeStartRecord", Conference=room, RecordFile=str(path))
        return path

    def invite(self, number: str, data, permission_class: str = "national", by: str = "") -> str:
        """An outside number is dialled for the one who invites, within their permission class."""
        room = service.get(number)
        target = validate(InviteSchema(), data)["number"]
        if not Extension.select().where(Extension.number == target).exists():
            if not destinations.dialable(target):
                raise Invalid(f"number: {target} is neither an extension nor a number an outbound route dials",
                              "number")
            reason = permissions.check(permission_class, target)
            if reason is not None:
                raise Invalid(f"number: {target}: {reason}", "number")
        channel, variables = permissions.on_behalf(target, permission_class, by or "conference-" + room.number)
        variables.append(("Variable", f"CALLBOX_INVITED={target}"))
        send(self.ami, "Originate", variables, Channel=channel, Context="callbox-conf-join", Exten=room.number,
             Priority=1, CallerID=f'"{room.name}" <{room.number}>', Async="true",
             Timeout=INVITE_RING_SECONDS * 1000)
        return target
