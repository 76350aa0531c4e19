"""Sites, for make bench: 20 branches enrolling at once, calls through the tunnel, headquarters' load.

Headquarters and 20 branches, each a box in its own network namespace, joined through an
"internet" namespace as in tests/integration/test_sites.py (its helpers): every fourth branch,
starting with branch 2, sits behind a NAT router of its own, the others are on the internet.
- Enrolment: headquarters issues the 20 codes; then the 20 branches are given theirs at once
  (POST /api/v1/enrol, one thread each). From the first enrol POST until every site is "up" at
  headquarters (GET /api/v1/sites: a WireGuard handshake with it), until headquarters' trunk to
  every branch answers its qualify (`trunk_reachable` there) and until every branch's trunk to
  headquarters answers (`trunk_reachable` in the branch's GET /api/v1/enrol).
- Calls: a pjsua2 phone at branch 2 calls a phone at headquarters by its short number (through
  the branch's Asterisk, the tunnel and headquarters' Asterisk), against a call between two phones
  at headquarters, rounds alternating in the same run. Setup from the caller's INVITE to its 180
  and to its 200; then both ends send a tone and, over a fixed window, the packets each end sent
  against those the other received, the loss and jitter pjsua2's stream statistics count.
- Headquarters' supervisor: CPU seconds over a fixed idle window and resident memory, with
  no site (before any code is issued) and with the 20 up and reporting, in the same run.
Run alone (`python3 scripts/bench_sites.py [--branches N] [--write]`) it prints its section and,
with --write, puts it in BENCHMARKS.md in place of the one there.
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from appliance.sites.manager import REPORT_EVERY  # noqa: E402
from tests.api import Api  # noqa: E402
from tests.audio import write_tone  # noqa: E402
from tests.integration.conftest import ADMIN_PASSWORD, box_cli  # noqa: E402
from tests.integration.test_sites import (HQ_PUBLIC, Internet, _settled, _site,  # noqa: E402
                                          _try_start)
from tests.wgpeer import wait_for  # noqa: E402

from bench_floor import _rest, cpu_seconds, spread  # noqa: E402

SECTION = "## Sites"
BRANCHES = 20
STARTING_AT_ONCE = 3  # boxes started together: a few at a time, so none runs into its start timeout
NATTED = 2, 4  # branch 2, 6, 10, ...: behind a NAT router
IDLE_WINDOW = 60.0
ROUNDS = 20
TALK = 5.0  # seconds of audio both ways counted per call
ENROLLED_WITHIN = 600
HQ_CALLER, HQ_CALLED = "8001", "8002"
CALLER_TONE, CALLED_TONE = 700, 1300


def natted(n: int) -> bool:
    return n % NATTED[1] == NATTED[0] % NATTED[1]


def extensions(n: int) -> str:
    first = 2000 + 100 * (n - 1)
    return f"{first}-{first + 99}"


def public_address(n: int) -> str:
    return f"203.0.113.{10 + n}"


class Sites:
    """Headquarters (index 0) and `count` branches on an internet of their own; all torn down by close()."""

    def __init__(self, count: int):
        self.names = [f"bench-{secrets.token_hex(3)}" for _ in range(count + 1)]
        self.boxes: list = []
        self.net: Internet | None = None
        try:
            self._join(count)
        except BaseException:
            self.close()  # the boxes that did start, and the namespaces made so far
            raise

    def _join(self, count: int) -> None:
        with ThreadPoolExecutor(STARTING_AT_ONCE) as pool:
            self.boxes = list(pool.map(_try_start, self.names))
        for b in self.boxes:
            if isinstance(b, Exception):
                raise b
        self.net = Internet()
        self.net.attach(self.boxes[0].state()["netns"], HQ_PUBLIC, 0)
        for n in range(1, count + 1):
            netns = self.boxes[n].state()["netns"]
            if natted(n):
                self.net.attach_behind_nat(netns, public_address(n), f"192.168.{n}", n)
            else:
                self.net.attach(netns, public_address(n), n)

    def close(self) -> None:
        if self.net is not None:
            self.net.close()
        # Every name, started or not: an interrupted start leaves no list of what came up.
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(lambda n: box_cli("down", n, "--purge", check=False), self.names))


def supervisor_at_rest(box, api: Api) -> dict:
    """Headquarters' supervisor over IDLE_WINDOW with nothing asked of it: CPU seconds and memory."""
    wait_for(lambda: _settled(api), 120, "headquarters' configuration applied")
    before = cpu_seconds(box)["supervisor"]
    time.sleep(IDLE_WINDOW)
    return {"cpu": cpu_seconds(box)["supervisor"] - before, "rss": box.health()["supervisor_rss"]}


