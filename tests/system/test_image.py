"""The dev disk image as a customer's box: boot, phones, updates, refusals, power loss, rollback.

One box boots once for the module and goes through an update's life in
order: first boot, a phone through the forwarded SIP port, bundles it must
refuse, an update installed from the web UI in Chromium that keeps the
configuration and voicemail, the plug pulled while an update is written, an
update whose system never becomes healthy, and a factory reset.
"""

from __future__ import annotations

import time

import pytest

from tests.api import Api

from .conftest import ADMIN_PASSWORD, BOOT, admin_page
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


def _call_across_the_spans(api, stack, caller, callee, tmp_path, hangs_up: str, tones: bool) -> None:
    """caller dials the number whose route leaves through span A; the call comes back in on span B
    and rings callee. Tones cross both ways; whoever hangs up, both spans' channels are freed."""
    from tests.audio import write_tone

    call = caller.call("075512345678")
    ringing = callee.wait_incoming(timeout=30)
    ringing.answer_call()
    call.wait_confirmed(timeout=30)
    ringing.wait_confirmed(timeout=20)
    states = _span_channels(api)
    assert "in use" in states[1].values() and "in use" in states[2].values(), states
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


def test_calls_cross_the_looped_software_spans_as_pri_then_mfcr2(vm, tmp_path, box_logs):
    """DAHDI built for the image's kernel, two software spans looped as an E1 cable would: span A
    the network side of a PRI, span B the customer side, both set through the API without
    restarting Asterisk. A phone's call leaves through span A's route, comes back in on span B as
    a DID and rings another phone; tones cross both ways; the caller hangs up, then in a second
    call the callee. Then both spans become MFC/R2 (China), again without a restart: chan_dahdi
    runs their R2 channels (checked by the apply). An R2 call over the loop is not made here:
    DAHDI's dynamic spans do carry the CAS bits (the line signals cross), but the compelled MF
    tones time out under emulation."""
    from tests.phones import SipStack

    from .phones import NatPhone

    api = vm.api().sign_in(ADMIN_PASSWORD)
    r = api.patch("/settings", {"software_spans": True})
    assert r.status == 200 and r.json["software_spans"] is True, r
    hardware = api.get("/hardware").json
    assert hardware["dahdi"] is True, hardware
    card = next(c for c in hardware["cards"] if c["profile"] == "software-loop")
    assert [s["span"] for s in card["spans"]] == [1, 2] and card["driver_loaded"] is True, card
    # The dynamic spans are made before Asterisk (re)starts with them; span changes from here on
    # do not restart it.
    deadline = time.monotonic() + 120
    while not ((health := api.get("/health").json)["asterisk"] == "up" and health["config"]["applied"]
               and not health["config"]["pending"]):
        assert time.monotonic() < deadline, health
        time.sleep(0.5)
    pid = health["asterisk_pid"]
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
    stack = SipStack("127.0.0.1", tmp_path)
    try:
        # Through a relay of their own: a BYE from the phone must find its way back into qemu.
        caller = NatPhone(stack, "8101", secrets["8101"], vm.sip, relay=True)
        callee = NatPhone(stack, "8102", secrets["8102"], vm.sip, relay=True)
        stack.phones += [caller, callee]
        caller.register(timeout=15)
        callee.register(timeout=15)
        _call_across_the_spans(api, stack, caller, callee, tmp_path, hangs_up="caller", tones=True)
        _call_across_the_spans(api, stack, caller, callee, tmp_path, hangs_up="callee", tones=False)
    finally:
        stack.close()
    for span in (1, 2):
        r = api.put(f"/hardware/spans/{span}", {"signalling": "mfcr2", "trunk": trunks[span - 1],
                                                "r2_max_dnis": 12})
        assert r.status == 200 and r.json["framing"] == "cas", r
    health = api.get("/health").json
    assert health["asterisk_pid"] == pid and health["config"]["applied"], health
    assert set(_span_channels(api)[2].values()) == {"idle"}, _span_channels(api)


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


def test_update_installs_from_the_web_ui_reboots_into_the_other_slot_and_keeps_data(vm, images, chromium, tmp_path):
    from playwright.sync_api import expect

    api = vm.api().sign_in(ADMIN_PASSWORD)
    # Configuration and voicemail made before the update.
    assert api.post("/extensions", {"number": "8002", "name": "Back office 张"}).status == 201
    assert api.patch("/settings", {"ring_timeout": 33}).status == 200
    greeting = _wav(tmp_path)
    r = api.put("/extensions/8002/greetings/unavail", raw=greeting, content_type="audio/wav")
    assert r.status == 200, r
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


def test_power_lost_while_the_other_slot_is_written_boots_the_old_slot(vm, images):
    api = vm.api().sign_in(ADMIN_PASSWORD)
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


def test_update_that_never_becomes_healthy_is_rolled_back(vm, images):
    api = vm.api().sign_in(ADMIN_PASSWORD)
    running = api.get("/system/update").json["running"]
    target = "A" if running["slot"] == "B" else "B"
    mark = vm.console_mark()
    r = api.request("POST", "/system/update", raw=open(images["broken"]["bundle"], "rb").read(),
                    content_type="application/octet-stream", timeout=300)
    assert r.status == 202, r
    # Three boots of the new system, each rebooted by the boot guard; then the old one, by itself.
    line = vm.wait_good(running["slot"], 3 * BOOT + BOOT, since=mark)
    assert "was rolled back" in line
    text = vm.console_text()[mark:]
    for n in (1, 2, 3):
        assert f"booting slot {target} (try {n} of 3)" in text
    assert "did not become healthy on trial; rebooting" in text
    api = vm.api().sign_in(ADMIN_PASSWORD)
    status = api.get("/system/update").json
    assert status["running"]["slot"] == running["slot"] and status["running"]["version"] == running["version"]
    assert status["last_update"]["result"] == "rolled_back"
    assert status["last_update"]["version"] == images["broken"]["version"]
    assert api.get("/extensions/8002").json["name"] == "Back office 张"


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
