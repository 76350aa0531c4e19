"""Which telephony cards a box has: udev's devices matched to the card profiles.

Spans and ports are numbered across cards in bus order, which is the order
DAHDI registers them; those numbers name them in the API and the config.
"""

from __future__ import annotations

from .profiles import Profile, match
from .udev import Device

# Devices worth reporting when no profile fits: from a telephony card maker,
# or of the PCI class ISDN controller. Anything else (network, storage, the
# host bridge) is not a card the user would expect on the Hardware page.
TELEPHONY_VENDORS = {"d161": "Digium", "e159": "Tiger Jet", "e4e4": "Xorcom"}
ISDN_CLASS = "0204"
# Channels a span takes in DAHDI's numbering. Spans that can be E1 or T1 are counted as E1
# (the box's market); a T1 span would take 24.
SLOTS = {"e1": 31, "bri": 3}


def span_width(kinds) -> int:
    """The channels a span of these kinds takes in DAHDI's numbering."""
    return SLOTS["bri"] if tuple(kinds) == ("bri",) else SLOTS["e1"]


def _id(dev: Device) -> str:
    return f"{dev.vendor}:{dev.device}"


def _unsupported(dev: Device) -> dict | None:
    telephony = dev.vendor in TELEPHONY_VENDORS or (dev.pci_class or "").startswith(ISDN_CLASS)
    if dev.bus == "usb" and dev.vendor != "e4e4":
        telephony = False
    if not telephony:
        return None
    doc = {"bus": dev.bus, dev.bus: _id(dev), "slot": dev.slot, "vendor": TELEPHONY_VENDORS.get(dev.vendor),
           "reason": "no profile matches this card"}
    if dev.subvendor:
        doc["subsystem"] = f"{dev.subvendor}:{dev.subdevice}"
    return doc


# The box's looped software spans (box setting software_spans) as the Hardware page shows them:
# a card without a slot, whose two E1 spans DAHDI registers after every real card's, then its
# analog ports: a second looped pair of DAHDI spans of SOFTWARE_PORTS channels each, wired as a
# channel bank's FXS ports to another's FXO ports (robbed-bit signalling crosses the loop): port k
# is an FXS port whose line is FXO port SOFTWARE_PORTS + k.
SOFTWARE_CARD = {"profile": "software-loop", "name": "DAHDI software spans (looped)", "vendor": "DAHDI",
                 "pci": None, "usb": None, "slot": None, "driver": "dahdi_dynamic_loc", "hw_echocan": None}
SOFTWARE_SPANS = 2
SOFTWARE_PORTS = 4


def scan(devices: list[Device], cards: dict[str, Profile], software_spans: bool = False) -> dict:
    found, unsupported = [], []
    span = port = channel = dahdi_span = 0
    for dev in devices:
        profile = match(cards, dev.bus, dev.vendor, dev.device, dev.subvendor, dev.subdevice)
        if profile is None:
            doc = _unsupported(dev)
            if doc:
                unsupported.append(doc)
            continue
        # DAHDI numbers spans and channels in the order cards register; an analog card is one span.
        width = span_width(profile.span_kinds)
        spans = [{"span": span + i + 1, "dahdi_span": dahdi_span + i + 1, "first_channel": channel + i * width + 1,
                  "kinds": list(profile.span_kinds)} for i in range(profile.spans)]
        channel += width * profile.spans
        dahdi_span += profile.spans + (1 if profile.ports else 0)
        ports = [{"port": port + i + 1, "channel": channel + i + 1, "kinds": list(profile.port_kinds)}
                 for i in range(profile.ports)]
        channel += profile.ports
        span += profile.spans
        port += profile.ports
        found.append({
            "profile": profile.key, "name": profile.name, "vendor": profile.vendor,
            "pci": _id(dev) if dev.bus == "pci" else None, "usb": _id(dev) if dev.bus == "usb" else None,
            "slot": dev.slot, "driver": profile.driver, "driver_loaded": dev.driver == profile.driver,
            "hw_echocan": profile.hw_echocan or None, "spans": spans, "ports": ports,
        })
    if software_spans:
        spans = [{"span": span + i + 1, "dahdi_span": dahdi_span + i + 1,
                  "first_channel": channel + i * SLOTS["e1"] + 1, "kinds": ["e1"], "software": True}
                 for i in range(SOFTWARE_SPANS)]
        found.append({**SOFTWARE_CARD, "driver_loaded": None, "spans": spans,
                      "ports": _software_ports(port, channel + SOFTWARE_SPANS * SLOTS["e1"])})
    return {"cards": found, "unsupported": unsupported}


def _software_ports(port: int, channel: int) -> list[dict]:
    """The looped analog ports after `port`, their channels after `channel`: the FXS side's, then
    the FXO side's (DAHDI makes the two spans in that order), each naming the port it is wired to."""
    ports = []
    for side, kind in enumerate(("fxs", "fxo")):
        for i in range(SOFTWARE_PORTS):
            k = side * SOFTWARE_PORTS + i
            other = (1 - side) * SOFTWARE_PORTS + i
            ports.append({"port": port + k + 1, "channel": channel + k + 1, "kinds": [kind], "software": True,
                          "looped_to": port + other + 1})
    return ports
