#!/usr/bin/env python3
"""make bench: measure the box and write BENCHMARKS.md.

Each figure is measured on a fresh dev box in its own network namespace, with
references taken in the same run on the same box where one exists:
- full apply of 800 extensions (one bulk change: render, swap, reload,
  verify) against Asterisk's own reload of the same three files;
- one new extension, the 800th: from the API call to a phone registered with it;
- the supervisor's resident memory with 800 extensions, against a bare Python
  that imports the same libraries;
then the call-center floor (bench_floor.py), the switchboard (bench_switchboard.py:
a 64-party conference against bare ConfBridge, feature-code call setup against a
plain call), the disk image (bench_image.py), the reports store (bench_reports.py, with Asterisk's CPU at
200 calls with call records on and off: bench_records_cpu.py), an SMS
broadcast of 10,000 messages (bench_sms.py), 100,000 tickets (bench_tickets.py), the DAHDI
configuration of 32 E1 spans against one (bench_dahdi.py: render and apply, no card), a PRI
call over the looped software spans against a SIP call and span alarms against their 2 s target
(bench_spans.py, in qemu), on a fresh
box of its own, call capacity against bare Asterisk (bench_capacity.py) and, on
boxes of their own, headquarters with 20 branches (bench_sites.py: enrolling at once, calls
through the tunnel against calls at headquarters, headquarters' supervisor with and without sites).
Benchmarks are not tests: nothing here fails on a slow machine; the targets
are printed beside the figures.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.api import Api  # noqa: E402
from tests.integration.conftest import ADMIN_PASSWORD, box_cli, start_box  # noqa: E402
from tests.phones import SipStack  # noqa: E402

import bench_capacity  # noqa: E402
import bench_dahdi  # noqa: E402
import bench_floor  # noqa: E402
import bench_image  # noqa: E402
import bench_records_cpu  # noqa: E402
import bench_reports  # noqa: E402
import bench_sites  # noqa: E402
import bench_sms  # noqa: E402
import bench_spans  # noqa: E402
import bench_switchboard  # noqa: E402
import bench_tickets  # noqa: E402
import bench_webphone  # noqa: E402

N = 800
SINGLE_RUNS = 5
STREAMS = 800


def in_box(box, script: str) -> str:
    return box.exec("sh", "-c", script)


def asterisk_reload_seconds(box) -> float:
    """Asterisk re-reading the same pjsip.conf, voicemail.conf and extensions.conf."""
    out = in_box(box, """
        cd /etc/asterisk/
        touch pjsip.conf voicemail.conf extensions.conf
        start=$(date +%s%N)
        asterisk -rx 'module reload app_voicemail.so' >/dev/null
        asterisk -rx 'module reload pbx_config.so' >/dev/null
        asterisk -rx 'module reload res_pjsip.so' >/dev/null
        end=$(date +%s%N)
        echo $(( (end - start) / 1000 ))
    """)
    return int(out.strip().splitlines()[-1]) / 1e6


def bare_python_rss(box) -> int:
    out = box.exec("python3", "-c", (
        "from gevent import monkey; monkey.patch_all()\n"
        "import bottle, peewee, psutil, marshmallow, gevent.pywsgi\n"
        "print(psutil.Process().memory_info().rss)"))
    return int(out.strip())


def timed_get(api, path: str, runs: int = 7) -> float:
    """Median time of a GET as the client sees it over the box's veth (server time plus a loopback hop)."""
    times = []
    for _ in range(runs):
        started = time.monotonic()
        r = api.get(path)
        times.append(time.monotonic() - started)
        assert r.status == 200, r
    return statistics.median(times)


async def _stream(host: str, port: int, token: str, arrivals: dict, ready: asyncio.Event, opened: list):
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(f"GET /api/v1/events HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
                 f"Accept: text/event-stream\r\n\r\n".encode())
    await writer.drain()
    opened.append(1)
    event = {}
    try:
        while True:
            line = await reader.readline()
            if not line:
                return
            line = line.decode().rstrip("\r\n")
            if line.startswith("data:") and event.get("event") == "health":
                at = json.loads(line[5:])["at"]
                arrivals.setdefault(event["id"], []).append(time.time() - at)
            elif line.startswith("id:"):
                event = {"id": int(line[3:])}
            elif line.startswith("event:"):
                event["event"] = line[6:].strip()
    finally:
        writer.close()


