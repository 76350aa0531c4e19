"""Benchmark of the DAHDI configuration (make bench runs it; never part of the tests).

The largest box, 32 E1 spans (four TE820s: 992 DAHDI channels, 960 of them for calls), against a
one-span box (a TE121), in the same run and in turns, each in a config database of its own with its
spans in one DAHDI trunk, set through the hardware service (the code of PUT /api/v1/hardware/spans/N):
- render: the DAHDI renderers alone (chan_dahdi.conf and DAHDI's system.conf), and every file of
  the box (what an apply renders);
- apply: applier rounds that take every span from PRI (CPE side) to MFC/R2 China or back, so that
  both files change each round and DAHDI is configured again: the snapshot read from the database,
  rendering, the plan, the new config generation written (fsync) and swapped in, the commands to
  DAHDI and chan_dahdi, and the check of what they run.
There is no card here, nor dahdi_cfg: the commands are taken by stand-ins (a dahdi_cfg that records
its call, and the tests' Asterisk stand-in, which reads the files as chan_dahdi would to answer the
checks). Their time is measured apart and left out: the figures are the box's own side of a round,
up to and including the commands it sends; DAHDI's and chan_dahdi's own work is not in them.
"""

from __future__ import annotations

import dataclasses
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from appliance.db import db, open_database  # noqa: E402
from appliance.db.journal import journal  # noqa: E402
from appliance.hardware import config, detect, profiles  # noqa: E402
from appliance.hardware.udev import Device  # noqa: E402
from appliance.pbx import dahdi  # noqa: E402
from appliance.pbx.apply import Applier  # noqa: E402
from appliance.pbx.generations import ConfigStore  # noqa: E402
from appliance.pbx.render import dahdi as dahdi_render  # noqa: E402
from appliance.pbx.render import render_all  # noqa: E402
from appliance.pbx.snapshot import load_snapshot  # noqa: E402
from appliance.trunks import service as trunks  # noqa: E402
from tests.fakes.pbx import FakeAsterisk  # noqa: E402
from tests.unit.conftest import SYSTEM  # noqa: E402

# (what, the card's PCI device id, how many)
BOXES = {1: ("TE121", "8000", 1), 32: ("TE820", "1820", 4)}
RENDER_RUNS = 30
ROUNDS = 9
SIGNALLING = ("mfcr2", "pri_cpe")
# The stand-in's methods and the AMI actions the box's control sends for them (appliance/pbx/control.py).
AMI = {"dahdi_restart": "DAHDIRestart", "dahdi_channels": "DAHDIShowChannels", "pri_spans": "PRIShowSpans",
       "dahdi_spans": "DAHDIShowStatus"}


class Timed:
    """Wraps a stand-in: every call to it is timed, so that its time can be left out of a round's."""

    def __init__(self, inner):
        self._inner = inner
        self.seconds = 0.0
        self.commands: list[str] = []

    def __getattr__(self, name):
        method = getattr(self._inner, name)

        def call(*args, **kw):
            started = time.perf_counter()
            try:
                return method(*args, **kw)
            finally:
                self.seconds += time.perf_counter() - started
                self.commands.append(name)
        return call


class RecordedDahdiCfg:
    """dahdi_cfg is not on this host: the call is recorded (file and -C channels), nothing runs."""

    def __init__(self):
        self.runs: list[tuple[str, str | None]] = []

    def configure(self, path, channels=None) -> None:
        self.runs.append((str(path), channels))


def _devices(device: str, count: int) -> list[Device]:
    return [Device("pci", f"/sys/devices/pci0000:00/0000:00:1c.0/0000:0{i + 3}:00.0", f"0000:0{i + 3}:00.0",
                   "d161", device, pci_class="020400") for i in range(count)]


class TimedStore(ConfigStore):
    """The applier's config store, with the time its writing of a generation takes."""

    seconds = 0.0

    def commit(self, files: dict[str, str]) -> Path:
        started = time.perf_counter()
        try:
            return super().commit(files)
        finally:
            self.seconds += time.perf_counter() - started


