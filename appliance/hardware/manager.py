"""The hardware manager: finds the telephony cards, loads their drivers, follows hot changes;
where the box model (BOX_MODEL) declares them, polls the board's sensors and keeps the front
panel showing the box's web address and alarms.

A box without cards, without udev or without DAHDI still starts: the scan is
then simply empty, and the Hardware page says so.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from contextlib import nullcontext as _nothing
from typing import Callable

from ..log import kv
from ..supervisor import Manager
from . import detect, i2c, i2c_sim, kmod, live, panel_text, profiles, span_calls, trunk_state, udev
from .i2c import Opener
from .panel import FrontPanel, lan_addresses
from .sensors import BoardSensors, cpu_temperature

log = logging.getLogger(__name__)


def has_dahdi() -> bool:
    return os.path.exists("/dev/dahdi/ctl") or os.path.isdir("/proc/dahdi")


def module_loaded(name: str) -> bool:
    return os.path.isdir(f"/sys/module/{name}")


def board_doc(model: profiles.BoxModel | None = None, error: str | None = None,
              sensors: BoardSensors | None = None, panel: FrontPanel | None = None) -> dict:
    """GET /hardware's board, sensors and panel; with no arguments, a box that declares no board."""
    return {
        "board": {"model": model.key if model else None, "error": error},
        "sensors": {"declared": sensors is not None, "readings": sensors.readings() if sensors else [],
                    "alarms": sensors.alarms() if sensors else [], "cpu_celsius": cpu_temperature()},
        "panel": panel.doc() if panel else {"declared": False, "lines": []},
    }