def sse_fanout(box, token: str, streams: int) -> dict:
    """Hold `streams` event streams open; time one health event's arrival at every one of them."""
    host, port = box.url.split("//")[1].split(":")

    async def run():
        arrivals: dict = {}
        opened: list = []
        ready = asyncio.Event()
        tasks = [asyncio.create_task(_stream(host, int(port), token, arrivals, ready, opened))
                 for _ in range(streams)]
        while len(opened) < streams:
            await asyncio.sleep(0.05)
        deadline = time.monotonic() + 30
        # The first health event every stream saw from its start, after all were connected.
        first = None
        while time.monotonic() < deadline:
            await asyncio.sleep(0.1)
            complete = [i for i, delays in arrivals.items() if len(delays) == streams]
            if complete:
                first = min(complete)
                break
        rss = box.health()["supervisor_rss"]
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if first is None:
            raise RuntimeError(f"no health event reached all {streams} streams: {[len(v) for v in arrivals.values()]}")
        delays = sorted(arrivals[first])
        return {"p50": delays[len(delays) // 2], "p95": delays[int(len(delays) * 0.95) - 1], "max": delays[-1],
                "rss": rss}

    return asyncio.run(run())


def machine() -> str:
    model = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    mem = int(Path("/proc/meminfo").read_text().split()[1]) // 1024 // 1024
    return f"{os.cpu_count()} cores ({model}), {mem} GiB, Linux {platform.release()}"


def main() -> int:
    name = f"bench-{secrets.token_hex(3)}"
    box = start_box(name)
    stack = None
    try:
        api = Api(box.url).sign_in(ADMIN_PASSWORD)
        tag = secrets.token_hex(4)
        passwords = {str(7001 + i): f"bench-{tag}-{i:04d}" for i in range(N)}
        rows = [{"number": n, "name": f"Agent {i + 1}", "secret": pw} for i, (n, pw) in enumerate(passwords.items())]

        started = time.monotonic()
        r = api.post("/extensions/bulk", {"extensions": rows}, timeout=120)
        full_apply = time.monotonic() - started
        assert r.status == 201 and r.headers["Callbox-Applied"] == "true", r
        server_round = box.health()["config"]["last_apply"]["seconds"]
        reference = statistics.median(asterisk_reload_seconds(box) for _ in range(3))

        stack = SipStack(box.host_ip, Path(tempfile.mkdtemp(prefix="bench-sip-")))
        last = str(7000 + N)
        api_times, reg_times = [], []
        for _ in range(SINGLE_RUNS):
            assert api.delete(f"/extensions/{last}").status == 204
            started = time.monotonic()
            r = api.post("/extensions", {"number": last, "name": f"Agent {N}", "secret": passwords[last]})
            api_times.append(time.monotonic() - started)
            assert r.status == 201 and r.headers["Callbox-Applied"] == "true", r
            phone = stack.phone(last, r.json["secret"], box.sip).register(wait=False)
            phone.wait_registered(timeout=10)
            reg_times.append(time.monotonic() - started)
            phone.close()
        health = box.health()
        assert health["phones_configured"] == N, health
        rss = health["supervisor_rss"]
        bare = bare_python_rss(box)
        list_api = timed_get(api, f"/extensions?per_page={N}")
        list_small = timed_get(api, "/extensions?per_page=50")
        sse = sse_fanout(box, api.token, STREAMS)
        stack.close()  # pjsua2 has room for 8 transports: the floor's phones need theirs
        stack = SipStack(box.host_ip, Path(tempfile.mkdtemp(prefix="bench-floor-")))
        floor = bench_floor.measure(box, api, passwords, stack, stack.workdir)
        stack.close()
        stack = SipStack(box.host_ip, Path(tempfile.mkdtemp(prefix="bench-switchboard-")))
        setup = bench_switchboard.setup_times(box, api, stack)
        conference = bench_switchboard.conference(box, api, stack.workdir)
        stack.close()
        stack = SipStack(box.host_ip, Path(tempfile.mkdtemp(prefix="bench-webphone-")))
        webphone = bench_webphone.measure(box, api, stack, stack.workdir)
        sms = bench_sms.measure(box, api)
        records_cpu = bench_records_cpu.measure(box, api, Path(tempfile.mkdtemp(prefix="bench-records-")))
    finally:
        if stack is not None:
            stack.close()
        box_cli("down", name, "--purge", check=False)

    def ms(x: float) -> str:
        return f"{x * 1000:.0f} ms"

    med_reg = statistics.median(reg_times)
    doc = f"""# Benchmarks

Written by `make bench` ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}) on {machine()}.
Machines here are shared and noisy: compare the ratios more than the absolute times.

Method: one fresh dev box (real Asterisk 22 in its own namespaces); the client
(HTTP API and a pjsua2 phone) runs on the host, across the box's veth pair.
References are measured in the same run, on the same box.

| What | Figure | Reference (same run) | Ratio | Target |
|---|---|---|---|---|
| Full apply of {N} extensions (one bulk API call until Asterisk runs and has been verified to run them) | {ms(full_apply)} (applier round: {server_round * 1000:.0f} ms) | Asterisk's own reload of the same pjsip.conf, voicemail.conf, extensions.conf: {ms(reference)} | {full_apply / reference:.2f} x | under 3 s |
| New extension, the {N}th: API call until it is live (median of {SINGLE_RUNS}) | {ms(statistics.median(api_times))} (min {ms(min(api_times))}, max {ms(max(api_times))}) | | | under 1 s |
| New extension, the {N}th: API call until a phone has registered with it (median of {SINGLE_RUNS}) | {ms(med_reg)} (min {ms(min(reg_times))}, max {ms(max(reg_times))}) | | | under 1 s |
| Supervisor resident memory with {N} extensions | {rss / 2**20:.1f} MiB | bare Python 3 importing the same libraries: {bare / 2**20:.1f} MiB | {rss / bare:.2f} x | under 100 MB |
| Extension list, {N} rows in one page (GET /api/v1/extensions?per_page={N}, median of 7) | {ms(list_api)} | the same list, 50 rows: {ms(list_small)} | {list_api / list_small:.2f} x | under 300 ms |
| {STREAMS} live event streams open: one dashboard event reaching all of them | p50 {ms(sse["p50"])}, p95 {ms(sse["p95"])}, max {ms(sse["max"])} | | | p95 under 1 s |
| Supervisor resident memory with {STREAMS} event streams open | {sse["rss"] / 2**20:.1f} MiB | with none: {rss / 2**20:.1f} MiB | {sse["rss"] / rss:.2f} x | |

Notes
- "Full apply" includes validating the {N} rows, one database transaction, rendering every
  file, writing and swapping a config generation, reloading app_voicemail, pbx_config and
  res_pjsip, and reading back {N} endpoints, {N} mailboxes and the dial plan's fingerprint
  over AMI. The reference is only Asterisk's three reloads.
- The {N}th extension is deleted and created again for each sample, so every sample applies
  into a box holding {N} extensions.
- The extension list is the call the extensions page makes for its rows (the page itself is
  a static shell); timed by the client over the box's veth, so it includes one local hop.
- Event streams: {STREAMS} connections to /api/v1/events from one asyncio client on the host;
  the delay is from the event's creation on the box to its arrival at each connection
  (same machine, same clock), for the first health event after all were connected.
"""
    doc += bench_floor.markdown(floor)
    doc += bench_switchboard.markdown(conference, setup)
    doc += bench_webphone.markdown(webphone)
    doc += bench_image.markdown()
    doc += bench_reports.markdown(bench_reports.measure(calls=records_cpu))
    doc += bench_sms.markdown(sms)
    doc += bench_tickets.markdown(bench_tickets.measure())
    doc += bench_dahdi.markdown(bench_dahdi.measure())
    doc += bench_spans.markdown()
    doc += bench_capacity.markdown(bench_capacity.run())
    doc += bench_sites.markdown(bench_sites.measure())
    (REPO / "BENCHMARKS.md").write_text(doc)
    print(doc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
