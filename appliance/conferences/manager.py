"""The conferences manager: rooms' live state from ConfBridge events (pushed to pages as
"conference" events), recording of rooms set to record, and the actions of the live page."""

from __future__ import annotations

import logging
import threading

from ..ami import AMIError
from ..callcenter.recordings import Recordings
from ..db import db
from ..db.models import Conference
from ..log import kv
from ..supervisor import Manager
from .actions import ConferenceActions
from .live import ConferenceLive

log = logging.getLogger(__name__)
LOCK_POLL = 2.0  # seconds: how soon the page sees a lock a host keyed (ConfBridge sends no event)


class ConferencesManager(Manager):
    name = "conferences"
    needs = ("database", "pbx")

    def load(self) -> None:
        pbx = self.box.pbx
        root = self.box.runtime.paths.recordings
        self.live = ConferenceLive(self.box.events.publish)
        recordings = Recordings(root, self.box.events.publish)
        self.actions = ConferenceActions(pbx.ami, self.live, root, recordings.allow)
        pbx.ami.subscribe(self._on_event)
        self._stop = threading.Event()

    def start(self) -> None:
        threading.Thread(target=self._poll_locks, name="conference-locks", daemon=True).start()

    def stop(self) -> None:
        self._stop.set()

    def _poll_locks(self) -> None:
        while not self._stop.wait(LOCK_POLL):
            if self.live.running() and self.box.pbx.ami.connected:
                try:
                    self.actions.read_locks()
                except Exception:  # noqa: BLE001 - the next round asks again
                    log.exception("conference locks not read")

    def _on_event(self, ev) -> None:
        self.live.on_event(ev)
        if ev.name == "FullyBooted":
            threading.Thread(target=self._resync, name="conferences-resync", daemon=True).start()
        elif ev.name == "ConfbridgeStart":
            threading.Thread(target=self._record, args=(ev.get("Conference", ""),), name="conference-record",
                             daemon=True).start()

    def _record(self, number: str) -> None:
        """A room set to record is recorded from its first party on."""
        try:
            with db.connection_context():
                room = Conference.get_or_none(Conference.number == number)
                if room is None or not room.record:
                    return
                path = self.actions.record(number, True)
            log.info("conference recorded", extra=kv(room=number, file=str(path)))
        except Exception as exc:  # noqa: BLE001 - the room goes on unrecorded; the log says why
            log.error("conference not recorded", extra=kv(room=number, error=str(exc)))

    def _resync(self) -> None:
        ami = self.box.pbx.ami
        try:
            try:
                _, rooms = ami.action_list("ConfbridgeListRooms", timeout=10)
            except AMIError as exc:
                if "no active conferences" not in exc.message.lower():
                    raise
                rooms = []
            parties = []
            for ev in rooms:
                if ev.name == "ConfbridgeListRooms":
                    try:
                        parties += ami.action_list("ConfbridgeList", Conference=ev.get("Conference"), timeout=10)[1]
                    except AMIError:  # the room ended meanwhile
                        pass
            self.live.resync(rooms, parties)
        except Exception:  # noqa: BLE001 - the next boot tries again
            log.exception("conference resync failed")
