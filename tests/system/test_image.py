"""The dev disk image as a customer's box: boot, phones, updates, refusals, power loss, rollback.

One box boots once for the module and goes through an update's life in
order: first boot, a phone through the forwarded SIP port, bundles it must
refuse, an update installed from the web UI in Chromium that keeps the
configuration and voicemail, the plug pulled while an update is written, an
update whose system never becomes healthy (pushed from a headquarters box
instance to the box enrolled as its branch), and a factory reset.
"""

from __future__ import annotations

import hashlib
import json
import time

import pytest

from tests.api import Api

from .conftest import ADMIN_PASSWORD, BOOT, HEADQUARTERS, admin_page
from vm import VmError  # noqa: E402 - scripts/ is on the path once conftest is imported



def update_status(vm) -> dict:
    return vm.api().sign_in(ADMIN_PASSWORD).get("/system/update").json


def wait_job(api: Api, states: set[str], timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        job = api.get("/system/update").json["job"]
        seen.append(job.get("state"))
        if job.get("state") in states:
            return {**job, "seen": seen}
        time.sleep(0.3)
    raise AssertionError(f"update job never reached {states}; states seen: {seen[-10:]}")


def test_first_boot_answers_on_the_forwarded_web_port(vm):
    line = vm.wait_good("A", BOOT)
    assert "is good" in line
    text = vm.console_text()
    assert "first boot: making the data file system" in text
    assert "making the web UI's TLS certificate" in text
    assert "growing the data partition to the end of the disk" in text
    api = vm.api()
    health = api.get("/health").json
    assert health["status"] == "ok" and health["asterisk"] == "up", health
    # 4 GiB disk: 1 GiB data partition in the image, grown by the 1 GiB the image does not use.
    assert health["disk"]["total"] > 1.6 * 2**30, health["disk"]
    assert health["system"]["slot"] == "A"
    api.sign_in(ADMIN_PASSWORD)
    status = api.get("/system/update").json
    assert status["available"] and status["running"]["slot"] == "A" and status["running"]["confirmed"]
    assert status["other"]["slot"] == "B"


def test_the_web_ui_is_served_over_https_with_the_first_boot_certificate(vm):
    """HTTPS by default: the certificate the box made at first boot is the one served, with HSTS;
    port 80 sends browsers to HTTPS (the path kept, the Host header not reflected), all but a desk
    phone's provisioning, which stays on HTTP."""
    import http.client

    vm.wait_good("A", BOOT)
    api = vm.api()
    shown = api.sign_in(ADMIN_PASSWORD).get("/system/certificate").json
    assert shown["fingerprint"] == vm.fingerprint() and shown["self_signed"], shown
    assert "max-age=" in api.get("/login").headers["Strict-Transport-Security"]
    host, _, port = vm.http.rpartition(":")
    plain = http.client.HTTPConnection(host, int(port), timeout=30)
    plain.request("GET", "/cdr?page=2", headers={"Host": "evil.example"})
    answer = plain.getresponse()
    answer.read()
    assert answer.status == 301, answer.status
    assert answer.getheader("Location") == "https://10.0.2.15/cdr?page=2", answer.getheader("Location")
    plain.request("GET", "/provision/")
    answer = plain.getresponse()
    answer.read()
    assert answer.status != 301 and not answer.getheader("Location")


def test_phone_registers_through_the_forwarded_sip_port_and_reaches_voicemail(vm, tmp_path):
    from tests.phones import SipStack

    from .phones import NatPhone

    api = vm.api().sign_in(ADMIN_PASSWORD)
    r = api.post("/extensions", {"number": "8001", "name": "Front desk"})
    assert r.status == 201, r
    stack = SipStack("127.0.0.1", tmp_path)
    try:
        phone = NatPhone(stack, "8001", r.json["secret"], vm.sip)
        stack.phones.append(phone)
        phone.register(timeout=15)
        deadline = time.monotonic() + 10
        while not api.get("/extensions/8001").json["registration"]:
            assert time.monotonic() < deadline, "the box does not show the registration"
            time.sleep(0.2)
        call = phone.call("*97")
        call.wait_confirmed(timeout=20)
        # The voicemail menu talks: its prompt reaches the phone as RTP.
        stack.wait(lambda: call.rx_packets() > 50, 20, "the voicemail prompt's audio")
        call.hangup_call()
        call.wait_disconnected(timeout=10)
    finally:
        stack.close()


def _span_channels(api) -> dict[int, dict[int, str]]:
    """Each software span's channels and their states, as GET /hardware shows them."""
    cards = [c for c in api.get("/hardware").json["cards"] if c["profile"] == "software-loop"]
    return {s["span"]: {c["channel"]: c["state"] for c in s["channels"]} for card in cards for s in card["spans"]}


@pytest.fixture
def box_logs(vm, request):
    """The box's logs (the supervisor's and Asterisk's) in tests/artifacts after the test."""
    yield
    from .conftest import ARTIFACTS

    try:
        r = vm.api().sign_in(ADMIN_PASSWORD).request("GET", "/system/logs", timeout=60)
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / f"{request.node.name}-logs.tar.gz").write_bytes(r.body)
    except Exception:  # noqa: BLE001 - the box may be gone; the console log is kept anyway
        pass


def _wait_applied(api, timeout: float) -> dict:
    """The box's health once Asterisk is up with every change applied."""
    deadline = time.monotonic() + timeout
    while not ((health := api.get("/health").json)["asterisk"] == "up" and health["config"]["applied"]
               and not health["config"]["pending"]):
        assert time.monotonic() < deadline, health
        time.sleep(0.5)
    return health


def _answered_across_the_spans(api, caller, callee):
    """caller dials the number whose route leaves through span A; the call comes back in on span B,
    rings callee, who answers: both calls, with a channel in use on each span."""
    call = caller.call("075512345678")
    ringing = callee.wait_incoming(timeout=30)
    ringing.answer_call()
    call.wait_confirmed(timeout=30)
    ringing.wait_confirmed(timeout=20)
    states = _span_channels(api)
    assert "in use" in states[1].values() and "in use" in states[2].values(), states
    return call, ringing


