"""Whether a DAHDI trunk is up, from its spans' alarms: the trunk list's "reachable" of a SIP
trunk, for E1 lines. A span in any alarm (red, yellow, blue, loss of signal, or missing: its card
pulled) carries no call; the trunk is down when every span of it the box knows is in alarm, up
while one is clear, and unknown when the box knows none of them (no DAHDI, no such span, or FXO
ports only: an analog line has no alarms to go by)."""

from __future__ import annotations


def status(spans: list[int], alarms: dict[int, list[str]]) -> dict:
    known = [n for n in spans if n in alarms]
    down = [n for n in known if alarms[n]]
    return {"registration": None, "reachable": (len(down) < len(known)) if known else None,
            "spans_in_alarm": down}
