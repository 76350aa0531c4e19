"""Card and box-model profiles: the TOML files in hwprofiles/, checked and matched to devices.

A card profile names the PCI (or USB) ids a DAHDI driver claims, as listed in
that driver's device table in dahdi-linux, and what the card offers: digital
spans or analog ports, their kinds, and the hardware echo canceller. A box
model names the cards a box is built with.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from . import board

# Kernel modules dahdi-linux builds for cards (drivers/dahdi/Kbuild); a profile
# naming anything else could never be loaded.
DAHDI_DRIVERS = frozenset({
    "wct4xxp", "wcte12xp", "wcte13xp", "wcte43x", "wcte11xp", "wct1xxp", "wcb4xxp", "wcaxx",
    "wctdm24xxp", "wctdm", "wcfxo", "opvxa1200", "xpp_usb",
})
SPAN_KINDS = frozenset({"e1", "t1", "j1", "bri"})
PORT_KINDS = frozenset({"fxs", "fxo"})
ECHOCANS = frozenset({"", "vpm450m", "vpmoct032", "vpmadt032", "zarlink"})
MAX_SPANS = 8   # an octal card
MAX_PORTS = 32  # a fully populated Astribank

_ID = r"[0-9a-f]{4}"
PCI_RE = re.compile(rf"^({_ID}):({_ID})(?::({_ID}))?(?::({_ID}))?$")
USB_RE = re.compile(rf"^({_ID}):({_ID})$")
KEY_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
CARD_KEYS = {"name", "vendor", "pci", "usb", "driver", "spans", "span_kinds", "ports", "port_kinds",
             "hw_echocan", "hw_echocan_optional"}
BOX_KEYS = {"name", "kind", "cards", "spans", "ports", "sensors", "panel"}


class ProfileError(ValueError):
    def __init__(self, where: str, field: str, message: str):
        super().__init__(f"{where}: {field}: {message}")
        self.where = where
        self.field = field


@dataclass(frozen=True)
class DeviceId:
    """One row of a driver's device table; subsystem ids None mean any (PCI_ANY_ID)."""

    vendor: str
    device: str
    subvendor: str | None = None
    subdevice: str | None = None

    @classmethod
    def parse(cls, text: str) -> "DeviceId":
        m = PCI_RE.match(text)
        if not m:
            raise ValueError(text)
        return cls(*m.groups())

    @property
    def specificity(self) -> int:
        return (self.subvendor is not None) + (self.subdevice is not None)

    def matches(self, vendor: str, device: str, subvendor: str | None, subdevice: str | None) -> bool:
        return (self.vendor == vendor and self.device == device
                and self.subvendor in (None, subvendor) and self.subdevice in (None, subdevice))


@dataclass(frozen=True)
class Profile:
    key: str
    name: str
    vendor: str
    pci: tuple[DeviceId, ...]
    usb: tuple[DeviceId, ...]
    driver: str
    spans: int
    span_kinds: tuple[str, ...]
    ports: int
    port_kinds: tuple[str, ...]
    hw_echocan: str
    hw_echocan_optional: bool

    def summary(self) -> dict:
        return {"profile": self.key, "name": self.name, "vendor": self.vendor, "driver": self.driver,
                "spans": self.spans, "span_kinds": list(self.span_kinds), "ports": self.ports,
                "port_kinds": list(self.port_kinds), "hw_echocan": self.hw_echocan or None,
                "hw_echocan_optional": self.hw_echocan_optional}


@dataclass(frozen=True)
class BoxModel:
    key: str
    name: str
    cards: tuple[tuple[Profile, int], ...]
    spans: int
    ports: int
    sensors: board.Sensors | None = None   # the board's I2C sensors (board.py), where it has some
    panel: board.Panel | None = None       # its front-panel display, where it has one


def default_dir() -> Path:
    """The installed profiles on a box, else the source tree's (tests, `make run`)."""
    if os.environ.get("CALLBOX_HWPROFILES"):
        return Path(os.environ["CALLBOX_HWPROFILES"])
    installed = Path("/usr/share/callbox/hwprofiles")
    if installed.is_dir():
        return installed
    return Path(__file__).resolve().parents[2] / "hwprofiles"