def enrol_at_once(hq: Api, branches: dict[int, Api]) -> dict:
    """Every branch given its code at the same moment; seconds from the first POST to each milestone."""
    codes = {}
    for n in branches:
        r = hq.post("/sites", {"name": f"Branch {n}", "extensions": extensions(n)})
        assert r.status == 201, r
        codes[n] = (r.json["id"], r.json["code"])
    answered: dict[int, float] = {}
    branch_trunk: dict[int, float] = {}
    failures: list[str] = []
    go = threading.Event()
    began = [0.0]

    def enrol(n: int) -> None:
        go.wait()
        try:
            r = branches[n].post("/enrol", {"code": codes[n][1]}, timeout=ENROLLED_WITHIN)
            if r.status != 200:
                failures.append(f"branch {n}: {r}")
                return
            answered[n] = time.monotonic() - began[0]
            wait_for(lambda: branches[n].get("/enrol").json.get("trunk_reachable"), ENROLLED_WITHIN,
                     f"branch {n}'s trunk to headquarters")
            branch_trunk[n] = time.monotonic() - began[0]
        except Exception as exc:  # noqa: BLE001 - reported below, after the others are done
            failures.append(f"branch {n}: {exc}")

    up: dict[int, float] = {}
    hq_trunk: dict[int, float] = {}
    gap = 0.0  # the longest time between two looks at headquarters' list: the resolution of up and hq_trunk
    with ThreadPoolExecutor(len(branches)) as pool:
        futures = [pool.submit(enrol, n) for n in branches]
        began[0] = time.monotonic()
        go.set()
        now = 0.0
        deadline = began[0] + ENROLLED_WITHIN
        while (len(up) < len(branches) or len(hq_trunk) < len(branches)) and not failures:
            if time.monotonic() > deadline:
                failures.append(f"headquarters after {ENROLLED_WITHIN} s: {len(up)} up, {len(hq_trunk)} trunks")
                break
            sites = {s["id"]: s for s in hq.get("/sites").json["items"]}
            gap = max(gap, time.monotonic() - began[0] - now)
            now = time.monotonic() - began[0]
            for n, (site_id, _code) in codes.items():
                site = sites.get(site_id, {})
                if site.get("state") == "up":
                    up.setdefault(n, now)
                if site.get("trunk_reachable"):
                    hq_trunk.setdefault(n, now)
            time.sleep(0.25)
        for f in futures:
            f.result()
    if failures:
        raise RuntimeError("enrolment failed: " + "; ".join(failures))
    return {"answered": answered, "up": up, "hq_trunk": hq_trunk, "branch_trunk": branch_trunk, "poll_gap": gap}


def _stats(call) -> dict:
    rtcp = call.getStreamStat(0).rtcp
    return {"tx": rtcp.txStat.pkt, "rx": rtcp.rxStat.pkt, "loss": rtcp.rxStat.loss,
            "jitter_mean": rtcp.rxStat.jitterUsec.mean, "jitter_max": rtcp.rxStat.jitterUsec.max}


