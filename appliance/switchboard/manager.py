"""The switchboard manager: feature codes that change settings, and the BLF states config decides."""

from __future__ import annotations

import logging
import threading

from ..db import db
from ..db.models import Extension
from ..supervisor import Manager
from .codes import SettingCodes
from .hints import DndStates

log = logging.getLogger(__name__)


class SwitchboardManager(Manager):
    name = "switchboard"
    needs = ("database", "pbx")

    def load(self) -> None:
        pbx = self.box.pbx
        self.codes = SettingCodes(pbx.wait_settled)
        pbx.agi_handlers["setting"] = self.codes.setting
        self.dnd = DndStates(pbx.ami)
        pbx.applier.after_apply.append(self._after_apply)
        pbx.ami.subscribe(self._on_event)

    def _after_apply(self, snap) -> None:
        self.dnd.sync({e.number: e.dnd for e in snap.extensions})

    def _on_event(self, ev) -> None:
        if ev.name == "FullyBooted":
            threading.Thread(target=self._resync, name="switchboard-resync", daemon=True).start()

    def _resync(self) -> None:
        self.dnd.forget()
        try:
            with db.connection_context():
                wanted = {e.number: e.dnd for e in Extension.select(Extension.number, Extension.dnd)}
            self.dnd.sync(wanted)
        except Exception:  # noqa: BLE001 - the next apply tries again
            log.exception("switchboard resync failed")
