"""What a box model declares of its board: I2C sensors (`[sensors]`) and a front panel (`[panel]`).

The chips are common, cheap ones whose register maps are public:
- LM75-compatible temperature sensors (TI/NXP LM75, LM75A/B and their clones), at 0x48 to 0x4f:
  `lm75` is the original 9-bit part (0.5 °C steps), `lm75b` the 11-bit one (0.125 °C);
- the Microchip (SMSC) EMC2101 fan controller, at 0x4c, whose tachometer input reads the fan.
The panel is an HD44780 character LCD behind a PCF8574 I2C backpack (0x20 to 0x27, or the
PCF8574A's 0x38 to 0x3f), 16 or 20 columns by 2 or 4 rows: the commonest front-panel display.

A box model without these sections has neither: nothing is polled and nothing shows.
"""

from __future__ import annotations

from dataclasses import dataclass

from .profiles import ProfileError


@dataclass(frozen=True)
class ChipKind:
    measures: str                  # "temperature" (°C) or "fan" (rpm)
    addresses: tuple[int, ...]     # where the chip can answer (its address pins)
    label: str


CHIPS = {
    "lm75": ChipKind("temperature", tuple(range(0x48, 0x50)), "LM75"),
    "lm75b": ChipKind("temperature", tuple(range(0x48, 0x50)), "LM75B"),
    "emc2101": ChipKind("fan", (0x4C,), "EMC2101"),
}
PANEL_DRIVERS = {"hd44780-pcf8574": tuple(range(0x20, 0x28)) + tuple(range(0x38, 0x40))}
PANEL_COLUMNS = (16, 20)
PANEL_ROWS = (2, 4)
MAX_BUS = 31                        # /dev/i2c-0 to /dev/i2c-31
MAX_CHIPS = 8
# Addresses below 0x08 and above 0x77 are reserved by the I2C specification.
FIRST_ADDRESS, LAST_ADDRESS = 0x08, 0x77
# Defaults for a board temperature: well above a warm equipment room, below what cards tolerate.
HIGH_C, CRITICAL_C = 70, 85
MIN_RPM = 500

CHIP_KEYS = {"kind", "address", "name", "high", "critical", "min_rpm"}
SENSORS_KEYS = {"bus", "chips"}
PANEL_KEYS = {"driver", "bus", "address", "columns", "rows"}


@dataclass(frozen=True)
class Chip:
    kind: str
    address: int
    name: str
    high: int | None = None       # temperature chips: °C at which the alarm rises
    critical: int | None = None
    min_rpm: int | None = None    # fan chips: below this the fan counts as stopped

    @property
    def measures(self) -> str:
        return CHIPS[self.kind].measures


@dataclass(frozen=True)
class Sensors:
    bus: int
    chips: tuple[Chip, ...]


@dataclass(frozen=True)
class Panel:
    driver: str
    bus: int
    address: int
    columns: int
    rows: int


def _int(where: str, doc: dict, section: str, field: str, low: int, high: int, default: int | None = None) -> int:
    value = doc.get(field, default)
    if type(value) is not int or not low <= value <= high:
        raise ProfileError(where, f"{section}.{field}", f"must be a whole number from {low} to {high}")
    return value


def _address(where: str, field: str, value, allowed: tuple[int, ...], what: str) -> int:
    if type(value) is not int or not FIRST_ADDRESS <= value <= LAST_ADDRESS:
        raise ProfileError(where, field, f"{value!r} is not a 7-bit I2C address (0x08 to 0x77)")
    if value not in allowed:
        raise ProfileError(where, field, f"{what} answers at 0x{allowed[0]:02x} to 0x{allowed[-1]:02x}, "
                                         f"not 0x{value:02x}" if len(allowed) > 1
                           else f"{what} answers at 0x{allowed[0]:02x} only, not 0x{value:02x}")
    return value


def _table(where: str, doc: dict, section: str, keys: set) -> dict | None:
    value = doc.get(section)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ProfileError(where, section, "must be a table")
    unknown = set(value) - keys
    if unknown:
        raise ProfileError(where, f"{section}.{sorted(unknown)[0]}", f"is not a [{section}] field")
    return value