def _one_call(stack, caller, called, tones: dict) -> dict:
    """caller calls `called`, which answers as it rings; setup times, then TALK seconds of audio both ways."""
    import pjsua2 as pj

    started = time.time()
    call = caller.call(called.number)
    at_called = called.wait_incoming(timeout=20)
    at_called.answer_call()
    call.wait_confirmed(timeout=20)
    stack.wait(lambda: at_called.media_active, 10, "the called phone's audio")
    ringing = call.state_at.get(pj.PJSIP_INV_STATE_EARLY)
    answered = min(call.state_at[s] for s in (pj.PJSIP_INV_STATE_CONNECTING, pj.PJSIP_INV_STATE_CONFIRMED)
                   if s in call.state_at)
    call.play(tones["caller"], loop=True)
    at_called.play(tones["called"], loop=True)
    _rest(stack, 1.0)  # both players running before the window opens
    first = {"caller": _stats(call), "called": _stats(at_called)}
    _rest(stack, TALK)
    last = {"caller": _stats(call), "called": _stats(at_called)}
    call.hangup_call()
    call.wait_disconnected(timeout=15)
    stack.wait(lambda: at_called.state == pj.PJSIP_INV_STATE_DISCONNECTED, 15, "the called phone released")
    _rest(stack, 0.6)  # pjlib frees a closed call's sockets half a second later: calls apart

    def way(src: str, dst: str) -> dict:
        return {"sent": last[src]["tx"] - first[src]["tx"], "received": last[dst]["rx"] - first[dst]["rx"],
                "lost": last[dst]["loss"] - first[dst]["loss"],
                "jitter_mean": last[dst]["jitter_mean"] / 1000, "jitter_max": last[dst]["jitter_max"] / 1000}

    return {"ring": None if ringing is None else ringing - started, "answer": answered - started,
            "forward": way("caller", "called"), "back": way("called", "caller")}


def _reachable(stack, caller, called, timeout: float) -> None:
    """Call until `called` rings: the branch dials headquarters' numbers once its next report has
    brought them and its dial plan has taken them."""
    import pjsua2 as pj

    over = pj.PJSIP_INV_STATE_DISCONNECTED
    deadline = time.monotonic() + timeout
    while True:
        rang = len(called.incoming)
        call = caller.call(called.number)
        stack.wait(lambda: len(called.incoming) > rang or call.state == over, 20, "the trial call to ring or end")
        ringing = called.take_incoming() if len(called.incoming) > rang else None
        call.hangup_call()
        stack.wait(lambda: call.state == over and (ringing is None or ringing.state == over), 15,
                   "the trial call to end")
        if ringing is not None:
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"{caller.number} never reached {called.number}")
        _rest(stack, 2.0)


def calls(sites: Sites, hq: Api, branch: Api, n: int, site_id: int, workdir: Path) -> dict:
    """Rounds of branch n -> headquarters through the tunnel and headquarters -> headquarters, alternating."""
    from tests.phones import SipStack

    hq_box, branch_box = sites.boxes[0], sites.boxes[n]
    branch_number = str(int(extensions(n).split("-")[0]) + 1)
    made = {}
    for api, number in ((hq, HQ_CALLER), (hq, HQ_CALLED), (branch, branch_number)):
        r = api.post("/extensions", {"number": number, "name": f"Bench {number}"})
        assert r.status == 201, r
        made[number] = r.json["secret"]
    for d in ("hq", "branch"):
        (workdir / d).mkdir(parents=True, exist_ok=True)
    stacks = [SipStack(hq_box.host_ip, workdir / "hq"), SipStack(branch_box.host_ip, workdir / "branch")]
    try:
        hq_stack, branch_stack = stacks
        hq_caller = hq_stack.phone(HQ_CALLER, made[HQ_CALLER], f"{hq_box.box_ip}:5060").register()
        called = hq_stack.phone(HQ_CALLED, made[HQ_CALLED], f"{hq_box.box_ip}:5060").register()
        remote = branch_stack.phone(branch_number, made[branch_number], f"{branch_box.box_ip}:5060").register()
        tones = {"caller": write_tone(workdir / "caller.wav", CALLER_TONE, 4.0),
                 "called": write_tone(workdir / "called.wav", CALLED_TONE, 4.0)}
        wait_for(lambda: _site(hq, site_id)["trunk_reachable"] and branch.get("/enrol").json.get("trunk_reachable"),
                 120, "the inter-site trunk answering at both ends")
        _reachable(hq_stack, remote, called, 120)
        _one_call(hq_stack, remote, called, tones)  # warm-up: neither kind pays for first use
        _one_call(hq_stack, hq_caller, called, tones)
        rounds: dict[str, list[dict]] = {"tunnel": [], "direct": []}
        for _ in range(ROUNDS):
            rounds["tunnel"].append(_one_call(hq_stack, remote, called, tones))
            rounds["direct"].append(_one_call(hq_stack, hq_caller, called, tones))
        return rounds
    finally:
        for s in stacks:
            s.close()