def _call_across_the_spans(api, stack, caller, callee, tmp_path, hangs_up: str, tones: bool) -> None:
    """caller dials the number whose route leaves through span A; the call comes back in on span B
    and rings callee. Tones cross both ways; whoever hangs up, both spans' channels are freed."""
    from tests.audio import write_tone

    call, ringing = _answered_across_the_spans(api, caller, callee)
    if tones:
        call.play(write_tone(tmp_path / "a.wav", 697, 5), loop=True)
        ringing.play(write_tone(tmp_path / "b.wav", 1209, 5), loop=True)
        stack.wait(lambda: ringing.listener.heard_tone(697, min_ms=400), 30, "the caller's tone at the callee")
        stack.wait(lambda: call.listener.heard_tone(1209, min_ms=400), 30, "the callee's tone at the caller")
    first, other = (call, ringing) if hangs_up == "caller" else (ringing, call)
    first.hangup_call()
    other.wait_disconnected(timeout=20)
    deadline = time.monotonic() + 20
    while "in use" in {state for span in _span_channels(api).values() for state in span.values()}:
        assert time.monotonic() < deadline, _span_channels(api)
        time.sleep(0.3)


def test_calls_cross_the_looped_software_spans_as_pri(vm, tmp_path, box_logs):
    """DAHDI built for the image's kernel, two software spans looped as an E1 cable would: span A
    the network side of a PRI, span B the customer side, both set through the API without
    restarting Asterisk. A phone's call leaves through span A's route, comes back in on span B as
    a DID and rings another phone; tones cross both ways; the caller hangs up, then in a second
    call the callee. The spans stay a PRI for the tests after this one (MFC/R2 comes last)."""
    api = vm.api().sign_in(ADMIN_PASSWORD)
    r = api.patch("/settings", {"software_spans": True})
    assert r.status == 200 and r.json["software_spans"] is True, r
    hardware = api.get("/hardware").json
    assert hardware["dahdi"] is True, hardware
    card = next(c for c in hardware["cards"] if c["profile"] == "software-loop")
    assert [s["span"] for s in card["spans"]] == [1, 2] and card["driver_loaded"] is True, card
    # The dynamic spans are made before Asterisk (re)starts with them; span changes from here on
    # do not restart it.
    pid = _wait_applied(api, 120)["asterisk_pid"]
    trunks = []
    for name in ("E1 span A", "E1 span B"):
        r = api.post("/trunks", {"name": name, "kind": "dahdi"})
        assert r.status == 201, r
        trunks.append(r.json["id"])
    for span, signalling in ((1, "pri_net"), (2, "pri_cpe")):
        r = api.put(f"/hardware/spans/{span}", {"signalling": signalling, "trunk": trunks[span - 1]})
        assert r.status == 200, r
    health = api.get("/health").json
    assert health["asterisk_pid"] == pid and health["config"]["applied"], health
    assert api.get(f"/trunks/{trunks[0]}").json["channels"] == 30
    # The PRI comes up on both ends of the loop: no alarm on either span.
    deadline = time.monotonic() + 30
    while any(s["alarms"] for s in api.get("/hardware").json["cards"][-1]["spans"]):
        assert time.monotonic() < deadline, api.get("/hardware").json["cards"][-1]["spans"]
        time.sleep(0.5)
    assert api.post("/outbound-routes", {"name": "E1 out", "patterns": [{"pattern": "_0X.", "strip": 0, "prefix": ""}],
                                         "trunks": [trunks[0]]}).status == 201
    secrets = {}
    for number in ("8101", "8102"):
        r = api.post("/extensions", {"number": number, "name": f"E1 desk {number}"})
        assert r.status == 201, r
        secrets[number] = r.json["secret"]
    assert api.post("/inbound-routes", {"name": "E1 in", "did": "075512345678",
                                        "destination": {"kind": "extension", "target": "8102"}}).status == 201
    _two_calls_across_the_spans(vm, api, secrets, trunks, tmp_path)


def _span_phones(stack, vm, secrets: dict, timeout: float = 15) -> tuple:
    """8101 and 8102 of the looped spans registered, each through a relay of its own: a BYE from
    the phone must find its way back into qemu."""
    from .phones import NatPhone

    phones = tuple(NatPhone(stack, n, secrets[n], vm.sip, relay=True) for n in ("8101", "8102"))
    stack.phones += phones
    for phone in phones:
        phone.register(timeout=timeout)
    return phones


def _two_calls_across_the_spans(vm, api, secrets: dict, trunks: list, tmp_path) -> None:
    """8101 calls 8102 across the spans twice: tones both ways and the caller hanging up, then the
    callee hanging up. The records: each call went out on span A's trunk (the first of `trunks`)
    and came in on span B's at its DID, from 8101."""
    from tests.phones import SipStack

    stack = SipStack("127.0.0.1", tmp_path)
    try:
        caller, callee = _span_phones(stack, vm, secrets)
        before = {r["id"] for r in api.get("/cdr?per_page=500").json["items"]}
        _call_across_the_spans(api, stack, caller, callee, tmp_path, hangs_up="caller", tones=True)
        _call_across_the_spans(api, stack, caller, callee, tmp_path, hangs_up="callee", tones=False)
        out = ("outbound", "8101", "075512345678", None, trunks[0], "075512345678")
        back = ("inbound", "8101", "075512345678", "075512345678", trunks[1], "8102")
        _wait(lambda: _records(api, before) == sorted([out, back] * 2, key=repr), 30, "the four call records")
    finally:
        stack.close()


def _records(api, before: set) -> list[tuple]:
    """The answered calls recorded since `before` (the ids then): direction, from, to, DID, trunk
    and who answered."""
    return sorted(((r["direction"], r["from"], r["to"], r["did"], r["trunk"], r["answered_by"])
                   for r in api.get("/cdr?per_page=500").json["items"]
                   if r["id"] not in before and r["outcome"] == "answered"), key=repr)