def _chip(where: str, entry) -> Chip:
    if not isinstance(entry, dict):
        raise ProfileError(where, "sensors.chips", "each chip is a table: kind, address, name")
    unknown = set(entry) - CHIP_KEYS
    if unknown:
        raise ProfileError(where, f"sensors.chips.{sorted(unknown)[0]}", "is not a chip field")
    kind = entry.get("kind")
    if kind not in CHIPS:
        raise ProfileError(where, "sensors.chips.kind", f"{kind!r} is not a known chip: {', '.join(sorted(CHIPS))}")
    spec = CHIPS[kind]
    address = _address(where, "sensors.chips.address", entry.get("address"), spec.addresses, f"an {spec.label}")
    name = entry.get("name")
    # The name is also what the front panel shows: a character LCD has ASCII, and a short line.
    if (not isinstance(name, str) or not name.strip() or len(name) > 12 or not name.isascii()
            or not name.isprintable() or any(c in name for c in ";[]")):
        raise ProfileError(where, "sensors.chips.name", "must be 1 to 12 printable ASCII characters")
    if spec.measures == "temperature":
        if "min_rpm" in entry:
            raise ProfileError(where, "sensors.chips.min_rpm", f"a {spec.label} has no fan")
        high = _int(where, entry, "sensors.chips", "high", 20, 125, HIGH_C)
        critical = _int(where, entry, "sensors.chips", "critical", 20, 125, CRITICAL_C)
        if critical <= high:
            raise ProfileError(where, "sensors.chips.critical", "must be above high")
        return Chip(kind, address, name, high=high, critical=critical)
    for field in ("high", "critical"):
        if field in entry:
            raise ProfileError(where, f"sensors.chips.{field}", f"the {spec.label} is read for its fan only")
    return Chip(kind, address, name, min_rpm=_int(where, entry, "sensors.chips", "min_rpm", 100, 20000, MIN_RPM))


def parse_sensors(where: str, doc: dict) -> Sensors | None:
    table = _table(where, doc, "sensors", SENSORS_KEYS)
    if table is None:
        return None
    bus = _int(where, table, "sensors", "bus", 0, MAX_BUS)
    entries = table.get("chips")
    if not isinstance(entries, list) or not 1 <= len(entries) <= MAX_CHIPS:
        raise ProfileError(where, "sensors.chips", f"must list 1 to {MAX_CHIPS} chips")
    chips = tuple(_chip(where, entry) for entry in entries)
    seen: set[int] = set()
    for chip in chips:
        if chip.address in seen:
            raise ProfileError(where, "sensors.chips.address", f"two chips at 0x{chip.address:02x} on bus {bus}")
        seen.add(chip.address)
    if len({chip.name for chip in chips}) != len(chips):
        raise ProfileError(where, "sensors.chips.name", "two chips have the same name")
    return Sensors(bus, chips)


def parse_panel(where: str, doc: dict) -> Panel | None:
    # The backpack's addresses and the sensor chips' never overlap: no clash to check.
    table = _table(where, doc, "panel", PANEL_KEYS)
    if table is None:
        return None
    driver = table.get("driver")
    if driver not in PANEL_DRIVERS:
        raise ProfileError(where, "panel.driver", f"{driver!r} is not a known panel driver: "
                                                  f"{', '.join(sorted(PANEL_DRIVERS))}")
    bus = _int(where, table, "panel", "bus", 0, MAX_BUS)
    address = _address(where, "panel.address", table.get("address"), PANEL_DRIVERS[driver], "a PCF8574 backpack")
    columns, rows = table.get("columns"), table.get("rows")
    if columns not in PANEL_COLUMNS or type(columns) is not int:
        raise ProfileError(where, "panel.columns", f"must be one of {', '.join(map(str, PANEL_COLUMNS))}")
    if rows not in PANEL_ROWS or type(rows) is not int:
        raise ProfileError(where, "panel.rows", f"must be one of {', '.join(map(str, PANEL_ROWS))}")
    return Panel(driver, bus, address, columns, rows)