def measure(count: int = BRANCHES) -> dict:
    """The whole run on boxes of its own, taken down afterwards however it ends."""
    sites = None
    try:
        began = time.monotonic()
        sites = Sites(count)
        started = time.monotonic() - began
        hq_box = sites.boxes[0]
        hq = Api(hq_box.url).sign_in(ADMIN_PASSWORD)
        r = hq.put("/vpn", {"address": "10.99.0.1/24", "public_address": HQ_PUBLIC})
        assert r.status == 200, r
        branches = {n: Api(sites.boxes[n].url).sign_in(ADMIN_PASSWORD) for n in range(1, count + 1)}
        alone = supervisor_at_rest(hq_box, hq)
        enrolment = enrol_at_once(hq, branches)
        site_ids = {s["name"]: s["id"] for s in hq.get("/sites").json["items"]}
        wait_for(lambda: all(_settled(a) for a in (hq, *branches.values())), 120, "every dial plan applied")
        time.sleep(2 * REPORT_EVERY)  # each branch has reported and has the site list
        with_sites = supervisor_at_rest(hq_box, hq)
        assert all(s["state"] == "up" for s in hq.get("/sites").json["items"]), "a site went down while idle"
        n = NATTED[0] if count >= NATTED[0] else 1
        rounds = calls(sites, hq, branches[n], n, site_ids[f"Branch {n}"],
                       Path(tempfile.mkdtemp(prefix="bench-sites-")))
        return {"branches": count, "natted": [b for b in branches if natted(b)], "boxes_started": started,
                "enrolment": enrolment, "alone": alone, "with_sites": with_sites, "caller_branch": n,
                "caller_natted": natted(n), "rounds": rounds}
    finally:
        if sites is not None:
            sites.close()