def _read(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ProfileError(path.name, "file", f"not valid TOML: {exc}") from None


def _text(where: str, doc: dict, field: str, required: bool = True) -> str:
    value = doc.get(field, None if required else "")
    if not isinstance(value, str) or (required and not value.strip()) or any(c in value for c in "\r\n;[]"):
        raise ProfileError(where, field, "must be a non-empty line of text" if required else "must be text")
    return value


def _count(where: str, doc: dict, field: str, limit: int) -> int:
    value = doc.get(field, 0)
    if type(value) is not int or not 0 <= value <= limit:
        raise ProfileError(where, field, f"must be a whole number from 0 to {limit}")
    return value


def _kinds(where: str, doc: dict, field: str, allowed: frozenset, needed: bool) -> tuple[str, ...]:
    value = doc.get(field, [])
    if not isinstance(value, list) or any(k not in allowed for k in value) or len(set(value)) != len(value):
        raise ProfileError(where, field, f"must list some of {sorted(allowed)}")
    if needed and not value:
        raise ProfileError(where, field, "is required with a non-zero count")
    if not needed and value:
        raise ProfileError(where, field, "needs a non-zero count")
    return tuple(value)


def _ids(where: str, doc: dict, field: str, pattern: re.Pattern) -> tuple[DeviceId, ...]:
    value = doc.get(field, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and pattern.match(v) for v in value):
        raise ProfileError(where, field, 'must be a list of lower-case "vvvv:dddd" ids'
                           + (' with optional ":ssvv:ssdd" subsystem ids' if pattern is PCI_RE else ""))
    return tuple(DeviceId.parse(v) for v in value)


def parse_card(key: str, doc: dict) -> Profile:
    where = f"{key}.toml"
    unknown = set(doc) - CARD_KEYS
    if unknown:
        raise ProfileError(where, sorted(unknown)[0], "is not a card profile field")
    if "pci" not in doc:
        raise ProfileError(where, "pci", "is required")
    pci = _ids(where, doc, "pci", PCI_RE)
    usb = _ids(where, doc, "usb", USB_RE)
    if not pci and not usb:
        raise ProfileError(where, "pci", "names no device id")
    driver = _text(where, doc, "driver")
    if driver not in DAHDI_DRIVERS:
        raise ProfileError(where, "driver", f"{driver!r} is not a DAHDI card driver")
    spans = _count(where, doc, "spans", MAX_SPANS)
    ports = _count(where, doc, "ports", MAX_PORTS)
    if not spans and not ports:
        raise ProfileError(where, "spans", "a card has spans or ports")
    echocan = _text(where, doc, "hw_echocan", required=False)
    if echocan not in ECHOCANS:
        raise ProfileError(where, "hw_echocan", f"must be one of {sorted(ECHOCANS)}")
    optional = doc.get("hw_echocan_optional", False)
    if not isinstance(optional, bool) or (optional and not echocan):
        raise ProfileError(where, "hw_echocan_optional", "must be true or false, and only with hw_echocan")
    return Profile(key=key, name=_text(where, doc, "name"), vendor=_text(where, doc, "vendor"), pci=pci, usb=usb,
                   driver=driver, spans=spans, span_kinds=_kinds(where, doc, "span_kinds", SPAN_KINDS, bool(spans)),
                   ports=ports, port_kinds=_kinds(where, doc, "port_kinds", PORT_KINDS, bool(ports)),
                   hw_echocan=echocan, hw_echocan_optional=optional)


def parse_box(key: str, doc: dict, cards: dict[str, Profile]) -> BoxModel:
    where = f"boxes/{key}.toml"
    unknown = set(doc) - BOX_KEYS
    if unknown:
        raise ProfileError(where, sorted(unknown)[0], "is not a box model field")
    if doc.get("kind") != "box":
        raise ProfileError(where, "kind", 'must be "box"')
    entries = doc.get("cards")
    # An empty list is a box built without cards (a virtual machine, a plain PC): cards fitted
    # later are still detected and used; the model only has none to promise.
    if not isinstance(entries, list):
        raise ProfileError(where, "cards", "must list the cards the box is built with ([] for none)")
    fitted = []
    for entry in entries:
        if not isinstance(entry, dict) or entry.get("profile") not in cards:
            raise ProfileError(where, "cards", f"names no known card profile: {entry!r}")
        count = entry.get("count", 1)
        if type(count) is not int or not 1 <= count <= 8:
            raise ProfileError(where, "cards", "count must be 1 to 8")
        fitted.append((cards[entry["profile"]], count))
    spans = sum(p.spans * n for p, n in fitted)
    ports = sum(p.ports * n for p, n in fitted)
    for field, total in (("spans", spans), ("ports", ports)):
        if doc.get(field, 0) != total:
            raise ProfileError(where, field, f"says {doc.get(field, 0)} but its cards have {total}")
    from . import board  # board.py raises this module's ProfileError

    sensors = board.parse_sensors(where, doc)
    return BoxModel(key=key, name=_text(where, doc, "name"), cards=tuple(fitted), spans=spans, ports=ports,
                    sensors=sensors, panel=board.parse_panel(where, doc))


def _key(path: Path) -> str:
    if not KEY_RE.match(path.stem):
        raise ProfileError(path.name, "file", "name must be lower-case letters, digits and '-'")
    return path.stem


def load_cards(directory: Path | None = None) -> dict[str, Profile]:
    directory = directory or default_dir()
    cards = {}
    for path in sorted(directory.glob("*.toml")):
        key = _key(path)
        cards[key] = parse_card(key, _read(path))
    seen: dict[DeviceId, str] = {}
    for profile in cards.values():
        for ident in profile.pci + profile.usb:
            if ident in seen:
                raise ProfileError(f"{profile.key}.toml", "pci", f"{ident} is also in {seen[ident]}.toml")
            seen[ident] = profile.key
    return cards


def load_boxes(cards: dict[str, Profile], directory: Path | None = None) -> dict[str, BoxModel]:
    directory = (directory or default_dir()) / "boxes"
    return {_key(p): parse_box(p.stem, _read(p), cards) for p in sorted(directory.glob("*.toml"))}


def match(cards: dict[str, Profile], bus: str, vendor: str, device: str,
          subvendor: str | None = None, subdevice: str | None = None) -> Profile | None:
    """The profile whose most specific id row fits, as the kernel picks a driver's table row."""
    best, best_rank = None, -1
    for profile in cards.values():
        for ident in (profile.pci if bus == "pci" else profile.usb):
            if ident.matches(vendor, device, subvendor, subdevice) and ident.specificity > best_rank:
                best, best_rank = profile, ident.specificity
    return best
