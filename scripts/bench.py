#!/usr/bin/env python3
"""make bench: measure the box and write BENCHMARKS.md.

Each figure is measured on a fresh dev box in its own network namespace, with
references taken in the same run on the same box where one exists:
- full apply of 800 extensions (one bulk change: render, swap, reload,
  verify) against Asterisk's own reload of the same three files;
- one new extension, the 800th: from the API call to a phone registered with it;
- the supervisor's resident memory with 800 extensions, against a bare Python
  that imports the same libraries.
Benchmarks are not tests: nothing here fails on a slow machine; the targets
are printed beside the figures.
"""

from __future__ import annotations

import json
import os
import platform
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.api import Api  # noqa: E402
from tests.integration.conftest import ADMIN_PASSWORD, box_cli, start_box  # noqa: E402
from tests.phones import SipStack  # noqa: E402

N = 800
SINGLE_RUNS = 5


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
        rows = [{"number": str(7001 + i), "name": f"Agent {i + 1}"} for i in range(N)]

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
            r = api.post("/extensions", {"number": last, "name": "Agent 800"})
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

Notes
- "Full apply" includes validating the {N} rows, one database transaction, rendering every
  file, writing and swapping a config generation, reloading app_voicemail, pbx_config and
  res_pjsip, and reading back {N} endpoints, {N} mailboxes and the dial plan's fingerprint
  over AMI. The reference is only Asterisk's three reloads.
- The {N}th extension is deleted and created again for each sample, so every sample applies
  into a box holding {N} extensions.
"""
    (REPO / "BENCHMARKS.md").write_text(doc)
    print(doc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