def markdown(r: dict) -> str:
    def ms(x: float) -> str:
        return f"{x * 1000:.0f} ms"

    def secs(values: dict) -> str:
        v = list(values.values())
        return f"{max(v):.1f} s (p50 per branch {statistics.median(v):.1f} s)"

    e, count = r["enrolment"], r["branches"]
    branches, sites = (f"{count} branches", f"{count} sites") if count != 1 else ("1 branch", "1 site")
    tunnel, direct = r["rounds"]["tunnel"], r["rounds"]["direct"]
    rows = []
    for key, label in (("ring", "180 Ringing"), ("answer", "200 OK")):
        t = spread([c[key] for c in tunnel if c[key] is not None])
        d = spread([c[key] for c in direct if c[key] is not None])
        rows.append(f"| Call setup: the caller's INVITE until its {label} ({t['n']} calls each) | "
                    f"p50 {ms(t['p50'])}, p95 {ms(t['p95'])} | a call between two phones at headquarters: "
                    f"p50 {ms(d['p50'])}, p95 {ms(d['p95'])} | {t['p50'] / d['p50']:.2f} x |")
    for way, label in (("forward", "caller to called"), ("back", "called to caller")):
        def totals(calls_: list) -> dict:
            sent = sum(c[way]["sent"] for c in calls_)
            received = sum(c[way]["received"] for c in calls_)
            lost = sum(c[way]["lost"] for c in calls_)
            return {"sent": sent, "received": received, "lost": lost,
                    "jitter": statistics.median(c[way]["jitter_mean"] for c in calls_),
                    "jitter_max": max(c[way]["jitter_max"] for c in calls_)}

        t, d = totals(tunnel), totals(direct)
        rows.append(f"| RTP {label}, {TALK:.0f} s per call: packets received / sent, lost | "
                    f"{t['received']} / {t['sent']} ({t['received'] / t['sent']:.3f}), {t['lost']} lost | "
                    f"direct: {d['received']} / {d['sent']} ({d['received'] / d['sent']:.3f}), {d['lost']} lost | "
                    f"{(t['received'] / t['sent']) / (d['received'] / d['sent']):.3f} x |")
        ratio = f"{t['jitter'] / d['jitter']:.2f} x" if d["jitter"] > 0 else "n/a"
        rows.append(f"| RTP {label}: interarrival jitter at the receiving phone, median of the calls' means "
                    f"(worst) | {t['jitter']:.2f} ms ({t['jitter_max']:.1f} ms) | direct: {d['jitter']:.2f} ms "
                    f"({d['jitter_max']:.1f} ms) | {ratio} |")
    rows = "\n".join(rows)
    alone, loaded = r["alone"], r["with_sites"]
    cpu_ratio = f"{loaded['cpu'] / alone['cpu']:.2f} x" if alone["cpu"] > 0 else "n/a"
    natted = r["natted"]
    behind = ("no branch sits" if not natted else f"branch {natted[0]} sits" if len(natted) == 1
              else f"branches {', '.join(str(n) for n in natted)} sit")
    return f"""
{SECTION}

| What | Figure | Reference (same run) | Ratio |
|---|---|---|---|
| {branches} given their codes at once: the first enrol POST until every enrol POST was answered | {secs(e["answered"])} | | |
| ... until every site is "up" at headquarters (a WireGuard handshake, GET /api/v1/sites) | {secs(e["up"])} | | |
| ... until headquarters' trunk to every branch answers its qualify | {secs(e["hq_trunk"])} | | |
| ... until every branch's trunk to headquarters answers its qualify | {secs(e["branch_trunk"])} | | |
{rows}
| Headquarters' supervisor, CPU over {IDLE_WINDOW:.0f} s at rest with {sites} up and reporting | {loaded["cpu"]:.2f} s ({loaded["cpu"] / IDLE_WINDOW * 100:.1f} % of a core) | with no site (same boxes, before the codes): {alone["cpu"]:.2f} s | {cpu_ratio} |
| Headquarters' supervisor, resident memory with {sites} | {loaded["rss"] / 2**20:.1f} MiB | with no site: {alone["rss"] / 2**20:.1f} MiB | {loaded["rss"] / alone["rss"]:.2f} x |

Notes
- {count + 1} dev boxes (real Asterisk 22, WireGuard by wireguard-go), each in its own network
  namespace, on an "internet" namespace (a bridge on 203.0.113.0/24); {behind} behind NAT, each
  with a router of its own (masquerading, letting in only answers), the others on the internet.
  Starting the boxes ({STARTING_AT_ONCE} at a time) took {r["boxes_started"]:.0f} s, not counted.
- Enrolment: headquarters issues the {count} codes first (not timed); one thread per branch posts
  its code at the same moment and then polls its own GET /api/v1/enrol; the bench polls
  headquarters' GET /api/v1/sites every 0.25 s, and while the branches joined the longest time
  between two answers was {e["poll_gap"]:.1f} s: the resolution of the two rows read there. Each enrol POST is the
  branch fetching headquarters' certificate, checking its fingerprint, joining, and its tunnel and
  trunk set up; "up" is headquarters' WireGuard peer having a handshake; the qualifies are each
  Asterisk's OPTIONS to the other end through the tunnel.
- Calls: pjsua2 phones on the host, G.711, 20 ms packets, both ends sending a tone. The
  inter-site caller is at branch {r["caller_branch"]} ({"behind NAT" if r["caller_natted"] else "on the internet"}) and dials headquarters' 8002 by its short
  number: branch Asterisk, the inter-site trunk through the tunnel, headquarters' Asterisk. The
  reference is 8001 at headquarters calling the same 8002, round after round alternately
  ({ROUNDS} rounds each, after one warm-up call of each kind). The called phone answers as soon as
  it rings, so 200 comes one local hop after 180. Packets are counted over the same {TALK:.0f} s
  window at both ends (from each phone's RTCP statistics: sent by one, received and lost by sequence
  gaps at the other); every packet passes one Asterisk (direct) or two and the tunnel (inter-site),
  each of which sends its own stream on to the next leg. End-to-end delay is not given: each
  phone's RTCP ends at its own Asterisk, so pjsua2's round-trip time covers one leg only.
- Supervisor: CPU seconds (user + system) of headquarters' supervisor process over {IDLE_WINDOW:.0f} s with
  nothing asked of it, read from /proc in the box; with sites, each branch reports every
  {REPORT_EVERY:.0f} s over HTTPS. Memory is the supervisor's resident set at the end of each window.
"""


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--branches", type=int, default=BRANCHES, help="branch boxes (each a full box)")
    p.add_argument("--write", action="store_true", help="put the section in BENCHMARKS.md")
    a = p.parse_args()
    result = measure(a.branches)
    from benchdoc import publish

    publish(SECTION.removeprefix("## "), markdown(result), a.write)
    return 0


if __name__ == "__main__":
    sys.exit(main())
