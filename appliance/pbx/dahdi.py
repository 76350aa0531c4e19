"""What a change of the DAHDI files asks of DAHDI and chan_dahdi, and how the result is checked.

DAHDI's system.conf is dahdi_cfg's (the kernel's spans and channels), chan_dahdi.conf is
chan_dahdi's. A span change applies without restarting Asterisk:
  1. dahdi_cfg reads the new system.conf, restricted to the channels either file names (-C):
     a full run destroys and makes again the dynamic (software) spans, which fails while
     chan_dahdi holds their channels open;
  2. chan_dahdi closes and opens all its channels with the new chan_dahdi.conf (AMI
     DAHDIRestart: Asterisk 22's `dahdi restart`). `module reload chan_dahdi.so` is not enough:
     it keeps each open channel's signalling, PRI side and switch type;
  3. chan_dahdi is asked what it runs: its channels (DAHDIShowChannels), its PRI spans
     (PRIShowSpans, `pri show spans`) and DAHDI's spans (DAHDIShowStatus, `dahdi show status`).
A change that only touches options chan_dahdi takes on reload (the callers' language) reloads it
instead, so that calls on the spans go on. A change of analog ports alone (an extension or a line
given to a port, or taken off it) touches only their channels: the calls on them are ended,
chan_dahdi lets go of them (`dahdi destroy channels`), dahdi_cfg configures them and chan_dahdi
opens them again with their new options (`dahdi create channels`), so calls on the E1 spans and
the other ports go on (and chan_dahdi's MFC/R2 links, which its restart was seen to abort or hang
Asterisk with under emulation, are not touched). Only a change of the dynamic spans themselves (the
software spans setting) needs Asterisk restarted: dahdi_cfg then runs in full before it starts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

from .render.dahdi import ranges, runs

SYSTEM_CONF = "dahdi-system.conf"
CHAN_CONF = "chan_dahdi.conf"
# system.conf keys whose value starts with a channel list.
CHANNEL_KEYS = ("bchan", "dchan", "cas", "fxoks", "fxsks", "fxols", "fxsls", "clear", "alaw")
ANALOG_KEYS = ("fxoks", "fxsks", "fxols", "fxsls")  # an analog port's signalling (FXS or FXO)
# chan_dahdi.conf options a reload applies to the channels chan_dahdi has open.
RELOADABLE = {"language"}


class DahdiError(Exception):
    """chan_dahdi does not run what was rendered."""


class DahdiControl(Protocol):
    def dahdi_restart(self) -> None: ...
    def dahdi_destroy(self, first: int, last: int) -> None: ...
    def dahdi_create(self, first: int, last: int) -> None: ...
    def dahdi_channels(self) -> set[int]: ...
    def pri_spans(self) -> set[int]: ...
    def dahdi_spans(self) -> set[int]: ...


@dataclass(frozen=True)
class DahdiPlan:
    configure: bool = False        # dahdi_cfg with the new system.conf
    channels: str | None = None    # ... restricted to these channels ("1-15,17-31")
    restart: bool = False          # chan_dahdi closes and opens its channels (DAHDIRestart)
    reload: bool = False           # chan_dahdi re-reads its file (calls go on)
    asterisk_restart: bool = False  # the dynamic spans change: restart, dahdi_cfg in full before it
    recreate: frozenset[int] = frozenset()  # analog ports alone change: chan_dahdi lets go of these
                                            # channels, dahdi_cfg configures them, chan_dahdi opens them again

    @property
    def empty(self) -> bool:
        return not (self.configure or self.restart or self.reload or self.asterisk_restart or self.recreate)


def parse_ranges(text: str) -> set[int]:
    """'1-15,17,20-21' -> {1, ..., 15, 17, 20, 21}."""
    out: set[int] = set()
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        low, _, high = part.partition("-")
        out.update(range(int(low), int(high or low) + 1))
    return out


def _flat(text: str) -> list[tuple[str, str]]:
    pairs = []
    for line in (text or "").splitlines():
        line = line.split("#", 1)[0].strip()
        if "=" in line:
            key, _, value = line.partition("=")
            pairs.append((key.strip(), value.strip()))
    return pairs


def system_channels(text: str) -> set[int]:
    """The channels a system.conf gives a signalling to."""
    out: set[int] = set()
    for key, value in _flat(text):
        if key in CHANNEL_KEYS:
            out |= parse_ranges(value.split(":", 1)[0])
    return out


def dynamic_spans(text: str) -> list[str]:
    return [value for key, value in _flat(text) if key == "dynamic"]


def chan_dahdi_blocks(text: str) -> dict[int, tuple[tuple[str, str], ...]]:
    """Each channel chan_dahdi.conf opens, with the options it takes: all those set above its
    `channel =>` line (chan_dahdi carries each option on to the channels after it)."""
    out: dict[int, tuple[tuple[str, str], ...]] = {}
    options: dict[str, str] = {}
    for key, value in _options(text):
        if key == "channel":
            taken = tuple(sorted(options.items()))
            out.update(dict.fromkeys(parse_ranges(value), taken))
        else:
            options[key] = value
    return out


def system_lines(text: str) -> dict[int, list[tuple[str, str]]]:
    """Each channel system.conf names, with the lines that name it (the rest of the line kept)."""
    out: dict[int, list[tuple[str, str]]] = {}
    for key, value in _flat(text):
        if key in CHANNEL_KEYS:
            chans, _, rest = value.partition(":")
            for channel in parse_ranges(chans):
                out.setdefault(channel, []).append((key, rest))
    return out


def chan_dahdi_channels(text: str) -> set[int]:
    """The channels chan_dahdi.conf opens (its `channel =>` lines)."""
    out: set[int] = set()
    for line in (text or "").splitlines():
        m = re.match(r"^\s*channel\s*=>\s*(\S+)", line)
        if m:
            out |= parse_ranges(m.group(1))
    return out


def _options(text: str) -> list[tuple[str, str]]:
    out = []
    for line in (text or "").splitlines():
        line = line.split(";", 1)[0].strip()
        if line and not line.startswith("["):
            key, _, value = line.partition("=")
            out.append((key.strip(), value.lstrip(">").strip()))
    return out


def plan_spans_back(planned: DahdiPlan, system_conf: str) -> DahdiPlan:
    """`planned`, and spans back in DAHDI (a card put back) given all the channels system.conf
    names (never a full run: that would destroy the dynamic spans) and chan_dahdi restarted."""
    channels = system_channels(system_conf)
    if not channels:
        return planned
    return DahdiPlan(configure=True, channels=ranges(sorted(channels)), restart=True)


def plan(loaded: dict[str, str], files: dict[str, str]) -> DahdiPlan:
    """What applying `files` over `loaded` (what DAHDI and chan_dahdi run) needs."""
    old_sys, new_sys = loaded.get(SYSTEM_CONF, ""), files.get(SYSTEM_CONF, "")
    old_chan, new_chan = loaded.get(CHAN_CONF, ""), files.get(CHAN_CONF, "")
    if old_sys == new_sys and old_chan == new_chan:
        return DahdiPlan()
    if dynamic_spans(old_sys) != dynamic_spans(new_sys):
        return DahdiPlan(asterisk_restart=True)
    configure = old_sys != new_sys
    channels = system_channels(old_sys) | system_channels(new_sys)
    # No channel in either file: chan_dahdi holds none, a full run is safe.
    restrict = ranges_text(channels) if configure and channels else None
    old_opts, new_opts = _options(old_chan), _options(new_chan)
    only_reloadable = (len(old_opts) == len(new_opts)
                       and all(a == b or (a[0] == b[0] and a[0] in RELOADABLE) for a, b in zip(old_opts, new_opts)))
    if not configure and only_reloadable:
        return DahdiPlan(reload=True)
    ports = _ports_changed(old_sys, new_sys, old_chan, new_chan)
    if ports:
        return DahdiPlan(configure=configure, channels=ranges_text(ports) if configure else None,
                         recreate=frozenset(ports))
    return DahdiPlan(configure=configure, channels=restrict, restart=True)


def _ports_changed(old_sys: str, new_sys: str, old_chan: str, new_chan: str) -> set[int]:
    """The channels whose lines or options differ between the two sets of files, when every one of
    them is an analog port's and nothing but channels differs (no span line, no tone zone); else
    an empty set (chan_dahdi must restart)."""
    old_lines, new_lines = system_lines(old_sys), system_lines(new_sys)
    rest = [(k, v) for k, v in _flat(old_sys) if k not in CHANNEL_KEYS]
    if rest != [(k, v) for k, v in _flat(new_sys) if k not in CHANNEL_KEYS]:
        return set()
    old_blocks, new_blocks = chan_dahdi_blocks(old_chan), chan_dahdi_blocks(new_chan)
    changed = {c for c in old_lines.keys() | new_lines.keys() if old_lines.get(c) != new_lines.get(c)}
    changed |= {c for c in old_blocks.keys() | new_blocks.keys() if old_blocks.get(c) != new_blocks.get(c)}
    analog = {c for lines in (old_lines, new_lines) for c, named in lines.items()
              if all(key in ANALOG_KEYS for key, _ in named)}
    return changed if changed and changed <= analog else set()


def ranges_text(channels: set[int]) -> str:
    return ranges(sorted(channels))


def verify(control: DahdiControl, files: dict[str, str], pri_spans: set[int], spans: set[int]) -> None:
    """chan_dahdi runs the channels chan_dahdi.conf names, a PRI on each PRI span, and DAHDI has
    every configured span. A span in alarm (no cable, far end down) is not a failed apply."""
    want = chan_dahdi_channels(files.get(CHAN_CONF, ""))
    got = control.dahdi_channels()
    if got != want:
        raise DahdiError(_difference("DAHDI channels", want, got))
    if pri_spans:
        got_pri = control.pri_spans()
        if got_pri != pri_spans:
            raise DahdiError(_difference("PRI spans", pri_spans, got_pri))
    if spans:
        missing = spans - control.dahdi_spans()
        if missing:
            raise DahdiError(f"DAHDI has no span {', '.join(map(str, sorted(missing)))}")


def _difference(what: str, want: set[int], got: set[int]) -> str:
    parts = []
    if want - got:
        parts.append("missing " + ranges_text(want - got))
    if got - want:
        parts.append("unexpected " + ranges_text(got - want))
    return f"chan_dahdi did not take the {what}: " + "; ".join(parts)