def _looped_pri(api) -> dict:
    """The looped software spans as a PRI (span A network side, B customer side) on the trunks
    "E1 span A" and "E1 span B", the route out through A and the DID 075512345678 in on B to 8102,
    made or set as needed (another test may have made them). Returns what it changed back to, the
    spans' settings as found, and the extensions' secrets."""
    api.patch("/settings", {"software_spans": True})
    _wait_applied(api, 180)
    trunks = {t["name"]: t["id"] for t in api.get("/trunks").json["items"]}
    for name in ("E1 span A", "E1 span B"):
        if name not in trunks:
            r = api.post("/trunks", {"name": name, "kind": "dahdi"})
            assert r.status == 201, r
            trunks[name] = r.json["id"]
    ids = [trunks["E1 span A"], trunks["E1 span B"]]
    found = {s["span"]: s for s in _software_spans(api)}
    for span, signalling in ((1, "pri_net"), (2, "pri_cpe")):
        r = api.put(f"/hardware/spans/{span}", {"signalling": signalling, "trunk": ids[span - 1]})
        assert r.status == 200, r
    if not any(r["name"] == "E1 out" for r in api.get("/outbound-routes").json["items"]):
        assert api.post("/outbound-routes", {"name": "E1 out", "patterns": [{"pattern": "_0X.", "strip": 0,
                                                                             "prefix": ""}],
                                             "trunks": [ids[0]]}).status == 201
    secrets = {}
    for number in ("8101", "8102"):
        r = api.post("/extensions", {"number": number, "name": f"E1 desk {number}"})
        if r.status != 201:  # made before: a new secret
            r = api.post(f"/extensions/{number}/secret", {})
        assert r.status in (200, 201) and r.json["secret"], r
        secrets[number] = r.json["secret"]
    if not any(r["did"] == "075512345678" for r in api.get("/inbound-routes").json["items"]):
        assert api.post("/inbound-routes", {"name": "E1 in", "did": "075512345678",
                                            "destination": {"kind": "extension", "target": "8102"}}).status == 201
    _wait(lambda: not any(s["alarms"] for s in _software_spans(api)), 30, "the PRI up on both spans")
    return {"trunks": ids, "found": found, "secrets": secrets}


def _pri_up(vm, timeout: float) -> None:
    """Both ends of the looped PRI with their D channel up (again, after chan_dahdi restarted)."""
    _wait(lambda: vm.sh("asterisk -rx 'pri show spans'")[1].count("Up, Active") == 2, timeout, "both PRI spans up",
          step=1)


def _software_spans(api) -> list[dict]:
    return next(c for c in api.get("/hardware").json["cards"] if c["profile"] == "software-loop")["spans"]


def _wait(predicate, timeout: float, what: str, step: float = 0.2):
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        assert time.monotonic() < deadline, f"no {what} after {timeout:.0f} s"
        time.sleep(step)
    return value


# The guest's side of a card pulled (a shell script): its driver unregistering its spans is what
# DAHDI's sysfs unassign_span does for one span (the same kernel function: the span's channels
# get DAHDI_EVENT_REMOVED, a second for user space to read them, then the span goes). Here span
# B's device, dahdi_dynamic_loc's second span, then the two spans of the software ports made after
# it; span A then hears nothing from its far end: its RED alarm is DAHDI's own. (dahdi_dynamic
# sends every span's traffic, an unassigned span's too, on each tick of the span it made last: a
# span unassigned while that one stays would go on talking to its far end.) The script prints the
# guest's clock at the cut, when span B's unassign is done (span B gone), and for span A's RED in
# /proc/dahdi when the last look that did not see it began ("before") and when the look that saw
# it ended: the kernel raised it between the two.
PULL = r"""bash -s <<'END'
# Builtins only while looking (bash's clock, read, and read -t on a pipe that never speaks as a
# 20 ms sleep): under emulation a forked date or sleep takes longer than the look is worth.
exec 9<> <(:)
echo "cut $EPOCHREALTIME"
echo 1 > /sys/bus/dahdi_devices/devices/dynamic:loc:1/unassign_span || exit 1
echo "gone $EPOCHREALTIME"
for n in 2 3; do echo 1 > /sys/bus/dahdi_devices/devices/dynamic:loc:$n/unassign_span || exit 1; done
prev=$EPOCHREALTIME
for ((i = 0; i < 1500; i++)); do
    t=$EPOCHREALTIME
    read -r line < /proc/dahdi/1
    case $line in *RED*) echo "red $EPOCHREALTIME"; echo "before $prev"; exit 0;; esac
    prev=$t
    read -t 0.02 -u 9
done
exit 2
END
"""
# Putting the card back: its driver registers the spans again, bare (sysfs assign_span: each
# device's local span 1, the ports' as DAHDI spans 3 and 4 with channels from 63 and 67, then span
# B's as span 2 with channels from 32: its return is what the box acts on). The box gives them
# their channels. A span DAHDI has already is left as it is.
PLUG = " && ".join(f"{{ test -e /proc/dahdi/{span} || echo 1:{span}:{first} > "
                   f"/sys/bus/dahdi_devices/devices/dynamic:loc:{device}/assign_span; }}"
                   for device, span, first in ((2, 3, 63), (3, 4, 67), (1, 2, 32)))

# Records, in the page, the browser's clock when each awaited text first shows (no reload: the
# event stream changes the page in place).
WATCH = """(wanted) => {
    window.seen = {};
    const look = () => {
        for (const [key, selector, word] of wanted) {
            const node = document.querySelector(selector);
            if (!(key in window.seen) && node && !node.closest('[hidden]') && node.textContent.includes(word))
                window.seen[key] = Date.now();
        }
    };
    new MutationObserver(look).observe(document.body, {subtree: true, childList: true, characterData: true,
                                                       attributes: true});
    look();
}"""


def _guest_clock_offset(vm) -> tuple[float, float]:
    """The guest's wall clock minus the host's, and its uncertainty (half the best round trip)."""
    best = None
    for _ in range(5):
        before = time.time()
        guest = float(vm.sh("date +%s.%N")[1].strip())
        after = time.time()
        if best is None or after - before < best[1] * 2:
            best = (guest - (before + after) / 2, (after - before) / 2)
    return best


