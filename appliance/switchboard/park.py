"""Call park as Asterisk holds it (res_parking, lot 70): the slots and who waits in each.

Asterisk is the truth for parked calls (they live only as long as the call); the box asks it
each time and tells pages when something changed.
"""

from __future__ import annotations

from .. import box_settings
from ..ami import AMIError
from ..errors import Unavailable

#: AMI events after which the slots have changed.
EVENTS = {"ParkedCall", "UnParkedCall", "ParkedCallTimeOut", "ParkedCallGiveUp", "ParkedCallSwap"}


def _extension_of(dial_string: str) -> str | None:
    """PJSIP/8002 -> 8002 (the parker, rung back after the timeout)."""
    tech, _, rest = dial_string.partition("/")
    return rest if tech == "PJSIP" and rest.isdigit() else None


def _call(ev) -> dict:
    return {
        "caller": ev.get("ParkeeCallerIDNum") or None,
        "caller_name": ev.get("ParkeeCallerIDName") or None,
        "parked_by": _extension_of(ev.get("ParkerDialString", "")),
        "seconds": int(ev.get("ParkingDuration") or 0),
        "rings_back_in": int(ev.get("ParkingTimeout") or 0),
    }


def slots(ami) -> dict:
    numbers = box_settings.park_numbers(box_settings.load().park_slots)
    if not ami.connected:
        raise Unavailable("telephony is restarting; try again in a moment")
    try:
        _, events = ami.action_list("ParkedCalls", ParkingLot="default", timeout=5)
    except AMIError as exc:
        if "no parked calls" not in exc.message.lower():
            raise Unavailable(f"Asterisk did not list the parked calls: {exc.message}") from None
        events = []
    taken = {ev.get("ParkingSpace"): _call(ev) for ev in events if ev.name == "ParkedCall"}
    return {"lot": numbers[0], "items": [{"slot": n, "call": taken.get(n)} for n in numbers[1:]]}
