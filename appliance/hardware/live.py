"""Span alarms and channel states as DAHDI reports them in /proc/dahdi (thin adapter).

On a box without DAHDI there is no /proc/dahdi: alarms and states are then None.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

PROC = Path("/proc/dahdi")
ALARMS = ("RED", "YELLOW", "BLUE", "RECOVERING", "LOOPBACK", "NOTOPEN")
# Not DAHDI's: the box's word for a span it expects that DAHDI does not have (a card pulled).
MISSING = "MISSING"
_CHANNEL = re.compile(r"^\s*(\d+)\s+(\S+)(.*)$")


@dataclass
class Status:
    dahdi: bool
    spans: dict[int, list[str]] = field(default_factory=dict)
    channels: dict[int, str] = field(default_factory=dict)

    def span_alarms(self, span: int) -> list[str] | None:
        return self.spans.get(span) if self.dahdi else None

    def channel_state(self, channel: int) -> str | None:
        return self.channels.get(channel) if self.dahdi else None


def parse_span(text: str) -> tuple[list[str], dict[int, str]]:
    """One /proc/dahdi/<span> file: the span's alarms (from its title line) and each channel's state."""
    lines = text.splitlines()
    title = lines[0] if lines else ""
    tail = title.rsplit('"', 1)[-1].split()
    alarms = [word for word in tail if word in ALARMS]
    channels = {}
    for line in lines[1:]:
        m = _CHANNEL.match(line)
        if m:
            rest = m.group(3)
            channels[int(m.group(1))] = ("in use" if "(In use)" in rest
                                         else next((a.lower() for a in ALARMS if a in rest.split()), "idle"))
    return alarms, channels


def read(root: Path = PROC, calls: dict[int, bool] | None = None) -> Status:
    """`calls`: chan_dahdi's channels and whether a call is on each (AMI DAHDIShowChannels). DAHDI
    itself says "In use" of every channel a program holds open, and chan_dahdi holds all of its
    channels open: with `calls`, such a channel is "in use" only while a call is on it."""
    if not root.is_dir():
        return Status(dahdi=False)
    status = Status(dahdi=True)
    for path in root.iterdir():
        if path.name.isdigit():
            try:
                alarms, channels = parse_span(path.read_text(errors="replace"))
            except OSError:
                continue
            status.spans[int(path.name)] = alarms
            status.channels.update(channels)
    if calls is not None:
        for channel, state in status.channels.items():
            if state == "in use" and not calls.get(channel):
                status.channels[channel] = "idle"
    return status
