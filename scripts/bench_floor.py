"""The call-center floor under load, for make bench: 800 agents, 50 queues, 200 callers waiting.

On a box that already holds bench.py's 800 extensions:
- 50 queues (ringall) of 16 static members each, all 800 extensions; each
  queue is reached by an inbound route matching its callers' numbers;
- 795 desk phones registered by SIPp (register.xml), then answered on the
  same address and port by SIPp (desk-phones.xml: keep-alives 200, calls
  486); 5 sample agents, one in each of the first five queues, are pjsua2
  phones;
- every agent logged in and paused, 200 SIPp callers from a provider trunk
  waiting (4 per queue, hearing music on hold), 50 wallboard streams open
  beside the bench's own.
Measured:
- wallboard delay: a phone calls a queue; from the call's start to the first
  queue_live event listing it, at the bench's stream (includes SIP, dial
  plan, the queue-enter AGI, AMI and the 0.2 s coalescing of snapshots);
- screen-pop delay: a sample agent is unpaused in a queue with callers
  waiting; from the INVITE reaching the agent's phone to the screenpop event
  reaching the bench's stream (negative when the page knows first);
- the supervisor's and Asterisk's CPU (share of one core) while the callers
  wait and while the samples run, and the supervisor's memory.
"""

from __future__ import annotations

import json
import socket
import statistics
import subprocess
import threading
import time
from pathlib import Path

import pjsua2 as pj

REPO = Path(__file__).resolve().parent.parent
SIPP = REPO / "scripts" / "sipp"
QUEUES = 50
PER_QUEUE = 16
CALLERS_PER_QUEUE = 4
SAMPLE_AGENTS = 5  # pjsua2 has room for 8 transports and accounts
WALLBOARDS = 50
WALLBOARD_SAMPLES = 20
POP_ROUNDS = 6
PHONES_PORT = 5090
PROVIDER_PORT = 5070
SAMPLE_CALLER = "7999"


class EventStream:
    """One /api/v1/events stream read in a thread; every event kept with its arrival time."""

    def __init__(self, url: str, token: str, keep: bool = True):
        host, port = url.split("//")[1].split(":")
        # HTTP/1.0: the stream comes unchunked, ended by closing, so lines can be read as they are.
        self.sock = socket.create_connection((host, int(port)), timeout=600)
        self.sock.sendall(f"GET /api/v1/events HTTP/1.0\r\nHost: {host}\r\n"
                          f"Authorization: Bearer {token}\r\n\r\n".encode())
        self.lines = self.sock.makefile("rb")
        status = self.lines.readline()
        assert b" 200 " in status, status
        self.keep = keep
        self.events: list[tuple[float, str, dict]] = []
        self.changed = threading.Condition()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        topic = None
        try:
            for raw in self.lines:
                line = raw.decode().rstrip("\r\n")
                if line.startswith("event:"):
                    topic = line[6:].strip()
                elif line.startswith("data:") and self.keep:
                    arrived = time.time()
                    with self.changed:
                        self.events.append((arrived, topic, json.loads(line[5:])))
                        self.changed.notify_all()
        except (OSError, ValueError):
            pass  # closed

    def mark(self) -> int:
        with self.changed:
            return len(self.events)

    def wait(self, since: int, match, timeout: float, what: str, pump=None) -> tuple[float, dict]:
        """The first event from index `since` on that `match(topic, data)` accepts: (arrival, data).

        `pump` runs between looks when the waiter has other work (the phones' SIP stack)."""
        deadline = time.monotonic() + timeout
        while True:
            with self.changed:
                for arrived, topic, data in self.events[since:]:
                    if match(topic, data):
                        return arrived, data
                since = len(self.events)
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"timed out waiting for {what}")
                if pump is None:
                    self.changed.wait(left)
            if pump is not None:
                pump()

    def close(self) -> None:
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()


def cpu_seconds(box) -> dict:
    """CPU time so far of the supervisor and of Asterisk, read inside the box."""
    out = box.exec("python3", "-c", (
        "import json, psutil\n"
        "out = {}\n"
        "for p in psutil.process_iter(['cmdline', 'name']):\n"
        "    cmd = p.info['cmdline'] or []\n"
        "    key = 'supervisor' if cmd[1:4] == ['-m', 'appliance', 'run'] else "
        "'asterisk' if p.info['name'] == 'asterisk' else None\n"
        "    if key:\n"
        "        t = p.cpu_times()\n"
        "        out[key] = out.get(key, 0) + t.user + t.system\n"
        "print(json.dumps(out))"))
    return json.loads(out.strip().splitlines()[-1])


class CpuWindow:
    def __init__(self, box):
        self.box = box
        self.start, self.at = cpu_seconds(box), time.monotonic()

    def share(self) -> dict:
        end, wall = cpu_seconds(self.box), time.monotonic() - self.at
        return {k: (end[k] - self.start.get(k, 0)) / wall for k in end}


def spread(values: list[float]) -> dict:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]
    return {"p50": statistics.median(ordered), "p95": p95, "max": ordered[-1], "n": len(ordered)}


