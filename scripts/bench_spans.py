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
both alike; the ratio is the figure to read.

Then, in the same boot, span alarms against their 2 s target: span B's "card" pulled and put back
a few times (the system test's PULL and PLUG), each time timed from the kernel's alarm (span A's
RED in /proc/dahdi, span B gone) to the box's span_alarms event, as the box stamps it and as it
arrives at a client of the event stream on the host (what a page shows). No reference: the
target is the figure. `markdown()` is what bench.py adds to BENCHMARKS.md; run alone, this
prints it.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))

from tests.system.conftest import BOOT, BootedVm  # noqa: E402
# The system test's PRI loop (software spans, routes, two extensions): the bench times calls over it.
# And its card pulled and put back, with the guest's clock read against the host's.
from tests.system.test_image import (PLUG, PULL, _guest_clock_offset, _looped_pri, _pri_up,  # noqa: E402
                                     _software_spans, _span_phones, _wait)

PASSWORD = "Bench-Admin-Pass-77"
ROUNDS = 15
ALARM_ROUNDS = 10
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


class AlarmListener:
    """The box's event stream on the host: each span_alarms event with the host's clock at its arrival."""

    def __init__(self, api):
        self.events: list[tuple[float, dict]] = []
        self.changed = threading.Condition()
        request = urllib.request.Request(api.base + "/events", headers={"Authorization": f"Bearer {api.token}"})
        self.response = api.opener.open(request, timeout=120)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        try:
            for raw in self.response:
                line = raw.decode().rstrip("\n")
                if line.startswith("data: "):
                    data = json.loads(line[6:])
                    if data.get("topic") == "span_alarms":
                        with self.changed:
                            self.events.append((time.time(), data))
                            self.changed.notify_all()
        except (OSError, ValueError, AttributeError):  # closed under it (close(), the bench's end)
            pass

    def first(self, since: float, span: int, word: str, timeout: float = 30) -> tuple[float, float]:
        """(arrived, stamped): the first event after `since` (host clock) with `word` in the span's alarms."""
        def found():
            return next(((arrived, data["at"]) for arrived, data in self.events if arrived >= since
                         and any(s["span"] == span and word in s["alarms"] for s in data["spans"])), None)
        with self.changed:
            assert self.changed.wait_for(found, timeout), f"no {word} on span {span} in the event stream"
            return found()

    def close(self) -> None:
        self.response.close()


def one_pull(vm, api, listener: AlarmListener) -> dict:
    """Span B's card pulled, then put back; the seconds from the kernel's alarms to the box's events."""
    offset, uncertainty = _guest_clock_offset(vm)
    since = time.time()
    status, text = vm.sh(PULL, timeout=60)
    assert status == 0, text
    guest = {line.split()[0]: float(line.split()[1]) - offset for line in text.splitlines()}
    red_arrived, red_stamped = listener.first(since, 1, "RED")
    gone_arrived, gone_stamped = listener.first(since, 2, "MISSING")
    code, said = vm.sh(PLUG, timeout=60)
    assert code == 0, said
    _wait(lambda: not any(s["alarms"] for s in _software_spans(api)), 120, "the spans clear again", step=1)
    _pri_up(vm, 120)
    # The kernel's alarm at its earliest: span A's RED after the last look that did not see it
    # began; span B gone a second after its unassign began (DAHDI waits 1 s for user space to read
    # the channels' REMOVED events). The box's part is at most the time from there.
    return {"red stamped": red_stamped - offset - guest["before"] + uncertainty,
            "red arrived": red_arrived - guest["before"] + uncertainty,
            "gone stamped": gone_stamped - offset - guest["cut"] - 1.0 + uncertainty,
            "gone arrived": gone_arrived - guest["cut"] - 1.0 + uncertainty,
            "cut to red arrived": red_arrived - guest["cut"]}


def measure(disk: str, rounds: int = ROUNDS, alarm_rounds: int = ALARM_ROUNDS) -> dict:
    from tests.phones import SipStack

    load = os.getloadavg()[0]
    work = Path(tempfile.mkdtemp(prefix="bench-spans-"))
    vm = BootedVm(Path(disk), work, size="4G", shell=True)  # the shell pulls the card
    stack = None
    try:
        vm.start()
        # The box's web UI is HTTPS (port 80 only sends browsers there): the API the same way.
        vm.wait_good("A", BOOT)
        api = vm.api().sign_in(PASSWORD)
        secrets = _looped_pri(api)["secrets"]
        stack = SipStack("127.0.0.1", work)
        caller, callee = _span_phones(stack, vm, secrets, timeout=30)
        one_call(caller, callee, "8102", api)  # warm: the first call loads prompts and codecs
        one_call(caller, callee, DID, api)
        sip, pri = [], []
        for _ in range(rounds):
            sip.append(one_call(caller, callee, "8102", api))
            pri.append(one_call(caller, callee, DID, api))
        listener = AlarmListener(api)
        try:
            pulls = [one_pull(vm, api, listener) for _ in range(alarm_rounds)]
        finally:
            listener.close()
        return {"accel": vm.accel, "cpus": vm.cpus, "sip": sip, "pri": pri, "pulls": pulls, "load": load}
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
    alarm_rows = []
    for key, what in (("red", "span A's RED (its far end gone)"), ("gone", "span B gone (its card pulled)")):
        for part, when in (("stamped", "the box's event"), ("arrived", "the event at the host's client")):
            values = [p[f"{key} {part}"] * 1000 for p in run["pulls"]]
            alarm_rows.append(f"| {what}: the kernel's alarm to {when}, at most | {statistics.median(values):.0f} ms | "
                              f"{_p95(values):.0f} ms | {max(values):.0f} ms |")
    cut = [p["cut to red arrived"] * 1000 for p in run["pulls"]]
    alarm_rows.append(f"| The card pulled to span A's RED at the host's client | {statistics.median(cut):.0f} ms | "
                      f"{_p95(cut):.0f} ms | {max(cut):.0f} ms |")
    alarms = "\n".join(alarm_rows)
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

This run: load average {run['load']:.1f} on the host's {os.cpu_count()} cores when it began. Under emulation on
a busy machine the absolute times grow (four-fold at a load of about 10 in an earlier run); the
ratio holds.

### Span alarms (target: on the pages within 2 s)

Method: the same boot, after the calls; {len(run['pulls'])} rounds, each span B's "card" pulled with the
PRI up (DAHDI's sysfs unassign_span, what a card's driver going does to its spans) and put back
once the box has seen both alarms, the next round once the PRI is up again. The guest's clock is
read against the host's before each pull (the uncertainty, half the best round trip, is added).
The kernel's alarm is taken at its earliest: span A's RED at the start of the last look at
/proc/dahdi (every 20 ms in the guest) that did not see it, span B's going one second after its
unassign began (DAHDI gives user space that second to read the channels' removal). From there to
the box's span_alarms event as the box stamps it, and to its arrival at a client of
`/api/v1/events` on the host (through qemu's forwarded HTTPS port), the path the Hardware page and
the dashboard take.

| What | Median | p95 | Most |
|---|---|---|---|
{alarms}
"""


if __name__ == "__main__":
    if os.geteuid() != 0:
        sys.exit("bench_spans.py: run as root")
    print(markdown(sys.argv[1] if len(sys.argv) > 1 else None))
