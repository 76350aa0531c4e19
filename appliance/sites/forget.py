"""A revoked branch's busy lamps, out of headquarters' Asterisk.

A branch publishes its phones' device states to headquarters (render/sites.py), and headquarters'
Asterisk keeps each one under the branch's entity id, beside any other box's, for as long as it
runs: a hint shows the busiest of them. Revoking the branch removes its trunk but not those
states, so a phone that was busy there would keep a lamp busy here for good: for a new branch
given the same range, or for an extension of that number made here later. Asterisk has no action
that drops another box's state, but it takes a state from a PUBLISH for the eid the body names.
So just before the trunk goes, headquarters' supervisor PUBLISHes to its own Asterisk, as the
branch (the trunk's endpoint name and secret), UNKNOWN for each of the branch's devices that has
a state there: after INVALID the lowest a device can have, which any state this box or another
gives it outweighs.

The branch's eid comes with its reports (service.report). A branch that never reported one, or
a state it publishes in the moment between this and its trunk's removal, stays until Asterisk
next starts, as before.

`published` decides (pure); `forget` asks Asterisk and sends.
"""

from __future__ import annotations

from ..pbx.render.sites import endpoint
from .publish import DEVICE_EVENT, device_body, publish

UNKNOWN = "UNKNOWN"
_NO_STATE = (UNKNOWN, "INVALID")


def published(events, first: str, last: str) -> list[str]:
    """DeviceStateChange events of a DeviceStateList: the PJSIP devices of the range `first`-`last`
    (numbers of the same length) that have a state, in Asterisk's order."""
    out = []
    for ev in events:
        tech, _, number = (ev.get("Device") or "").partition("/")
        if ev.name == "DeviceStateChange" and tech == "PJSIP" and number.isdigit() \
                and len(number) == len(first) and first <= number <= last and ev.get("State") not in _NO_STATE:
            out.append(f"PJSIP/{number}")
    return out


def local_address(host: str) -> str:
    """Where this box's own Asterisk takes SIP from its supervisor: the (IPv4) address it is bound
    to, or loopback when it listens on every address."""
    return "127.0.0.1" if host in ("0.0.0.0", "") else host


def forget(ami, system, site) -> int:
    """UNKNOWN, as `site`, for each of its devices with a state in this box's Asterisk; how many.
    AMIError, OSError or PublishFailed when Asterisk is away or refuses."""
    _, events = ami.action_list("DeviceStateList", timeout=30)
    devices = published(events, site.extensions_from, site.extensions_to)
    name = endpoint(site.number)
    for device in devices:
        publish(local_address(system.sip_host), system.sip_port, name, name, site.trunk_secret,
                device_body(device, UNKNOWN, site.eid), DEVICE_EVENT)
    return len(devices)