def test_a_span_pulled_shows_its_alarms_live_and_its_trunks_go_down_then_back(vm, chromium, box_logs):
    """The looped software spans as a PRI; span B's "card" is pulled (DAHDI unregisters the span,
    as when a card's driver goes) and span A, its cable cut, goes red. The Hardware page and the
    dashboard, open in Chromium, show both alarms through the event stream without a reload, each
    soon after the kernel's (span A: DAHDI's RED in /proc/dahdi; span B: the span gone; the
    figures are printed); both trunks say down. The card put back, the box gives the span its channels again by itself: the
    PRI comes up, both pages say OK, both trunks say up. The spans are left as they were found."""
    from playwright.sync_api import expect

    api = vm.api().sign_in(ADMIN_PASSWORD)
    setup = _looped_pri(api)
    trunks = setup["trunks"]
    figures = {}
    pulled = False
    try:
        with admin_page(chromium, vm.https_url) as hardware:
            dashboard = hardware.context.new_page()
            hardware.goto("/hardware")
            dashboard.goto("/")
            alarm_a = hardware.locator('#span-rows tr[data-span="1"] .span-alarms')
            alarm_b = hardware.locator('#span-rows tr[data-span="2"] .span-alarms')
            expect(alarm_a).to_have_text("OK")
            expect(alarm_b).to_have_text("OK")
            expect(dashboard.locator("#spans-alert")).to_be_hidden()
            hardware.evaluate(WATCH, [["red", '#span-rows tr[data-span="1"] .span-alarms', "RED"],
                                      ["missing", '#span-rows tr[data-span="2"] .span-alarms', "MISSING"]])
            dashboard.evaluate(WATCH, [["red", '#spans-list li[data-span="1"]', "RED"],
                                       ["missing", '#spans-list li[data-span="2"]', "MISSING"]])
            offset, uncertainty = _guest_clock_offset(vm)
            pulled = True
            status, text = vm.sh(PULL, timeout=60)
            assert status == 0, text
            guest = {line.split()[0]: float(line.split()[1]) - offset for line in text.splitlines()}
            expect(alarm_a).to_have_text("RED", timeout=20_000)
            expect(alarm_b).to_have_text("MISSING", timeout=20_000)
            expect(dashboard.locator('#spans-list li[data-span="1"]')).to_contain_text("RED", timeout=20_000)
            expect(dashboard.locator('#spans-list li[data-span="2"]')).to_contain_text("MISSING", timeout=20_000)
            shown = {"hardware": hardware.evaluate("window.seen"), "dashboard": dashboard.evaluate("window.seen")}
            # The kernel's alarm at its earliest: span A's RED after the last look that did not see
            # it began; span B gone a second after the unassign began (dahdi_unassign_span sleeps
            # 1 s when channels are open, for chan_dahdi to read the REMOVED events). Against
            # those, and the guest clock's uncertainty, the box's part is at most:
            for page, seen in shown.items():
                for key, earliest in (("red", guest["before"]), ("missing", guest["cut"] + 1.0)):
                    figures[f"{page} {key}: kernel to page, at most"] = seen[key] / 1000 - earliest + uncertainty
                figures[f"{page} red: cut to page"] = seen["red"] / 1000 - guest["cut"]
            figures["guest: cut to span A red seen"] = guest["red"] - guest["cut"]
            figures["guest: look at span A (s apart)"] = guest["red"] - guest["before"]
            figures["guest: cut to span B gone"] = guest["gone"] - guest["cut"]
            figures["guest clock uncertainty"] = uncertainty
            print("\nspan pulled (s):", json.dumps({k: round(v, 3) for k, v in figures.items()}))
            # The box's target is 2 s. This guest is emulated (TCG) on a machine shared with other
            # work, where the same path measured 2.3 to 2.9 s under a load of 16 on 2 cores: the
            # test holds it to 5 s (a page that only a reload or a slow look would update misses
            # that) and prints the figures; make bench measures them on a quiet machine (BENCHMARKS.md).
            for key, value in figures.items():
                if key.endswith("at most"):
                    assert value < 5.0, (key, figures)
            # The trunks follow the same look at DAHDI the pages do.
            status = {t["id"]: t["status"] for t in api.get("/trunks").json["items"]}
            assert status[trunks[0]] == {"registration": None, "reachable": False, "spans_in_alarm": [1]}, status
            assert status[trunks[1]] == {"registration": None, "reachable": False, "spans_in_alarm": [2]}, status

            code, said = vm.sh(PLUG, timeout=60)
            pulled = False
            assert code == 0, said
            expect(alarm_b).to_have_text("OK", timeout=60_000)
            expect(alarm_a).to_have_text("OK", timeout=60_000)
            expect(dashboard.locator("#spans-alert")).to_be_hidden(timeout=20_000)
            assert hardware.evaluate("typeof window.seen") == "object"  # the same pages: no reload
            assert dashboard.evaluate("typeof window.seen") == "object"
        status = {t["id"]: t["status"]["reachable"] for t in api.get("/trunks").json["items"]}
        assert status[trunks[0]] is True and status[trunks[1]] is True, status
        _pri_up(vm, 60)
    finally:
        _put_back(vm, api, setup, pulled)


