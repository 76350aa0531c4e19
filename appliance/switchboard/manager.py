"""The switchboard manager: feature codes that change settings, the BLF states config decides,
and call park's changes told to the pages."""

from __future__ import annotations

import logging
import threading

from ..db import db
from ..log import kv
from ..pbx.render.dialplan import REFUSED_EVENT
from ..pbx.snapshot import load_snapshot
from ..supervisor import Manager
from . import hints, park
from .codes import SettingCodes

log = logging.getLogger(__name__)


class SwitchboardManager(Manager):
    name = "switchboard"
    needs = ("database", "pbx")

    def load(self) -> None:
        pbx = self.box.pbx
        self.codes = SettingCodes(pbx.wait_settled, pbx.system.sounds_dir)
        pbx.agi_handlers["setting"] = self.codes.setting
        pbx.agi_handlers["time-override"] = self.codes.time_override
        pbx.agi_handlers["blacklist"] = self.codes.blacklist
        self.states = hints.CustomStates(pbx.ami)
        pbx.applier.after_apply.append(self._after_apply)
        pbx.ami.subscribe(self._on_event)

    def _after_apply(self, snap) -> None:
        self.states.sync(hints.wanted(snap))

    def _on_event(self, ev) -> None:
        if ev.name == "FullyBooted":
            threading.Thread(target=self._resync, name="switchboard-resync", daemon=True).start()
        elif ev.name in park.EVENTS:
            self.box.events.publish("park", slot=ev.get("ParkingSpace"), change=ev.name)
        elif ev.name == "UserEvent" and ev.get("UserEvent") == REFUSED_EVENT:
            # The dial plan refused an outside call for a permission class: worth knowing (a
            # phone cracked, a forged caller id asking for a callback).
            refusal = {"by": ev.get("For", ""), "permission_class": ev.get("Class", ""),
                       "reach": ev.get("Reach", ""), "number": ev.get("Number", "")}
            log.warning("outside call refused", extra=kv(**refusal))
            self.box.events.publish("call_refused", **refusal)

    def _resync(self) -> None:
        self.states.forget()
        try:
            with db.connection_context():
                snap = load_snapshot(self.box.pbx.system)
            self.states.sync(hints.wanted(snap))
        except Exception:  # noqa: BLE001 - the next apply tries again
            log.exception("switchboard resync failed")