class HardwareManager(Manager):
    name = "hardware"
    needs = ("database",)

    def load(self) -> None:
        self.cards = profiles.load_cards()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.driver_errors: dict[str, str] = {}
        self.found = {"cards": [], "unsupported": []}
        self.alarms: dict[int, list[str]] = {}  # span -> DAHDI's alarms, where DAHDI has the span
        self._present: set[int] = set()  # spans DAHDI has had since the box started
        # Called when spans DAHDI had lost are back (a card put back); the pbx gives them their channels.
        self.spans_returned: list[Callable[[], None]] = []
        # Called with the DAHDI channels of spans that were clear and are in alarm or gone (a card
        # pulled, a cable cut): the pbx ends the calls on them (see span_calls), before they return.
        self.spans_lost: list[Callable[[set[int]], None]] = []
        from .. import box_settings
        from ..db import db

        with db.connection_context() if db.is_closed() else _nothing():
            self.software_spans = box_settings.load().software_spans
        self.model: profiles.BoxModel | None = None
        self.sensors: BoardSensors | None = None
        self.panel: FrontPanel | None = None
        self.board_error: str | None = None
        self._load_board()

    def _load_board(self) -> None:
        runtime = self.box.runtime
        if not runtime.box_model:
            return
        try:
            model = profiles.load_boxes(self.cards).get(runtime.box_model)
        except profiles.ProfileError as exc:
            model, self.board_error = None, str(exc)
        else:
            if model is None:
                self.board_error = f"BOX_MODEL: {runtime.box_model!r} is no box model in hwprofiles/boxes"
        if model is None:
            # The cards work without the board's sensors: say so, but do not fail the manager.
            log.error("hardware: no board", extra=kv(reason=self.board_error))
            return
        self.use_board(model, i2c_sim.dev_board(model.sensors, model.panel) if runtime.i2c_simulated else i2c.open_bus)

    def use_board(self, model: profiles.BoxModel, opener: Opener,
                  sleep: Callable[[float], None] = time.sleep) -> None:
        """The board of `model`, its buses opened by `opener` (smbus2, or a simulated bus)."""
        self.model = model
        self.sensors = BoardSensors(model.sensors, opener) if model.sensors else None
        self.panel = FrontPanel(model.panel, opener, sleep) if model.panel else None

    def start(self) -> None:
        if self.software_spans:
            problem = self.load_software_spans()
            if problem:
                log.warning("hardware: no software spans", extra=kv(reason=problem))
        self.rescan()
        threading.Thread(target=self._watch, name="hardware-udev", daemon=True).start()
        threading.Thread(target=self._watch_alarms, name="hardware-alarms", daemon=True).start()
        if self.sensors is not None or self.panel is not None:
            threading.Thread(target=self._watch_board, name="hardware-board", daemon=True).start()

    def stop(self) -> None:
        self._stop.set()

    def _watch(self) -> None:
        try:
            udev.watch(self._changed, self._stop)
        except Exception as exc:  # noqa: BLE001 - no udev netlink (a container): no hot changes, the rest works
            log.info("hardware: not watching for hot changes", extra=kv(reason=str(exc)))

    def _watch_alarms(self, every: float = 0.25) -> None:
        """Each span's alarms as DAHDI reports them, published (topic span_alarms) when they change,
        so that the Hardware page and the dashboard show a red span within a second or two (DAHDI
        itself may take a second or more to call a line red: the look adds little to it)."""
        while not self._stop.wait(every):
            try:
                self.poll_alarms()
            except Exception:  # noqa: BLE001 - the next second tries again
                log.exception("hardware: cannot read span alarms")

    def _watch_board(self, every: float = 10.0) -> None:
        """The board's sensors every 10 s (a few bytes on the bus), the panel after each look."""
        while True:
            try:
                self.poll_board()
            except Exception:  # noqa: BLE001 - the next poll tries again
                log.exception("hardware: cannot poll the board")
            if self._stop.wait(every):
                return

    def poll_board(self) -> None:
        if self.sensors is not None and self.sensors.poll():
            self.box.events.publish("sensor_alarms", sensors=self.sensors.alarms())
        self.refresh_panel()

    def refresh_panel(self) -> None:
        """The panel's lines for the box as it is now; the panel writes only what changed."""
        if self.panel is None:
            return
        address = panel_text.web_address(self.box.runtime, lan_addresses())
        spec = self.panel.spec
        self.panel.show(panel_text.lines(address, self.alarms, self.sensors.alarms() if self.sensors else [],
                                         spec.columns, spec.rows))

    def board(self) -> dict:
        """The board's sensors and panel as the API shows them."""
        return board_doc(self.model, self.board_error, self.sensors, self.panel)

    def poll_alarms(self, root=None) -> dict[int, list[str]]:
        status = live.read(root) if root is not None else live.read()
        if not status.dahdi:
            return {}
        with self._lock:
            spans = [s for card in self.found["cards"] for s in card["spans"]]
        # A span the box found that DAHDI no longer has: its card was pulled (its driver unregistered
        # the spans, and chan_dahdi ended their calls) or its spans are not made yet. It carries no
        # call: an alarm of its own, so that its trunk is down and the pages say so.
        alarms = {s["span"]: status.spans.get(s["dahdi_span"], [live.MISSING]) for s in spans}
        if alarms != self.alarms:
            # Back: had, lost, and had again (spans not made yet when the box starts are not back).
            back = [n for n, a in alarms.items()
                    if a != [live.MISSING] and self.alarms.get(n) == [live.MISSING] and n in self._present]
            lost = span_calls.lost(self.alarms, alarms)
            self._present |= {n for n, a in alarms.items() if a != [live.MISSING]}
            self.alarms = alarms
            self.box.events.publish("span_alarms", spans=[{"span": n, "alarms": a} for n, a in sorted(alarms.items())])
            self.refresh_panel()
            if lost:
                # Here, in the thread that also sees them back: their calls are gone before that.
                self._end_calls(lost, span_calls.channels(spans, lost, detect.span_width))
            if back:
                log.info("hardware: spans back in DAHDI", extra=kv(spans=back))
                for hook in self.spans_returned:
                    hook()
        return alarms

    def _end_calls(self, spans: list[int], channels: set[int]) -> None:
        log.warning("hardware: spans lost", extra=kv(spans=spans))
        for hook in self.spans_lost:
            try:
                hook(channels)
            except Exception as exc:  # noqa: BLE001 - Asterisk away or slow: said, the watch goes on
                log.error("hardware: calls on lost spans not ended", extra=kv(spans=spans, reason=str(exc)))

    def _changed(self, action: str, dev) -> None:
        log.info("hardware: device changed", extra=kv(action=action, device=dev.path if dev else None))
        self.rescan()

    def load_software_spans(self) -> str | None:
        """Loads DAHDI's local dynamic span driver (and DAHDI with it) before the setting that needs it
        is stored, so that the next apply finds DAHDI; returns why not."""
        if module_loaded(detect.SOFTWARE_CARD["driver"]):
            return None
        return kmod.load(detect.SOFTWARE_CARD["driver"])

    def trunk_status(self, spans: list[int]) -> dict:
        """A DAHDI trunk's state from its spans' alarms (see trunk_state)."""
        return trunk_state.status(spans, self.alarms)

    def set_software_spans(self, on: bool) -> None:
        self.software_spans = on
        self.rescan()

    def rescan(self) -> dict:
        try:
            found = detect.scan(udev.devices(), self.cards, self.software_spans)
        except Exception as exc:  # noqa: BLE001 - no udev here: no cards, not a broken box
            log.info("hardware: no device scan", extra=kv(reason=str(exc)))
            found = {"cards": [], "unsupported": []}
        for card in found["cards"]:
            if card["driver_loaded"] is None:  # the software spans' driver: no device to bind
                card["driver_loaded"] = module_loaded(card["driver"])
            if not card["driver_loaded"] and card["driver"] not in self.driver_errors:
                problem = kmod.load(card["driver"])
                if problem:
                    self.driver_errors[card["driver"]] = problem
                    log.warning("hardware: driver not loaded", extra=kv(card=card["name"], reason=problem))
            card["driver_error"] = self.driver_errors.get(card["driver"])
        with self._lock:
            self.found = found
        return found

    def health(self) -> dict:
        doc = {"cards": len(self.found["cards"]), "dahdi": has_dahdi(),
               "span_alarms": {str(n): a for n, a in sorted(self.alarms.items()) if a}}
        if self.sensors is not None:  # only a box whose model declares sensors has them
            doc["sensor_alarms"] = self.sensors.alarms()
        if self.board_error:
            doc["board_error"] = self.board_error
        return {"hardware": doc}