def test_a_span_pulled_under_a_pri_call_ends_the_call_and_asterisk_runs_on(vm, tmp_path, box_logs):
    """A PRI call up across the looped spans when span B's "card" is pulled: chan_dahdi (with the
    box's patch) hangs up the call on the span DAHDI removes before destroying its channels, so
    both phones get a BYE and the same Asterisk runs on (without the patch the channel was freed
    under its call and Asterisk went down). The call's record closes; the card put back, the
    PRI comes up again."""
    from tests.phones import SipStack

    api = vm.api().sign_in(ADMIN_PASSWORD)
    setup = _looped_pri(api)
    pid = _wait_applied(api, 300)["asterisk_pid"]
    stack = SipStack("127.0.0.1", tmp_path)
    pulled = False
    try:
        caller, callee = _span_phones(stack, vm, setup["secrets"])
        before = {r["id"] for r in api.get("/cdr?per_page=500").json["items"]}
        call, ringing = _answered_across_the_spans(api, caller, callee)
        pulled = True
        status, text = vm.sh(PULL, timeout=60)
        assert status == 0, text
        call.wait_disconnected(timeout=30)
        ringing.wait_disconnected(timeout=30)
        code, said = vm.sh(PLUG, timeout=60)
        pulled = False
        assert code == 0, said
        _pri_up(vm, 120)
        assert _wait_applied(api, 120)["asterisk_pid"] == pid
        _wait(lambda: len(_records(api, before)) == 2, 30, "the call's two records")
    finally:
        stack.close()
        _put_back(vm, api, setup, pulled)


def _put_back(vm, api, setup: dict, pulled: bool) -> None:
    """The card back if it is still out (a restarted Asterisk has made the spans again), the box
    up with every change applied, and the spans' settings as the test found them."""
    if pulled:
        vm.sh(PLUG, timeout=60)
    _wait_applied(api, 300)
    for span, found in setup["found"].items():
        keep = {k: found[k] for k in ("signalling", "trunk", "r2_max_dnis") if k in found}
        api.put(f"/hardware/spans/{span}", keep)
    _wait(lambda: _wait_applied(api, 300) and not any(s["alarms"] for s in _software_spans(api)
                                                     if s["signalling"] != "unused"), 60, "the spans as found")


def _port_states(api) -> dict[int, str]:
    """The software card's analog ports and their channels' states, as GET /hardware shows them."""
    card = next(c for c in api.get("/hardware").json["cards"] if c["profile"] == "software-loop")
    return {p["port"]: p["state"] for p in card["ports"]}


def _looped_analog(api, made: dict) -> None:
    """Software port 1 (FXS) the analog phone 8201, its line port 5 (FXO) the trunk "Analog line":
    numbers _5XXXX leave through it with the 5 taken off, and what comes in on it (no number: an
    analog line has none) rings 8102. What it makes goes into `made`."""
    assert api.post("/extensions", {"number": "8201", "name": "Analog desk"}).status == 201
    r = api.post("/trunks", {"name": "Analog line", "kind": "dahdi"})
    assert r.status == 201, r
    made["trunk"] = r.json["id"]
    port = api.get("/hardware/ports/1").json
    assert port["kinds"] == ["fxs"] and port["looped_to"] == 5, port
    assert api.put("/hardware/ports/1", {"kind": "fxs", "extension": "8201"}).status == 200
    r = api.put("/hardware/ports/5", {"kind": "fxo", "trunk": made["trunk"]})
    assert r.status == 200 and r.json["trunk"] == made["trunk"], r
    r = api.post("/outbound-routes", {"name": "Analog out", "patterns": [{"pattern": "_5XXXX", "strip": 1,
                                                                          "prefix": ""}],
                                      "trunks": [made["trunk"]]})
    assert r.status == 201, r
    made["outbound"] = r.json["id"]
    r = api.post("/inbound-routes", {"name": "Analog in", "did": None,
                                     "destination": {"kind": "extension", "target": "8102"}})
    assert r.status == 201, r
    made["inbound"] = r.json["id"]
    _wait_applied(api, 120)


def _analog_put_back(vm, api, made: dict) -> None:
    """The ports serving nobody again, what the test made gone, the software spans as found. The
    calls on the ports are let end first (the phones are gone): a port change would end them."""
    try:
        _wait(lambda: {_port_states(api)[n] for n in (1, 5)} == {"idle"}, 60, "both ports idle")
    except (AssertionError, StopIteration):
        pass  # put back all the same
    api.put("/hardware/ports/1", {"kind": "fxs"})
    api.put("/hardware/ports/5", {"kind": "fxo"})
    for path in (f"/inbound-routes/{made.get('inbound')}", f"/outbound-routes/{made.get('outbound')}",
                 f"/trunks/{made.get('trunk')}", "/extensions/8201"):
        if "None" not in path:
            api.delete(path)
    if "pri" in made:
        _put_back(vm, api, made["pri"], pulled=False)
    api.patch("/settings", {"software_spans": made["software_spans"]})
    _wait_applied(api, 300)


