"""The switchboard under load, for make bench: a 64-party conference and feature-code call setup.

On a box that already holds bench.py's extensions:
- a 64-party conference: 64 SIPp callers from a provider trunk reach room 7600 through an
  inbound route (the box's own path: its dial plan, profiles and the supervisor following
  ConfBridge events), 2 of them talking (a tone), 62 sending silence. The reference, in the
  same run on the same Asterisk: the same 64 callers sent by a dial plan line added at run
  time (`dialplan add extension`) straight to ConfBridge() with Asterisk's default profiles.
  Figure: Asterisk's CPU per party over 15 s with every party in, as the ratio box / bare.
- feature-code call setup: from a pjsua2 phone starting a call until the called phone rings,
  for a plain extension call (8002 style), intercom (*80N) and a speed dial (*0NN), the
  three interleaved so that noise hits each alike.
"""

from __future__ import annotations

import math
import subprocess
import time
from pathlib import Path

import pjsua2 as pj
from bench_floor import CpuWindow, _rest, spread

REPO = Path(__file__).resolve().parent.parent
PARTY = REPO / "scripts" / "sipp" / "conference-party.xml"
PARTIES = 64
TALKERS = 2
ROOM = "7600"
BOX_DID = "076000"
BARE_DID = "076001"
BARE_ROOM = "barebench"
PROVIDER_PORT = 5072
WINDOW = 15.0
SETUP_ROUNDS = 15
CALLER, CALLED, SPEED_CODE = "6991", "6992", "61"


def _alaw(sample: int) -> int:
    """One 16-bit sample as G.711 A-law (ITU-T G.711)."""
    sign = 0x00 if sample < 0 else 0x80
    magnitude = min(abs(sample), 32635) >> 3
    if magnitude < 32:
        code = magnitude >> 1
    else:
        exponent = magnitude.bit_length() - 5
        code = (exponent << 4) | ((magnitude >> exponent) & 0x0F)
    return (code | sign) ^ 0x55


def write_audio(directory: Path, tone: bool) -> None:
    """Ten seconds of raw A-law for SIPp to loop: a 440 Hz tone at -10 dBFS, or silence."""
    directory.mkdir(parents=True, exist_ok=True)
    samples = (int(10362 * math.sin(2 * math.pi * 440 * i / 8000)) if tone else 0 for i in range(80000))
    (directory / "party.alaw").write_bytes(bytes(_alaw(s) for s in samples))


def _parties(box, ip: str, did: str, workdir: Path, hold_ms: int, started: list) -> list[subprocess.Popen]:
    procs = []
    for name, count, port in (("talk", TALKERS, PROVIDER_PORT), ("quiet", PARTIES - TALKERS, PROVIDER_PORT + 1)):
        cwd = workdir / name
        procs.append(subprocess.Popen(
            ["sipp", box.box_ip + ":5060", "-sf", str(PARTY), "-s", did, "-i", ip, "-p", str(port),
             "-mp", str(20000 + (port - PROVIDER_PORT) * 4000), "-m", str(count), "-l", str(count), "-r", "20",
             "-d", str(hold_ms), "-nostdin", "-trace_err", "-error_file", str(cwd / "errors.log")],
            cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE))
        started.extend(procs[-1:])
    return procs


def _conference(box, ip: str, did: str, workdir: Path, count_in, started: list) -> dict:
    """Asterisk's and the supervisor's CPU with 64 parties in, from the moment all are in."""
    before = CpuWindow(box)
    procs = _parties(box, ip, did, workdir, hold_ms=int((WINDOW + 40) * 1000), started=started)
    deadline = time.monotonic() + 40
    while (n := count_in()) < PARTIES:
        if time.monotonic() > deadline or any(p.poll() not in (None, 0) for p in procs):
            raise RuntimeError(f"only {n} of {PARTIES} parties joined {did}")
        time.sleep(0.5)
    joining = before.share()
    window = CpuWindow(box)
    time.sleep(WINDOW)
    share = window.share()
    for p in procs:
        if p.wait(timeout=120) != 0:
            raise RuntimeError(f"a party failed on {did}: {p.stderr.read().decode()[-1500:]}")
    deadline = time.monotonic() + 30
    while count_in() and time.monotonic() < deadline:
        time.sleep(0.5)
    return {"cpu": share, "joining": joining}


def _confbridge_count(box, room: str) -> int:
    out = box.exec("asterisk", "-rx", f"confbridge list {room}")
    return sum(1 for line in out.splitlines() if line.startswith(("PJSIP/", "Local/")))


