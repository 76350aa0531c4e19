"""A stand-in for a running Asterisk at the level the applier talks to it.

On each reload it re-reads the live config generation, as Asterisk would, and
answers the applier's checks from what it read. It records every call, and
tests can make it fail: refuse a module's reload, or "lose" an endpoint (load
everything but one, as Asterisk does with an object it cannot parse).
"""

from __future__ import annotations

import re
from pathlib import Path

from appliance.ami import AMIError


def _sections(text: str) -> list[tuple[str, dict[str, str]]]:
    out: list[tuple[str, dict[str, str]]] = []
    for line in text.splitlines():
        line = line.split(";", 1)[0].strip()
        if not line:
            continue
        m = re.fullmatch(r"\[([^\]]+)\](?:\(.*\))?", line)
        if m:
            out.append((m.group(1), {}))
        elif out and "=" in line:
            key, _, value = line.partition("=")
            out[-1][1][key.strip()] = value.lstrip(">").strip()
    return out


class FakeAsterisk:
    def __init__(self, live: Path):
        self.live = live
        self.calls: list[tuple] = []
        self.refuse: dict[str, str] = {}  # module -> error text
        self.lose_endpoint: str | None = None
        self.restarts: list[str] = []
        self.removed: list[tuple] = []
        self._endpoints: set[str] = set()
        self._mailboxes: set[str] = set()
        self._globals: dict[str, str] = {}
        self._queues: set[str] = set()
        # chan_dahdi: the channels it opened at its last restart, and DAHDI's spans (the kernel's).
        self._dahdi_channels: set[int] = set()
        self.spans: set[int] = set()
        self.lose_dahdi_channel: int | None = None
        self.dahdi_calls_up: dict[int, str] = {}  # DAHDI channel -> the Asterisk channel of a call on it

    def _read(self, name: str) -> str:
        path = self.live / name
        return path.read_text() if path.exists() else ""

    def load_all(self) -> None:
        for module in ("res_pjsip.so", "app_voicemail.so", "pbx_config.so", "app_queue.so"):
            self._load(module)

    def _load(self, module: str) -> None:
        if module == "res_pjsip.so":
            self._endpoints = {name for name, opts in _sections(self._read("pjsip.conf"))
                               if opts.get("type") == "endpoint" and name != self.lose_endpoint}
        elif module == "app_voicemail.so":
            self._mailboxes = {k for name, opts in _sections(self._read("voicemail.conf"))
                               if name == "default" for k in opts}
        elif module == "app_queue.so":
            self._queues = {name for name, _ in _sections(self._read("queues.conf")) if name != "general"}
        elif module == "pbx_config.so":
            self._globals = dict(next((o for n, o in _sections(self._read("extensions.conf")) if n == "globals"), {}))

    # -- the Control protocol ----------------------------------------------------

    def reload(self, module: str) -> None:
        self.calls.append(("reload", module))
        if module in self.refuse:
            raise AMIError(f"Reload: {self.refuse[module]}")
        self._load(module)

    def endpoints(self) -> set[str]:
        self.calls.append(("endpoints",))
        return set(self._endpoints)

    def mailboxes(self) -> set[str]:
        self.calls.append(("mailboxes",))
        return set(self._mailboxes)

    def queues(self) -> set[str]:
        self.calls.append(("queues",))
        return set(self._queues)

    def getvar(self, name: str) -> str | None:
        self.calls.append(("getvar", name))
        return self._globals.get(name)

    def restart(self, reason: str) -> None:
        self.calls.append(("restart", reason))
        self.restarts.append(reason)

    def remove_message(self, mailbox: str, folder: str, msg_id: str) -> None:
        self.calls.append(("remove_message", mailbox, folder, msg_id))
        self.removed.append((mailbox, folder, msg_id))

    def dahdi_restart(self) -> None:
        self.calls.append(("dahdi_restart",))
        if "dahdi_restart" in self.refuse:
            raise AMIError(f"DAHDIRestart: {self.refuse['dahdi_restart']}")
        from appliance.pbx.dahdi import chan_dahdi_channels

        self._dahdi_channels = chan_dahdi_channels(self._read("chan_dahdi.conf")) - {self.lose_dahdi_channel}

    def dahdi_destroy(self, first: int, last: int) -> None:
        self.calls.append(("dahdi_destroy", first, last))
        self._dahdi_channels -= set(range(first, last + 1))

    def dahdi_create(self, first: int, last: int) -> None:
        """Opens the channels of the range that chan_dahdi.conf names and it has not open."""
        self.calls.append(("dahdi_create", first, last))
        from appliance.pbx.dahdi import chan_dahdi_channels

        named = chan_dahdi_channels(self._read("chan_dahdi.conf")) - {self.lose_dahdi_channel}
        self._dahdi_channels |= {c for c in named if first <= c <= last}

    def dahdi_call_channels(self, channel: int | None = None) -> dict[int, str]:
        """The calls on DAHDI channels (`dahdi_calls_up`, set by a test), gone once hung up."""
        return {n: name for n, name in self.dahdi_calls_up.items() if channel is None or n == channel}

    def hangup(self, channel: str, cause: int) -> None:
        self.calls.append(("hangup", channel, cause))
        self.dahdi_calls_up = {n: name for n, name in self.dahdi_calls_up.items() if name != channel}

    def dahdi_channels(self) -> set[int]:
        self.calls.append(("dahdi_channels",))
        return set(self._dahdi_channels)

    def pri_spans(self) -> set[int]:
        """Spans with a PRI, as chan_dahdi groups its channels: 31 to an E1 span."""
        self.calls.append(("pri_spans",))
        spans, signalling = set(), None
        for line in self._read("chan_dahdi.conf").splitlines():
            key, _, value = (part.strip() for part in line.partition("="))
            if key == "signalling":
                signalling = value
            elif key == "channel" and signalling in ("pri_net", "pri_cpe"):
                first = int(value.lstrip(">").strip().split("-")[0].split(",")[0])
                spans.add((first - 1) // 31 + 1)
        return spans

    def dahdi_spans(self) -> set[int]:
        self.calls.append(("dahdi_spans",))
        return set(self.spans)

    def reloads(self) -> list[str]:
        return [c[1] for c in self.calls if c[0] == "reload"]
