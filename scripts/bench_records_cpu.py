"""Asterisk's CPU at 200 concurrent calls with the box's call records on and off, for make bench.

On a running box (bench.py's, or one that `bench_reports.py --calls` starts):
- a provider trunk on a second address of the host's end of the box's link, an inbound route
  (DID 086800) to extension 8680, and that extension's phone: SIPp registering it
  (register.xml), then answering every call on the same port (answer-echo.xml, -rtp_echo:
  the caller's audio comes back);
- SIPp callers from the provider (conference-party.xml: A-law audio for the call's duration,
  then the caller hangs up), CONCURRENT / HOLD new calls a second at most CONCURRENT at once:
  200 calls up all the time, 10 starting and 10 ending each second. Channel events come at a
  call's start and end, not with its audio: the churn is what call records cost.
Measured over WINDOW seconds once 200 calls are up: Asterisk's and the supervisor's CPU (share
of one core), with call records on (the box as it is: CEL through cel_manager over AMI to the
supervisor's call recorder) and off. Off is a switch of this bench only: cel.conf's
`enable = no` in the live config, loaded with `module reload cel`, so Asterisk makes no channel
events at all (nor the dial plan's CELGenUserEvent path events) and the recorder receives none;
the file is set back and reloaded after. The records written in each window are counted (from
the box's health) to show that the switch did what it says.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

from bench_floor import CpuWindow
from bench_switchboard import write_audio

REPO = Path(__file__).resolve().parent.parent
SIPP = REPO / "scripts" / "sipp"
CONCURRENT = 200
HOLD = 20.0  # seconds a call lasts
WINDOW = 30.0
DID = "086800"
CALLEE = "8680"
PROVIDER_PORT = 5076
PHONE_PORT = 5094
ROUNDS = 2  # on, off, on, off: the machine's other work falls on both alike


def _calls(box) -> int:
    """Calls up in Asterisk now."""
    for line in box.exec("asterisk", "-rx", "core show channels count").splitlines():
        if line.strip().endswith("active calls"):
            return int(line.split()[0])
    return 0


def _recorded(box) -> int:
    return box.health()["reports"]["call_records"]["recorded"]


def _cel(box, on: bool) -> None:
    """The bench's switch: channel events as rendered (enable = yes) or none at all."""
    box.exec("sed", "-i", f"s/^enable = .*/enable = {'yes' if on else 'no'}/", "/etc/asterisk/cel.conf")
    box.exec("asterisk", "-rx", "module reload cel")