def test_an_analog_call_crosses_the_looped_fxs_and_fxo_ports(vm, tmp_path, box_logs):
    """The software card's analog ports, wired back to back as a channel bank's FXS port to another's
    FXO port: port 1 (FXS) is the analog phone 8201, port 5 (FXO) the line of a trunk. (a) A SIP
    phone's call out through the trunk: the FXO port seizes the line and dials 8102 in DTMF, the
    FXS port sees its phone lift and dial, and the call rings the SIP phone 8102; tones cross both
    ways; the caller hangs up and both ports are idle. (b) A SIP phone calls 8201: the FXS port
    rings, the FXO port sees the ring and reads the caller ID sent after it (Bell FSK), its call
    goes with that caller ID to the line's inbound destination 8102, whose answer takes the line
    off hook and answers the FXS port's call; tones cross; the callee hangs up and both ports are
    idle. The call records say so. The ports are set while a call crosses the looped PRI spans,
    which goes on (a port change opens again only the port's own channel)."""
    from tests.audio import write_tone
    from tests.phones import SipStack

    api = vm.api().sign_in(ADMIN_PASSWORD)
    made = {"software_spans": api.get("/settings").json["software_spans"]}
    stack = SipStack("127.0.0.1", tmp_path)
    try:
        made["pri"] = _looped_pri(api)
        made["secrets"] = made["pri"]["secrets"]
        caller, callee = _span_phones(stack, vm, made["secrets"])
        # The ports are set while a call is up over the PRI spans: a port change opens again only
        # its own channel (no chan_dahdi restart, which would end the call), and Asterisk runs on.
        pid = _wait_applied(api, 120)["asterisk_pid"]
        call, ringing = _answered_across_the_spans(api, caller, callee)
        stack.meanwhile(lambda: _looped_analog(vm.api().sign_in(ADMIN_PASSWORD), made), 300, "the ports set")
        call.play(write_tone(tmp_path / "a.wav", 697, 5), loop=True)
        ringing.play(write_tone(tmp_path / "b.wav", 1209, 5), loop=True)
        stack.wait(lambda: ringing.listener.heard_tone(697, min_ms=400), 30, "the PRI call's tones after the ports")
        stack.wait(lambda: call.listener.heard_tone(1209, min_ms=400), 30, "the PRI call's tones after the ports")
        assert api.get("/health").json["asterisk_pid"] == pid
        call.hangup_call()
        ringing.wait_disconnected(timeout=20)
        _wait(lambda: "in use" not in {v for span in _span_channels(api).values() for v in span.values()}, 20,
              "the spans' channels free")
        assert _port_states(api)[1] == "idle" and _port_states(api)[5] == "idle", _port_states(api)
        before = {r["id"] for r in api.get("/cdr?per_page=500").json["items"]}

        def crossing(call, ringing, first) -> None:
            call.play(write_tone(tmp_path / "a.wav", 697, 5), loop=True)
            ringing.play(write_tone(tmp_path / "b.wav", 1209, 5), loop=True)
            stack.wait(lambda: ringing.listener.heard_tone(697, min_ms=400), 30, "the caller's tone at the callee")
            stack.wait(lambda: call.listener.heard_tone(1209, min_ms=400), 30, "the callee's tone at the caller")
            states = _port_states(api)
            assert states[1] == "in use" and states[5] == "in use", states
            other = ringing if first is call else call
            first.hangup_call()
            other.wait_disconnected(timeout=30)
            _wait(lambda: (s := _port_states(api))[1] == "idle" and s[5] == "idle", 30, "both ports idle")

        # (a) Out through the FXO port; its digits are the FXS port's phone dialling 8102.
        call = caller.call("58102")
        ringing = callee.wait_incoming(timeout=60)
        assert "8201" in ringing.remote_uri, ringing.remote_uri  # the analog phone's call
        ringing.answer_call()
        call.wait_confirmed(timeout=30)
        ringing.wait_confirmed(timeout=20)
        crossing(call, ringing, first=call)

        # (b) In through the FXS port: rung, the FXO port's call goes to its line's destination
        # with the caller ID the FXS port sent after the first ring (Bell FSK) and the FXO port read.
        call = caller.call("8201")
        ringing = callee.wait_incoming(timeout=60)
        name = api.get("/extensions/8101").json["name"]
        assert ringing.remote_uri.startswith(f'"{name}" <sip:8101@'), ringing.remote_uri
        ringing.answer_call()
        ringing.wait_confirmed(timeout=20)
        call.wait_confirmed(timeout=30)
        crossing(call, ringing, first=ringing)

        # The call records, four answered calls: (a) 8101's out through the line (the 5 taken off),
        # and the analog phone's to 8102; (b) 8101's to the analog phone, and the line's to 8102,
        # from the caller ID it read (an analog line brings no number dialled).
        line = made["trunk"]
        want = sorted([("outbound", "8101", "8102", None, line, "8102"), ("internal", "8201", "8102", None, None, "8102"),
                       ("internal", "8101", "8201", None, None, "8201"), ("inbound", "8101", None, None, line, "8102")],
                      key=repr)
        _wait(lambda: _records(api, before) == want, 30, "the four call records")
    finally:
        stack.close()
        _analog_put_back(vm, api, made)


def test_an_mfcr2_call_crosses_the_looped_spans(vm, tmp_path, box_logs):
    """Both looped spans become MFC/R2 with the China variant through the API, without restarting
    Asterisk, and a phone's call crosses them: span A seizes, sends the called number in compelled
    MF tones, and when span B asks for the category (A-6) and then the caller's digits (A-1, the
    same tone as for a called digit), the caller's number up to its end (I-15): openr2 as the
    image has it, with the box's patch (without it, the called number went as the caller's).
    Span B takes the call in as a DID and rings the other phone; tones cross both ways (an E1's
    A-law at both ends); either end hangs up and both spans' channels are freed; the records say
    which trunk each leg took and that the caller was 8101. Last of the tests that change spans:
    a chan_dahdi restart while it runs R2 channels (the next span change) was seen to hang
    Asterisk under emulation, and the tests after this one change no span (the updates reboot)."""
    api = vm.api().sign_in(ADMIN_PASSWORD)
    setup = _looped_pri(api)
    pid = _wait_applied(api, 300)["asterisk_pid"]
    for span, trunk in zip((1, 2), setup["trunks"]):
        r = api.put(f"/hardware/spans/{span}", {"signalling": "mfcr2", "trunk": trunk, "r2_variant": "cn",
                                                 "r2_max_dnis": 12})
        assert r.status == 200 and r.json["framing"] == "cas", r
    health = _wait_applied(api, 120)
    assert health["asterisk_pid"] == pid, health
    assert set(_span_channels(api)[1].values()) == set(_span_channels(api)[2].values()) == {"idle"}, \
        _span_channels(api)
    shown = vm.sh("asterisk -rx 'mfcr2 show channels'")[1]
    assert shown.count(" CN ") == 60, shown  # both spans' 30 channels, R2 in chan_dahdi
    # The caller's number crosses in MF (ANI), the called number as the DID (DNIS).
    _two_calls_across_the_spans(vm, api, setup["secrets"], setup["trunks"], tmp_path)


def test_remote_phone_registers_over_tls_and_its_media_is_srtp(vm, tmp_path):
    """A phone on SIP over TLS (the box's port 5061, forwarded) with SRTP required at both ends:
    it registers, and the voicemail prompt reaches it through the encrypted media."""
    from tests.phones import SipStack

    from .phones import NatPhone

    api = vm.api().sign_in(ADMIN_PASSWORD)
    r = api.post("/extensions", {"number": "8010", "name": "Home office", "transport": "tls", "srtp": "required"})
    assert r.status == 201, r
    stack = SipStack("127.0.0.1", tmp_path)
    try:
        phone = NatPhone(stack, "8010", r.json["secret"], vm.sip_tls, transport="tls", srtp="required")
        stack.phones.append(phone)
        phone.register(timeout=20)
        call = phone.call("*97")
        call.wait_confirmed(timeout=20)  # the phone takes no call without SRTP
        stack.wait(lambda: call.rx_packets() > 50, 20, "the voicemail prompt's audio over SRTP")
        call.hangup_call()
        call.wait_disconnected(timeout=10)
    finally:
        stack.close()


