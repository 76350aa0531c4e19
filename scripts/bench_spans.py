#!/usr/bin/env python3
"""PRI call setup across the looped software spans against a SIP call between two phones, for make bench.

Boots the dev disk image in qemu (KVM where it works, else software emulation), turns on the
box's two software spans (DAHDI's dahdi_dynamic_loc: an E1 cable between two ports without a
card), span A the network side of a PRI and span B the customer side, as the system test does.
Two pjsua2 phones register through the forwarded SIP port. Each round, in turn:
- a SIP call: phone 1 dials phone 2's extension;
- a PRI call: phone 1 dials a number whose route leaves through span A; it comes back in on
  span B as a DID that rings phone 2 (two PRI call setups: out on A, in on B).
Setup time: from the phone's INVITE to phone 2 ringing, and to phone 1's call confirmed once phone
2 answers at once. Both kinds run in the same boot, alternating, so the guest's speed falls on
both alike; the ratio is the figure to read. `markdown()` is what bench.py adds to BENCHMARKS.md;
run alone, this prints it.
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))

from tests.system.conftest import BOOT, BootedVm  # noqa: E402
# The system test's PRI loop (software spans, routes, two extensions): the bench times calls over it.
from tests.system.test_image import _looped_pri, _wait  # noqa: E402

PASSWORD = "Bench-Admin-Pass-77"
ROUNDS = 15
DID = "075512345678"


def _spans_in_use(api) -> bool:
    cards = [c for c in api.get("/hardware").json["cards"] if c["profile"] == "software-loop"]
    return any(ch["state"] == "in use" for card in cards for s in card["spans"] for ch in s["channels"])


def one_call(caller, callee, number: str, api) -> tuple[float, float]:
    """(seconds to ringing at the callee, seconds to the caller's call confirmed)."""
    started = time.monotonic()
    call = caller.call(number)
    ringing = callee.wait_incoming(timeout=60)
    rang = time.monotonic() - started
    ringing.answer_call()
    call.wait_confirmed(timeout=60)
    confirmed = time.monotonic() - started
    call.hangup_call()
    ringing.wait_disconnected(timeout=30)
    _wait(lambda: not _spans_in_use(api), 30, "the spans' channels free")
    return rang, confirmed


def measure(disk: str, rounds: int = ROUNDS) -> dict:
    from tests.phones import SipStack
    from tests.system.phones import NatPhone

    work = Path(tempfile.mkdtemp(prefix="bench-spans-"))
    vm = BootedVm(Path(disk), work, size="4G")
    stack = None
    try:
        vm.start()
        # The box's web UI is HTTPS (port 80 only sends browsers there): the API the same way.
        vm.wait_good("A", BOOT)
        api = vm.api().sign_in(PASSWORD)
        secrets = _looped_pri(api)["secrets"]
        stack = SipStack("127.0.0.1", work)
        caller = NatPhone(stack, "8101", secrets["8101"], vm.sip, relay=True)
        callee = NatPhone(stack, "8102", secrets["8102"], vm.sip, relay=True)
        stack.phones += [caller, callee]
        caller.register(timeout=30)
        callee.register(timeout=30)
        one_call(caller, callee, "8102", api)  # warm: the first call loads prompts and codecs
        one_call(caller, callee, DID, api)
        sip, pri = [], []
        for _ in range(rounds):
            sip.append(one_call(caller, callee, "8102", api))
            pri.append(one_call(caller, callee, DID, api))
        return {"accel": vm.accel, "cpus": vm.cpus, "sip": sip, "pri": pri}
    finally:
        if stack is not None:
            stack.close()
        vm.kill()
        shutil.rmtree(work, ignore_errors=True)


def _p95(values: list[float]) -> float:
    return sorted(values)[max(0, round(0.95 * len(values)) - 1)]


def markdown(disk: str | None = None) -> str:
    if disk is None:
        import bench_image

        disk = bench_image.build()[0]["disk"]
    run = measure(disk)
    rows = []
    for i, what in enumerate(("to ringing at the callee", "to the call confirmed at the caller")):
        sip = [r[i] * 1000 for r in run["sip"]]
        pri = [r[i] * 1000 for r in run["pri"]]
        rows.append(f"| Call setup {what}, median | {statistics.median(pri):.0f} ms | "
                    f"{statistics.median(sip):.0f} ms | {statistics.median(pri) / statistics.median(sip):.2f} x |")
        rows.append(f"| Call setup {what}, p95 | {_p95(pri):.0f} ms | {_p95(sip):.0f} ms | "
                    f"{_p95(pri) / _p95(sip):.2f} x |")
    accel = "KVM" if run["accel"] == "kvm" else "software emulation, TCG"
    table = "\n".join(rows)
    return f"""
## E1 call setup (PRI over the looped software spans)

Method: the dev disk image in qemu ({accel}, {run['cpus']} vCPU), DAHDI's two software spans
looped (dahdi_dynamic_loc) as span A, PRI network side, and span B, PRI customer side, set through
the API. Two pjsua2 phones through the forwarded SIP port; {len(run['sip'])} rounds, each a SIP call
from phone 1 to phone 2's extension and a call from phone 1 to {DID}, whose route leaves through
span A and comes back in on span B as a DID ringing phone 2 (a PRI SETUP out and one in, through
chan_dahdi and libpri both ways), alternating in the same boot after one warm-up call of each.
Timed from the phone's INVITE to phone 2's incoming call, and to phone 1's call confirmed (phone 2
answers at once). The reference is the SIP call in the same run.

| What | Through the PRI loop | SIP call, same box (reference) | Ratio |
|---|---|---|---|
{table}
"""


if __name__ == "__main__":
    if os.geteuid() != 0:
        sys.exit("bench_spans.py: run as root")
    print(markdown(sys.argv[1] if len(sys.argv) > 1 else None))