def _rest(stack, seconds: float) -> None:
    """Let time pass while the sample phones keep answering the box."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        stack.ep.libHandleEvents(50)


def _sipp(args: list[str], workdir: Path, started: list) -> subprocess.Popen:
    proc = subprocess.Popen(["sipp", *args, "-nostdin", "-trace_err", "-error_file", str(workdir / "sipp-errors.log")],
                            cwd=workdir, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    started.append(proc)
    return proc


def measure(box, api, secrets: dict[str, str], stack, workdir: Path) -> dict:
    """Set up the floor, measure, and take down what was started here (the box is the caller's)."""
    started: list[subprocess.Popen] = []
    streams: list[EventStream] = []
    provider_ip = box.host_ip.rsplit(".", 1)[0] + ".4"
    dev = box.state()["host_if"]
    subprocess.run(["ip", "addr", "add", f"{provider_ip}/24", "dev", dev], check=True)
    try:
        return _measure(box, api, secrets, stack, workdir, provider_ip, started, streams)
    finally:
        for s in streams:
            s.close()
        for proc in started:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        subprocess.run(["ip", "addr", "del", f"{provider_ip}/24", "dev", dev], check=False)


def _measure(box, api, secrets, stack, workdir, provider_ip, started, streams) -> dict:
    numbers = sorted(secrets, key=int)
    assert len(numbers) == QUEUES * PER_QUEUE, len(numbers)
    queues = [str(5000 + q) for q in range(QUEUES)]
    members = {queues[q]: numbers[q * PER_QUEUE:(q + 1) * PER_QUEUE] for q in range(QUEUES)}
    samples = {queues[q]: members[queues[q]][0] for q in range(SAMPLE_AGENTS)}  # queue -> sample agent

    setup_started = time.monotonic()
    r = api.post("/trunks", {"name": "Provider", "host": provider_ip, "port": PROVIDER_PORT})
    assert r.status == 201, r
    for q, number in enumerate(queues):
        r = api.post("/queues", {"number": number, "name": f"Floor {q + 1}", "strategy": "ringall",
                                 "members": [{"extension": n} for n in members[number]]})
        assert r.status == 201, r
        r = api.post("/inbound-routes", {"name": f"Floor {q + 1}", "cid": f"_1{q:02d}XX",
                                         "destination": {"kind": "queue", "target": number}})
        assert r.status == 201, r
    r = api.post("/extensions", {"number": SAMPLE_CALLER, "name": "Bench caller"})
    assert r.status == 201, r
    caller = stack.phone(SAMPLE_CALLER, r.json["secret"], box.sip).register()
    setup_seconds = time.monotonic() - setup_started

    # Desk phones: SIPp registers them all, then answers for them on the same port.
    desk = [n for n in numbers if n not in samples.values()]
    users = workdir / "phones.csv"
    users.write_text("SEQUENTIAL\n" + "".join(f"{n};[authentication username={n} password={secrets[n]}];\n" for n in desk))
    reg = _sipp([box.box_ip + ":5060", "-sf", str(SIPP / "register.xml"), "-inf", str(users), "-i", box.host_ip,
                 "-p", str(PHONES_PORT), "-m", str(len(desk)), "-l", "100", "-r", "200"], workdir, started)
    if reg.wait(timeout=120) != 0:
        raise RuntimeError(f"desk phones did not all register: {reg.stderr.read().decode()[-2000:]}")
    _sipp(["-sf", str(SIPP / "desk-phones.xml"), "-i", box.host_ip, "-p", str(PHONES_PORT)], workdir, started)
    agents = {n: stack.phone(n, secrets[n], box.sip).register() for n in samples.values()}
    box.wait_health(lambda h: h.get("phones_registered", 0) >= len(numbers) + 1, 60, "every phone registered")

    for n in numbers:
        assert api.post(f"/agents/{n}/pause", {"reason": None}).status == 200

    own = EventStream(box.url, api.token)
    streams.append(own)
    streams.extend(EventStream(box.url, api.token, keep=False) for _ in range(WALLBOARDS))

    callers = workdir / "callers.csv"
    callers.write_text("SEQUENTIAL\n" + "".join(f"1{q:02d}{i:02d};\n" for q in range(QUEUES)
                                               for i in range(CALLERS_PER_QUEUE)))
    waiting = QUEUES * CALLERS_PER_QUEUE
    _sipp([box.box_ip + ":5060", "-sf", str(REPO / "tests" / "integration" / "sipp" / "caller.xml"),
           "-inf", str(callers), "-s", "5000", "-i", provider_ip, "-p", str(PROVIDER_PORT), "-mp", "16000",
           "-m", str(waiting), "-l", str(waiting), "-r", "50", "-timeout", "900"], workdir, started)
    deadline = time.monotonic() + 90
    while sum(len(api.get(f"/queues/{q}/live").json["callers"]) for q in queues) < waiting:
        assert time.monotonic() < deadline, "the callers did not all reach their queues"
        time.sleep(0.5)

    idle = CpuWindow(box)
    _rest(stack, 10)  # the floor at rest: 200 callers on hold, everyone paused
    at_rest = idle.share()

    def pump():
        stack.ep.libHandleEvents(1)

    busy = CpuWindow(box)
    wallboard, wallboard_box = [], []
    for i in range(WALLBOARD_SAMPLES):
        queue = queues[SAMPLE_AGENTS + i % (QUEUES - SAMPLE_AGENTS)]
        _rest(stack, 0.5)  # apart: the last sample's hang-up is not this one's coalescing window
        mark = own.mark()
        t0 = time.time()
        call = caller.call(queue)
        arrived, live = own.wait(mark, lambda t, d: t == "queue_live" and d["queue"] == queue and any(
            c["number"] == SAMPLE_CALLER for c in d["callers"]), 10, f"the caller in {queue}'s wallboard", pump)
        wallboard.append(arrived - t0)
        joined = next(c["joined"] for c in live["callers"] if c["number"] == SAMPLE_CALLER)
        wallboard_box.append(arrived - joined)
        mark = own.mark()
        call.hangup_call()
        own.wait(mark, lambda t, d: t == "queue_live" and d["queue"] == queue and not any(
            c["number"] == SAMPLE_CALLER for c in d["callers"]), 10, f"the caller gone from {queue}", pump)

    pops = []
    for _ in range(POP_ROUNDS):
        for queue, agent in samples.items():
            phone = agents[agent]
            mark = own.mark()
            assert api.post(f"/agents/{agent}/unpause").status == 200
            ringing = stack.wait(phone.take_incoming, 10, f"{agent}'s phone to ring", step_ms=1)
            arrived, _ = own.wait(mark, lambda t, d: t == "screenpop" and d["agent"] == agent, 10,
                                  f"{agent}'s screen pop", pump)
            pops.append(arrived - ringing.arrived)
            assert api.post(f"/agents/{agent}/pause", {"reason": None}).status == 200
            busy_here = pj.CallOpParam()
            busy_here.statusCode = 486
            ringing.hangup(busy_here)
            stack.wait(lambda: ringing.state == pj.PJSIP_INV_STATE_DISCONNECTED, 10, "the call turned away")
    sampling = busy.share()
    health = box.health()
    return {
        "setup_seconds": setup_seconds, "waiting": waiting, "agents": len(numbers),
        "wallboard": spread(wallboard), "wallboard_box": spread(wallboard_box), "screenpop": spread(pops),
        "cpu_at_rest": at_rest, "cpu_sampling": sampling, "rss": health["supervisor_rss"],
        "registered": health.get("phones_registered"),
    }


def markdown(r: dict) -> str:
    def ms(x: float) -> str:
        return f"{x * 1000:.0f} ms"

    def cpu(window: dict) -> str:
        return f"supervisor {window.get('supervisor', 0) * 100:.0f} %, Asterisk {window.get('asterisk', 0) * 100:.0f} %"

    w, wb, p = r["wallboard"], r["wallboard_box"], r["screenpop"]
    return f"""
## The call-center floor

{r["agents"]} agents logged in (and paused) across {QUEUES} queues, {r["waiting"]} callers waiting
on hold, {WALLBOARDS} wallboards' event streams open; {r["registered"]} phones registered.

| What | Figure | Target |
|---|---|---|
| Wallboard delay: the supervisor learns a caller joined a queue until the wallboard's event lists them ({wb["n"]} calls) | p50 {ms(wb["p50"])}, p95 {ms(wb["p95"])}, max {ms(wb["max"])} | |
| The same from the caller's phone starting the call (SIP, answer, dial plan, queue-enter AGI, Queue(), then the above) | p50 {ms(w["p50"])}, p95 {ms(w["p95"])}, max {ms(w["max"])} | |
| Screen-pop delay: the agent's phone starts ringing until the screen pop reaches the browser's stream ({p["n"]} rings) | p50 {ms(p["p50"])}, p95 {ms(p["p95"])}, max {ms(p["max"])} | p95 under 300 ms |
| CPU (share of one core) with the floor at rest | {cpu(r["cpu_at_rest"])} | |
| CPU while the samples above ran | {cpu(r["cpu_sampling"])} | |
| Supervisor resident memory with all of the above (and having held the 800 streams of the first table) | {r["rss"] / 2**20:.1f} MiB | |

Notes
- Setting up the floor through the API ({QUEUES} queues, {QUEUES} inbound routes, each applied
  and verified before the next call returns) took {r["setup_seconds"]:.0f} s.
- Wallboard: the first figure runs from the moment the supervisor handled Asterisk's
  QueueCallerJoin (the `joined` time each waiting caller carries) to the queue_live event
  arriving at the bench's stream; the second from the bench phone starting its call. The
  samples are half a second apart: a queue's first change goes out at once, and changes
  that follow within 0.2 s of a snapshot wait for the next one (so at most 0.2 s more on a
  busy floor, however busy).
- The screen-pop delay runs from the INVITE reaching the agent's pjsua2 phone to the
  screenpop event (the caller's record and last calls) arriving at an admin's event stream;
  a negative value means the page knew before the phone rang.
- The desk phones other than the samples are one SIPp process, registered with their own
  credentials, answering keep-alives; callers are SIPp on a provider trunk hearing music on hold.
"""