def _sipp(args: list[str], workdir: Path, started: list) -> subprocess.Popen:
    proc = subprocess.Popen(["sipp", *args, "-nostdin", "-trace_err", "-error_file", str(workdir / "sipp-errors.log")],
                            cwd=workdir, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    started.append(proc)
    return proc


def _wait(what: str, until, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not until():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.5)


def _run(box, ip: str, workdir: Path, on: bool, started: list, concurrent: int, hold: float, window: float) -> dict:
    _cel(box, on)
    base = _calls(box)  # calls an earlier part of make bench left up (counted out)
    rate = concurrent / hold
    total = int(rate * (hold + window + 15))
    callers = _sipp([box.box_ip + ":5060", "-sf", str(SIPP / "conference-party.xml"), "-s", DID, "-i", ip,
                     "-p", str(PROVIDER_PORT), "-mp", "28000", "-m", str(total), "-l", str(concurrent),
                     "-r", f"{rate:g}", "-d", str(int(hold * 1000))], workdir, started)
    _wait(f"{concurrent} calls up", lambda: _calls(box) - base >= concurrent * 0.95 or callers.poll() is not None,
          hold + 60)
    if callers.poll() is not None:
        raise RuntimeError(f"the callers stopped: {callers.stderr.read().decode()[-2000:]}")
    records = _recorded(box)
    cpu = CpuWindow(box)
    up = []
    deadline = time.monotonic() + window
    while time.monotonic() < deadline:
        up.append(_calls(box) - base)
        time.sleep(2.0)
    share = cpu.share()
    records = _recorded(box) - records
    if callers.wait(timeout=hold + window + 120) != 0:
        raise RuntimeError(f"calls failed: {callers.stderr.read().decode()[-2000:]}")
    _wait("the calls to end", lambda: _calls(box) <= base, 60)
    return {"cpu": share, "records": records, "calls_up": (min(up), max(up))}


def measure(box, api, workdir: Path, concurrent: int = CONCURRENT, hold: float = HOLD,
            window: float = WINDOW, rounds: int = ROUNDS) -> dict:
    """Set up the trunk, route and answering phone, measure each mode; take down what was started here."""
    workdir.mkdir(parents=True, exist_ok=True)
    ip = box.host_ip.rsplit(".", 1)[0] + ".9"
    dev = box.state()["host_if"]
    write_audio(workdir, tone=True)
    subprocess.run(["ip", "addr", "add", f"{ip}/24", "dev", dev], check=True)
    started: list[subprocess.Popen] = []
    try:
        r = api.post("/extensions", {"number": CALLEE, "name": "Bench answering phone", "voicemail_enabled": False})
        assert r.status == 201, r
        users = workdir / "phone.csv"
        users.write_text(f"SEQUENTIAL\n{CALLEE};[authentication username={CALLEE} password={r.json['secret']}];\n")
        assert api.post("/trunks", {"name": "Bench callers", "host": ip, "port": PROVIDER_PORT}).status == 201
        r = api.post("/inbound-routes", {"name": "Bench calls", "did": DID,
                                         "destination": {"kind": "extension", "target": CALLEE}})
        assert r.status == 201, r
        reg = _sipp([box.box_ip + ":5060", "-sf", str(SIPP / "register.xml"), "-inf", str(users), "-i", box.host_ip,
                     "-p", str(PHONE_PORT), "-m", "1"], workdir, started)
        if reg.wait(timeout=60) != 0:
            raise RuntimeError(f"the answering phone did not register: {reg.stderr.read().decode()[-2000:]}")
        _sipp(["-sf", str(SIPP / "answer-echo.xml"), "-s", CALLEE, "-i", box.host_ip, "-p", str(PHONE_PORT),
               "-mp", "32000", "-rtp_echo"], workdir, started)
        idle = CpuWindow(box)
        time.sleep(5)
        at_rest = idle.share()
        runs: dict = {"on": [], "off": []}
        for _ in range(rounds):
            for mode in runs:
                runs[mode].append(_run(box, ip, workdir, mode == "on", started, concurrent, hold, window))
        return {"runs": runs, "at_rest": at_rest, "concurrent": concurrent, "hold": hold, "window": window}
    finally:
        _cel(box, True)
        for proc in started:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        subprocess.run(["ip", "addr", "del", f"{ip}/24", "dev", dev], check=False)


def on_a_box(**sizes) -> dict:
    """measure() on a new box of its own (`bench_reports.py --calls`), taken down after."""
    import secrets
    import tempfile

    from tests.api import Api
    from tests.integration.conftest import ADMIN_PASSWORD, box_cli, start_box

    name = f"bench-{secrets.token_hex(3)}"
    box = start_box(name)
    try:
        api = Api(box.url).sign_in(ADMIN_PASSWORD)
        return measure(box, api, Path(tempfile.mkdtemp(prefix="bench-records-")), **sizes)
    finally:
        box_cli("down", name, "--purge", check=False)


def markdown(r: dict | None) -> str:
    """The rows and notes of the reports section about it (r None: not measured in this run)."""
    if r is None:
        return ("- Not measured in this run: Asterisk's CPU with call records on against off at "
                f"{CONCURRENT} concurrent calls (make bench, or `bench_reports.py --calls`).\n")

    def mean(mode: str, who: str) -> float:
        return sum(run["cpu"].get(who, 0.0) for run in r["runs"][mode]) / len(r["runs"][mode])

    def each(mode: str, who: str) -> str:
        return ", ".join(f"{run['cpu'].get(who, 0.0) * 100:.1f} %" for run in r["runs"][mode])

    on, off = mean("on", "asterisk"), mean("off", "asterisk")
    sup_on, sup_off = mean("on", "supervisor"), mean("off", "supervisor")
    records = [run["records"] for run in r["runs"]["on"]]
    stray = [run["records"] for run in r["runs"]["off"]]
    up = [v for mode in r["runs"].values() for run in mode for v in run["calls_up"]]
    rate = r["concurrent"] / r["hold"]
    return f"""
Call records and Asterisk: {r['concurrent']} concurrent calls from a SIPp provider through an inbound
route to an extension whose phone (SIPp) answers and echoes the audio; A-law both ways; each call
lasts {r['hold']:.0f} s and {rate:g} new ones start a second, so {r['concurrent']} are up all the time
({min(up)} to {max(up)} seen in the windows). CPU as a share of one core over {r['window']:.0f} s
windows, on and off alternating ({len(r['runs']['on'])} of each; each window's figure in brackets).

| What | On | Off | Ratio on / off |
|---|---|---|---|
| Asterisk's CPU | {on * 100:.1f} % ({each('on', 'asterisk')}) | {off * 100:.1f} % ({each('off', 'asterisk')}) | {on / off:.3f} |
| The supervisor's CPU | {sup_on * 100:.1f} % ({each('on', 'supervisor')}) | {sup_off * 100:.1f} % ({each('off', 'supervisor')}) | {sup_on / sup_off:.2f} |

- On is the box as it is: CEL (cel_manager) over AMI to the supervisor's call recorder. Off is
  a switch of the bench only: cel.conf's `enable = no` in the live config, loaded with
  `module reload cel`: Asterisk makes no channel events at all, and the recorder gets none (the
  supervisor still reads every other AMI event). Records written in the windows: on
  {', '.join(map(str, records))}, off {', '.join(map(str, stray))}.
- At rest before the calls: Asterisk {r['at_rest'].get('asterisk', 0) * 100:.1f} %, the supervisor
  {r['at_rest'].get('supervisor', 0) * 100:.1f} %.
"""