def conference(box, api, workdir: Path) -> dict:
    ip = box.host_ip.rsplit(".", 1)[0] + ".6"
    dev = box.state()["host_if"]
    for name, tone in (("talk", True), ("quiet", False)):
        write_audio(workdir / name, tone)
    subprocess.run(["ip", "addr", "add", f"{ip}/24", "dev", dev], check=True)
    started: list[subprocess.Popen] = []
    try:
        assert api.post("/trunks", {"name": "Conference callers", "host": ip, "port": PROVIDER_PORT}).status == 201
        r = api.post("/conferences", {"number": ROOM, "name": "Bench room", "max_parties": PARTIES})
        assert r.status == 201, r
        r = api.post("/inbound-routes", {"name": "Bench room", "did": BOX_DID,
                                         "destination": {"kind": "conference", "target": ROOM}})
        assert r.status == 201, r
        # The reference: the same trunk's callers straight into ConfBridge with default profiles.
        box.exec("asterisk", "-rx", f"dialplan add extension {BARE_DID},1,Answer() into callbox-from-trunks")
        box.exec("asterisk", "-rx", f"dialplan add extension {BARE_DID},2,ConfBridge({BARE_ROOM}) "
                                    "into callbox-from-trunks")
        idle = CpuWindow(box)
        time.sleep(5)
        at_rest = idle.share()
        live = _conference(box, ip, BOX_DID, workdir,
                           lambda: len(api.get(f"/conferences/{ROOM}/live").json["parties"]), started)
        bare = _conference(box, ip, BARE_DID, workdir, lambda: _confbridge_count(box, BARE_ROOM), started)
        return {"box": live, "bare": bare, "at_rest": at_rest}
    finally:
        for proc in started:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        subprocess.run(["ip", "addr", "del", f"{ip}/24", "dev", dev], check=False)


def setup_times(box, api, stack) -> dict:
    """From the calling phone starting a call until the called phone rings, per way of dialling."""
    secrets = {}
    for number in (CALLER, CALLED):
        r = api.post("/extensions", {"number": number, "name": f"Bench {number}", "intercom": True})
        assert r.status == 201, r
        secrets[number] = r.json["secret"]
    assert api.post("/speed-dials", {"code": SPEED_CODE, "number": CALLED, "name": "Bench"}).status == 201
    caller = stack.phone(CALLER, secrets[CALLER], box.sip).register()
    called = stack.phone(CALLED, secrets[CALLED], box.sip).register()
    ways = {"plain": CALLED, "intercom": f"*80{CALLED}", "speed_dial": f"*0{SPEED_CODE}"}
    times: dict[str, list[float]] = {k: [] for k in ways}
    for _ in range(SETUP_ROUNDS):
        for way, dialled in ways.items():
            started = time.time()
            call = caller.call(dialled)
            ringing = called.wait_incoming(timeout=10)
            times[way].append(ringing.arrived - started)
            call.hangup_call()
            call.wait_disconnected()
            stack.wait(lambda: ringing.state == pj.PJSIP_INV_STATE_DISCONNECTED, 10, "the called phone released")
            _rest(stack, 0.6)  # pjlib frees a closed call's sockets half a second later: calls apart
    caller.close()
    called.close()
    return {k: spread(v) for k, v in times.items()}


def markdown(conf: dict, setup: dict) -> str:
    def ms(x: float) -> str:
        return f"{x * 1000:.0f} ms"

    def per_party(run: dict) -> float:
        return (run["cpu"].get("asterisk", 0) - conf["at_rest"].get("asterisk", 0)) / PARTIES

    box_pp, bare_pp = per_party(conf["box"]), per_party(conf["bare"])
    ratio = f"{box_pp / bare_pp:.2f} x" if bare_pp > 0 else "n/a"
    plain = setup["plain"]["p50"]
    rows = []
    for key, label in (("plain", "plain extension call"), ("intercom", "intercom *80N"),
                       ("speed_dial", "speed dial *0NN")):
        t = setup[key]
        ref, rel = ("", "") if key == "plain" else (f"plain extension call: p50 {ms(plain)}", f"{t['p50'] / plain:.2f} x")
        rows.append(f"| Call setup, {label}: the caller's phone starts the call until the called phone rings "
                    f"({t['n']} calls) | p50 {ms(t['p50'])}, p95 {ms(t['p95'])} | {ref} | {rel} | |")
    rows = "\n".join(rows)
    return f"""
## The switchboard

| What | Figure | Reference (same run) | Ratio | Target |
|---|---|---|---|---|
| A {PARTIES}-party conference ({TALKERS} talking, the rest sending silence): Asterisk CPU per party, above its idle share | {box_pp * 100:.2f} % of a core (total {conf["box"]["cpu"].get("asterisk", 0) * 100:.0f} %; supervisor {conf["box"]["cpu"].get("supervisor", 0) * 100:.1f} %) | bare ConfBridge, default profiles, same callers: {bare_pp * 100:.2f} % of a core (total {conf["bare"]["cpu"].get("asterisk", 0) * 100:.0f} %) | {ratio} | |
{rows}

Notes
- Conference: SIPp callers on a provider trunk, G.711 A-law, 20 ms packets; the CPU window
  ({WINDOW:.0f} s) starts once all {PARTIES} are in the room (the box's room counted by its live
  API, the bare one by `confbridge list`). Idle Asterisk (subtracted): {conf["at_rest"].get("asterisk", 0) * 100:.1f} %.
  While the box's parties joined, the supervisor used {conf["box"]["joining"].get("supervisor", 0) * 100:.1f} %
  of a core (it follows every ConfbridgeJoin and Talking event for the live page).
- Call setup: two pjsua2 phones on the host; the three ways are interleaved round by round.
"""