@pytest.mark.parametrize("kind, says", [
    ("bad_signature", "signature is not valid"),
    ("foreign", "is for 'someone-elses-router'"),
    ("truncated", "not a complete update bundle"),
])
def test_bundle_that_does_not_fit_is_refused_and_nothing_changes(vm, images, kind, says):
    api = vm.api().sign_in(ADMIN_PASSWORD)
    before = api.get("/system/update").json
    data = images[kind].read_bytes()
    r = api.request("POST", "/system/update", raw=data, content_type="application/octet-stream", timeout=120)
    assert r.status == 202, r
    job = wait_job(api, {"failed", "rebooting"}, 120)
    assert job["state"] == "failed", job
    assert says in job["message"], job["message"]
    after = api.get("/system/update").json
    assert after["running"] == before["running"]
    assert after["other"] == before["other"]
    assert api.get("/health").json["status"] == "ok"


def _data_an_update_keeps(api, tmp_path) -> None:
    """Extension 8002 with its unavailable greeting, made here if an earlier test has not made it."""
    if api.get("/extensions/8002").status == 404:
        assert api.post("/extensions", {"number": "8002", "name": "Back office 张"}).status == 201
    r = api.put("/extensions/8002/greetings/unavail", raw=_wav(tmp_path), content_type="audio/wav")
    assert r.status == 200, r


def test_update_installs_from_the_web_ui_reboots_into_the_other_slot_and_keeps_data(vm, images, chromium, tmp_path):
    from playwright.sync_api import expect

    api = vm.api().sign_in(ADMIN_PASSWORD)
    # Configuration and voicemail made before the update.
    _data_an_update_keeps(api, tmp_path)
    assert api.patch("/settings", {"ring_timeout": 33}).status == 200
    old = api.get("/system/update").json["running"]["version"]
    new = images["v2"]["version"]

    mark = vm.console_mark()
    with admin_page(chromium, vm.https_url) as page:
        page.goto("/update")
        expect(page.locator("#run-version")).to_have_text(old)
        expect(page.locator("#run-slot")).to_have_text("A")
        # Every text the page shows while it works, in order.
        page.evaluate("""() => {
            const el = document.getElementById('job-text');
            window.shown = [];
            new MutationObserver(() => window.shown.push(el.textContent))
                .observe(el, {childList: true, characterData: true, subtree: true});
        }""")
        failed = []
        page.on("requestfailed", lambda r: failed.append(f"{r.method} {r.url}: {r.failure}"))
        page.set_input_files("#bundle-file", images["v2"]["bundle"])
        page.click("#upload-button")
        try:
            # Room for the page's tries at the upload (about 40 s each under emulation, and up to 30 s
            # more each for the box to let go of a cut one) before the reboot.
            line = vm.wait_good("B", BOOT + 420, since=mark)
        except VmError:
            raise AssertionError(f"no reboot into B; the page says {page.locator('#job-text').text_content()!r}, "
                                 f"failed requests: {failed}; the box's errors: {vm.supervisor_errors()}") from None
        assert "the update is complete" in line
        # The page followed the box through its restart and says what it runs now.
        expect(page.locator("#job-text")).to_have_text(f"The box now runs {new}.", timeout=60_000)
        expect(page.locator("#run-slot")).to_have_text("B")
        expect(page.locator("#run-version")).to_have_text(new)
        shown = page.evaluate("window.shown")
        assert any(text.startswith("Uploading: ") for text in shown), shown
        writing = [text for text in shown if text.startswith(f"Writing {new} to the other slot: ")]
        assert writing, shown
        assert any(text.startswith("Restarting into the new system") for text in shown), shown
        assert page.locator("#job-progress").evaluate("bar => bar.value") == 100

    api = vm.api().sign_in(ADMIN_PASSWORD)
    status = api.get("/system/update").json
    assert status["running"] == {"slot": "B", "version": images["v2"]["version"], "confirmed": True}
    assert status["last_update"]["result"] == "updated"
    deadline = time.monotonic() + 30
    while status["other"].get("version") is None and time.monotonic() < deadline:
        time.sleep(0.5)
        status = api.get("/system/update").json
    assert status["other"]["version"] == old
    assert api.get("/health").json["system"]["version"] == images["v2"]["version"]
    # Everything made before is still there.
    assert api.get("/extensions/8002").json["name"] == "Back office 张"
    assert api.get("/settings").json["ring_timeout"] == 33
    assert api.get("/extensions/8002/greetings").json["greetings"]["unavail"] is True


def test_power_lost_while_the_other_slot_is_written_boots_the_old_slot(vm, images, tmp_path):
    api = vm.api().sign_in(ADMIN_PASSWORD)
    _data_an_update_keeps(api, tmp_path)
    running = api.get("/system/update").json["running"]
    r = api.request("POST", "/system/update", raw=open(images["broken"]["bundle"], "rb").read(),
                    content_type="application/octet-stream", timeout=300)
    assert r.status == 202, r
    deadline = time.monotonic() + 120
    while True:
        job = api.get("/system/update").json["job"]
        if job.get("state") == "installing" and "Copying" in job.get("step", ""):
            break
        assert job.get("state") not in ("failed", "rebooting") and time.monotonic() < deadline, job
        time.sleep(0.1)
    vm.kill()  # the plug, while slot A is being written
    mark = vm.console_mark()
    vm.start()
    line = vm.wait_good(running["slot"], BOOT, since=mark)
    assert running["version"] in line
    api = vm.api().sign_in(ADMIN_PASSWORD)
    status = api.get("/system/update").json
    assert status["running"]["slot"] == running["slot"] and status["running"]["version"] == running["version"]
    assert api.get("/extensions/8002").json["name"] == "Back office 张"
    assert api.get("/extensions/8002/greetings").json["greetings"]["unavail"] is True