class Box:
    """One box's config database, config store and applier, with its spans set through the hardware
    service (the code of PUT /api/v1/hardware/spans/N), in one DAHDI trunk, span 1 the clock."""

    def __init__(self, spans: int, workdir: Path):
        name, device, count = BOXES[spans]
        self.card = f"{count} x {name}"
        self.db_path = workdir / "config.db"
        self.use()
        self.found = detect.scan(_devices(device, count), profiles.load_cards())
        assert sum(len(c["spans"]) for c in self.found["cards"]) == spans, self.found
        self.trunk, _ = trunks.create({"name": "Carrier", "kind": "dahdi"}, "bench")
        self.system = dataclasses.replace(SYSTEM, dahdi=True)
        self.store = TimedStore(workdir / "asterisk-config")
        asterisk = FakeAsterisk(self.store.live)
        asterisk.spans = {s["dahdi_span"] for c in self.found["cards"] for s in c["spans"]}
        self.control, self.tool = Timed(asterisk), Timed(RecordedDahdiCfg())
        self.applier = Applier(self.store, self.control, lambda: load_snapshot(self.system), journal,
                               dahdi_cfg=self.tool)
        self.set_spans("pri_cpe")
        self.applier.prepare_start()  # as at boot: Asterisk starts from the database
        asterisk.load_all()
        asterisk.dahdi_restart()
        self.applier.asterisk_ready()
        assert self.applier.apply_once() == "applied", self.applier.last_error
        self.snapshot = load_snapshot(self.system)
        self.samples: dict[str, list[float]] = {"apply": [], "write": [], "stand_in": [], "changes": []}
        self.commands: list[str] = []
        self.dahdi_cfg: tuple | None = None

    def use(self) -> None:
        open_database(self.db_path)
        db.connect(reuse_if_open=True)

    def set_spans(self, signalling: str) -> None:
        for card in self.found["cards"]:
            for s in card["spans"]:
                body = {"signalling": signalling, "trunk": self.trunk.id, "timing": 1 if s["span"] == 1 else 0}
                config.put_span(self.found, s["span"], body, "bench")

    def round(self, signalling: str) -> None:
        """Every span to `signalling`, then one applier round."""
        started = time.perf_counter()
        self.set_spans(signalling)
        self.samples["changes"].append(time.perf_counter() - started)
        self.control.seconds = self.tool.seconds = self.store.seconds = 0.0
        self.control.commands.clear()
        started = time.perf_counter()
        result = self.applier.apply_once()
        total = time.perf_counter() - started
        assert result == "applied", self.applier.last_error
        self.samples["apply"].append(total - self.control.seconds - self.tool.seconds)
        self.samples["write"].append(self.store.seconds)
        self.samples["stand_in"].append(self.control.seconds + self.tool.seconds)
        if signalling.startswith("pri"):  # a PRI round asks the most
            self.commands, self.dahdi_cfg = list(self.control.commands), self.tool._inner.runs[-1]

    def result(self) -> dict:
        files = render_all(self.snapshot)
        return {"card": self.card, "commands": self.commands, "dahdi_cfg": self.dahdi_cfg,
                "channels": len(dahdi.system_channels(files[dahdi.SYSTEM_CONF])),
                "bearers": len(dahdi.chan_dahdi_channels(files[dahdi.CHAN_CONF])),
                "bytes": len(files[dahdi.SYSTEM_CONF]) + len(files[dahdi.CHAN_CONF]),
                **{f"{k}_ms": statistics.median(v) * 1000 for k, v in self.samples.items()}}


def _in_turns(keys: list, i: int) -> list:
    """The order of turn i: reversed every other turn (what runs first in a turn was measured faster)."""
    return keys if i % 2 else keys[::-1]


