"""The board's sensors as the box sees them: readings, and the alarms they raise and clear.

The hardware manager polls (every 10 s); each poll opens the bus, reads every declared chip,
and decides each chip's level (sensors_levels). A chip that does not answer is an alarm of its
own: a temperature nobody can read is no reason to think the box is cool.
The CPU's own temperature, where the kernel has a driver for it (coretemp, k10temp, an ARM
SoC's thermal zone, through psutil), is shown beside them; the kernel throttles the CPU itself,
so it raises no alarm here.
"""

from __future__ import annotations

import logging
import threading

from ..log import kv
from . import sensors_chips, sensors_levels
from .board import Chip, Sensors
from .i2c import Opener

log = logging.getLogger(__name__)

UNITS = {"temperature": "°C", "fan": "rpm"}
CPU_DRIVERS = ("coretemp", "k10temp", "zenpower", "cpu_thermal", "soc_thermal")


def cpu_temperature() -> float | None:
    """The hottest CPU sensor the kernel reports (a package sensor where there is one), or None."""
    try:
        import psutil

        found = psutil.sensors_temperatures()
    except (AttributeError, OSError, ImportError):  # no hwmon on this platform or in this container
        return None
    for driver in CPU_DRIVERS:
        readings = [s for s in found.get(driver, []) if s.current is not None]
        package = [s for s in readings if s.label.lower().startswith(("package", "tctl", "tdie"))]
        if package or readings:
            return round(max(s.current for s in (package or readings)), 1)
    return None


class BoardSensors:
    def __init__(self, spec: Sensors, opener: Opener):
        self.spec = spec
        self.opener = opener
        self._lock = threading.Lock()
        self.values: dict[str, float | int | None] = {c.name: None for c in spec.chips}
        self.levels: dict[str, str] = {c.name: sensors_levels.OK for c in spec.chips}
        self._prepared: set[str] = set()
        self.polled = False

    def _read(self, bus, chip: Chip) -> float | int | None:
        try:
            if chip.name not in self._prepared:
                sensors_chips.prepare(bus, chip)
                self._prepared.add(chip.name)
            return sensors_chips.read(bus, chip)
        except OSError as exc:
            self._prepared.discard(chip.name)
            if self.levels[chip.name] != sensors_levels.NO_ANSWER:
                log.error("sensor chip does not answer",
                          extra=kv(chip=chip.name, bus=self.spec.bus, address=f"0x{chip.address:02x}", error=str(exc)))
            return None

    def poll(self) -> bool:
        """Reads every chip once; True when an alarm rose, changed level or cleared (a value moving
        within its level is no news: the readings and health carry it)."""
        with self._lock:
            before = dict(self.levels)
            try:
                bus = self.opener(self.spec.bus)
            except OSError as exc:
                if any(level != sensors_levels.NO_ANSWER for level in self.levels.values()) or not self.polled:
                    log.error("I2C bus cannot be opened", extra=kv(bus=self.spec.bus, error=str(exc)))
                bus = None
            try:
                for chip in self.spec.chips:
                    value = self._read(bus, chip) if bus is not None else None
                    self.values[chip.name] = value
                    was = self.levels[chip.name]
                    now = sensors_levels.NO_ANSWER if value is None else sensors_levels.level(value, chip, was)
                    self.levels[chip.name] = now
                    if now != was and value is not None:  # not answering is logged where the read fails
                        (log.warning if now != sensors_levels.OK else log.info)(
                            "sensor alarm" if now != sensors_levels.OK else "sensor back to normal",
                            extra=kv(chip=chip.name, level=now, value=value))
            finally:
                if bus is not None:
                    bus.close()
            self.polled = True
            return self.levels != before

    def readings(self) -> list[dict]:
        return [{"name": c.name, "chip": c.kind, "bus": self.spec.bus, "address": f"0x{c.address:02x}",
                 "measures": c.measures, "value": self.values[c.name], "unit": UNITS[c.measures],
                 "level": self.levels[c.name] if self.polled else None,
                 **({"high": c.high, "critical": c.critical} if c.measures == "temperature" else {"min_rpm": c.min_rpm})}
                for c in self.spec.chips]

    def alarms(self) -> list[dict]:
        return [{"name": c.name, "measures": c.measures, "level": self.levels[c.name], "value": self.values[c.name],
                 "unit": UNITS[c.measures]}
                for c in self.spec.chips if self.levels[c.name] != sensors_levels.OK]