@pytest.fixture
def headquarters(vm):
    """Headquarters: a box instance whose HTTPS port the guest reaches at HEADQUARTERS:443 (qemu's
    forward, conftest), with the public address its enrolment codes carry set to that address. Its
    signed-in API; the instance is stopped however the test ends."""
    import secrets

    from tests.integration.conftest import start_box, stop_box

    name = f"t-{secrets.token_hex(4)}"
    box = start_box(name, env=("BOX_HTTPS=0.0.0.0:443",))
    try:
        vm.headquarters.write_text(f"{box.box_ip}:443")
        api = Api(box.url).sign_in(ADMIN_PASSWORD)
        # The tunnel address makes the box headquarters; WireGuard's UDP does not pass qemu's user
        # network, and nothing here needs it: enrolment, reports and the fetch are HTTPS.
        r = api.put("/vpn", {"address": "10.99.0.1/24", "public_address": HEADQUARTERS})
        assert r.status == 200, r
        yield api
    finally:
        vm.headquarters.unlink(missing_ok=True)
        stop_box(name)


def _pushed(hq, site_id, states: list) -> dict:
    """The site's push as headquarters has it; its states as they change are added to `states`."""
    update = next(s for s in hq.get("/sites").json["items"] if s["id"] == site_id)["update"]
    if not states or states[-1] != update["state"]:
        states.append(update["state"])
    return update


def test_update_pushed_from_headquarters_that_never_becomes_healthy_is_rolled_back(vm, images, tmp_path,
                                                                                 headquarters):
    """The box enrols as a branch of a real headquarters, which pushes it the broken bundle: the box
    fetches it over pinned HTTPS, installs it, boots it three times, goes back to its own system by
    itself and reports the rollback to headquarters."""
    import re

    hq = headquarters
    api = vm.api().sign_in(ADMIN_PASSWORD)
    _data_an_update_keeps(api, tmp_path)
    running = api.get("/system/update").json["running"]
    target = "A" if running["slot"] == "B" else "B"
    r = hq.post("/sites", {"name": "Branch in qemu", "extensions": "8000-8299"})
    assert r.status == 201, r
    site_id = r.json["id"]
    r = api.post("/enrol", {"code": r.json["code"]}, timeout=180)
    assert r.status == 200 and r.json["headquarters"] == f"https://{HEADQUARTERS}:443", r
    bundle = open(images["broken"]["bundle"], "rb").read()
    r = hq.request("POST", "/sites/update-bundle", raw=bundle, content_type="application/octet-stream", timeout=300)
    assert r.status == 200 and r.json["sha256"] == hashlib.sha256(bundle).hexdigest(), r
    mark = vm.console_mark()
    r = hq.post(f"/sites/{site_id}/update")
    assert r.status == 202 and r.json["state"] == "pushed", r
    states: list[str] = []

    def back_on_its_own_system():
        """The console's line of the old system good again; headquarters followed meanwhile."""
        update = _pushed(hq, site_id, states)
        assert update["state"] != "failed", update
        assert vm.running, vm.tail()
        return good.search(vm.console_text(), mark)

    # The branch fetches at its next report and installs; three boots of the new system follow, each
    # rebooted by the boot guard; then the old one, by itself.
    good = re.compile(rf"callbox: system {running['slot']} \(version [^)]*\) is good[^\n]*")
    try:
        line = _wait(back_on_its_own_system, 600 + 3 * BOOT + BOOT, "rollback", step=2).group(0)
    except AssertionError as exc:
        raise AssertionError(f"{exc}; headquarters saw the push {states}; console:\n{vm.tail()}") from None
    assert "was rolled back" in line
    text = vm.console_text()[mark:]
    assert "update " + images["broken"]["version"] + " written to system " + target in text
    for n in (1, 2, 3):
        assert f"booting slot {target} (try {n} of 3)" in text
    assert "did not become healthy on trial; rebooting" in text
    api = vm.api().sign_in(ADMIN_PASSWORD)
    status = api.get("/system/update").json
    assert status["running"]["slot"] == running["slot"] and status["running"]["version"] == running["version"]
    assert status["last_update"]["result"] == "rolled_back"
    assert status["last_update"]["version"] == images["broken"]["version"]
    assert api.get("/extensions/8002").json["name"] == "Back office 张"
    # Headquarters hears it from the branch's next report once its system is confirmed good again.
    try:
        update = _wait(lambda: (u := _pushed(hq, site_id, states))["state"] == "rolled_back" and u, 120,
                       "rollback reported to headquarters", step=1)
    except AssertionError as exc:
        raise AssertionError(f"{exc}; it saw {states}; the box's errors: {vm.supervisor_errors()}") from None
    assert "did not become healthy" in update["message"], update
    assert update["sha256"] == hashlib.sha256(bundle).hexdigest(), update
    # Each state it was told, in the push's order (reports are 10 s apart: some pass unseen).
    assert states == [s for s in ("pushed", "fetching", "installing", "rebooting", "rolled_back") if s in states], \
        states


def _wav(tmp_path) -> bytes:
    from tests.audio import write_tone

    return write_tone(tmp_path / "greeting.wav", 440, 1.5).read_bytes()


def test_factory_reset_from_the_web_ui_brings_back_a_new_box(vm):
    api = vm.api().sign_in(ADMIN_PASSWORD)
    running = api.get("/system/update").json["running"]
    mark = vm.console_mark()
    r = api.post("/system/factory-reset", {"confirm": "erase"})
    assert r.status == 202, r
    vm.wait_console(r"factory reset \(web UI\): erasing the data partition", BOOT, since=mark)
    vm.wait_good(running["slot"], BOOT, since=mark)
    api = vm.api()
    assert api.get("/setup").json == {"configured": False}
    text = vm.console_text()[mark:]
    assert "making the SSH ed25519 host key" in text and "making the web UI's TLS certificate" in text