def measure() -> dict:
    listeners = list(journal._listeners)
    try:
        with tempfile.TemporaryDirectory(prefix="bench-dahdi-") as tmp:
            boxes = {spans: Box(spans, Path(tmp) / f"spans-{spans}") for spans in BOXES}
            # The two boxes' rounds in turns, so that the shared machine's load falls on both alike.
            for i in range(ROUNDS):
                for spans in _in_turns(list(boxes), i):
                    boxes[spans].use()
                    boxes[spans].round(SIGNALLING[i % 2])
            out = {spans: box.result() for spans, box in boxes.items()}
    finally:
        journal._listeners[:] = listeners
        db.close()
    # Rendering is pure: both boxes' snapshots, rendered in turns.
    fns = {}
    for spans, box in boxes.items():
        fns[(spans, "render_dahdi_ms")] = lambda snap=box.snapshot: dahdi_render.render(snap)
        fns[(spans, "render_all_ms")] = lambda snap=box.snapshot: render_all(snap)
    times: dict = {key: [] for key in fns}
    for i in range(RENDER_RUNS):
        for key in _in_turns(list(fns), i):
            started = time.perf_counter()
            fns[key]()
            times[key].append(time.perf_counter() - started)
    for (spans, key), t in times.items():
        out[spans][key] = statistics.median(t) * 1000
    return out


def markdown(result: dict) -> str:
    one, big = result[1], result[32]

    def row(what: str, key: str, digits: int = 1) -> str:
        return f"| {what} | {one[key]:.{digits}f} | {big[key]:.{digits}f} | {big[key] / one[key]:.1f} x |"

    commands = ", ".join(AMI.get(c, c) for c in dict.fromkeys(big["commands"]))
    _, channels = big["dahdi_cfg"]
    return "\n".join([
        "", "## DAHDI configuration: 32 E1 spans against one", "",
        f"The largest box ({big['card']}: 32 E1 spans, {big['channels']} DAHDI channels, {big['bearers']} of them "
        f"for calls) against a one-span box ({one['card']}: {one['channels']} channels, {one['bearers']} for calls), "
        "in the same run, each in a config database of its own, its "
        "spans in one DAHDI trunk, span 1 the clock. Render: the median of "
        f"{RENDER_RUNS} runs. Apply: the median of {ROUNDS} applier rounds, each taking every span from PRI (CPE "
        "side) to MFC/R2 China or back, so that both files change and DAHDI is configured again: the snapshot "
        "read from the database, rendering every file, the plan, the new config generation written (fsync) and "
        "swapped in, the commands to DAHDI and chan_dahdi, and the check of what they run. No card and no "
        "dahdi_cfg on this host: the commands go to stand-ins (dahdi_cfg recorded; chan_dahdi's answers read "
        "from the files written, as chan_dahdi would have them), whose time is measured apart and left out. "
        "So these are the box's side of a round up to the commands it sends; DAHDI's own reconfiguration of "
        "960 channels and chan_dahdi's restart are not in them (they need the card, or the qemu image's "
        "software spans). The two boxes run in turns (renders and rounds), the order reversed each turn.", "",
        "| What (ms) | 1 span | 32 spans | ratio |", "|---|---:|---:|---:|",
        row("Render chan_dahdi.conf and system.conf (the DAHDI renderers)", "render_dahdi_ms", 2),
        row("Render every file of the box", "render_all_ms"),
        row("Apply round, the box's side (stand-ins left out)", "apply_ms"),
        row("... of which writing the config generation (every file, fsync) and swapping it in", "write_ms"),
        row("(the stand-ins' time in a round, left out above)", "stand_in_ms"),
        row("Setting every span through the hardware service (one journaled change a span)", "changes_ms"),
        f"| Size of chan_dahdi.conf and system.conf (bytes) | {one['bytes']:,} | {big['bytes']:,} | "
        f"{big['bytes'] / one['bytes']:.1f} x |",
        "", f"A 32-span PRI round sends: dahdi_cfg -c system.conf -C {channels} (the channels either file names), "
        f"then over AMI {commands}. The render of every file and the round are dominated by what does not "
        "grow with the spans (the dial plan; writing and syncing some 30 files); the DAHDI files grow with "
        "them, as they must, and so does the round's journal work (each span's change is marked applied: 32 "
        "changes against 1).", ""])


def main() -> int:
    """Measure, print, and with --write replace this section of BENCHMARKS.md."""
    section = markdown(measure())
    print(section)
    if "--write" in sys.argv:
        from benchdoc import replace_section

        replace_section("DAHDI configuration", section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
