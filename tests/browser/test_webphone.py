"""The phone in the browser against a real box: Chromium with a fake microphone playing a tone
signs in as an agent, turns the phone on and registers over WebSocket; a queue call from a
pjsua2 caller rings it (and the agent's desk phone too), the browser answers with the screen
pop on the desk, audio flows both ways, keypad tones reach the caller, mute and hold silence the
browser for the caller and give it back, and a blind transfer hands the caller to another phone.

Phones handle SIP only while the test waits on them (tests/phones.py): while a call is up the
test waits on the page inside the phones' wait (`seen`), never in Playwright alone.
"""

from __future__ import annotations

import re
import subprocess
import time

import pjsua2 as pj
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot, sign_in
from tests.browser.test_call_center import seen, text_of, wait_for_call
from tests.api import Api
from tests.audio import goertzel_ratio, write_tone
from tests.conftest import CHROMIUM, CHROMIUM_ARGS

PASSWORD = "Web-Phone-Admin-Pass-8"
AGENT_PASSWORD = "Agent-Web-Phone-77"
AGENT, CALLER, COLLEAGUE = "8001", "8002", "8003"
BROWSER_HZ = 1200  # the fake microphone's tone
CALLER_HZ = 700


@pytest.fixture(scope="module")
def api(box):
    return Api(box.url).sign_in(PASSWORD)


@pytest.fixture(scope="module")
def floor(api):
    """Queue 600 whose one agent, Alice, logs in (with her desk phone only, for now)."""
    for number, name in ((AGENT, "Alice"), (CALLER, "Front desk"), (COLLEAGUE, "Bob")):
        assert api.post("/extensions", {"number": number, "name": name}).status == 201
    r = api.post("/users", {"username": "alice", "password": AGENT_PASSWORD, "role": "agent", "extension": AGENT})
    assert r.status == 201, r
    r = api.post("/queues", {"number": "600", "name": "Support", "strategy": "ringall", "ring_timeout": 60,
                             "members": [{"extension": AGENT, "dynamic": True}]})
    assert r.status == 201, r
    assert api.post(f"/agents/{AGENT}/login").status == 200


@pytest.fixture(scope="module")
def media_browser(chromium, box, tmp_path_factory):
    """A Chromium of its own (the same Playwright) whose microphone plays a steady tone and
    that takes the dev box's plain-HTTP address as a secure origin (getUserMedia needs one)."""
    tone = tmp_path_factory.mktemp("mic") / "tone.wav"
    subprocess.run(["sox", "-n", "-r", "48000", "-c", "1", "-b", "16", str(tone), "synth", "30", "sine",
                    str(BROWSER_HZ), "vol", "0.5"], check=True)
    browser = chromium.browser_type.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS + [
        "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={tone}", f"--unsafely-treat-insecure-origin-as-secure={box.url}",
        "--autoplay-policy=no-user-gesture-required"])
    try:
        yield browser
    finally:
        browser.close()


def wait_until(predicate, what: str, timeout: float = 10):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def silent_for(listener, freq: float, ms: int = 400) -> bool:
    """The last `ms` of what a phone heard carry no `freq` tone."""
    listener.poll()
    frames = listener.frames[-(ms // 20):]
    return len(frames) == ms // 20 and not listener.heard_tone(freq, min_ms=60, since=len(listener.frames) - len(frames))


def inbound_audio(page) -> dict:
    """What the browser's peer connection has received: packets and audio energy."""
    return page.evaluate("""async () => {
        const s = window.Callbox.webphone.session;
        if (!s || !s.connection) return {packets: 0, energy: 0};
        let packets = 0, energy = 0;
        (await s.connection.getStats()).forEach((r) => {
            if (r.type === 'inbound-rtp' && r.kind === 'audio') { packets += r.packetsReceived; energy += r.totalAudioEnergy || 0; }
        });
        return {packets, energy};
    }""")


def browser_rx(box) -> int:
    """RTP packets Asterisk has received on the browser phone's channel."""
    out = box.asterisk("pjsip show channelstats")
    for line in out.splitlines():
        if f"{AGENT}-web" in line:
            numbers = [int(n) for n in re.findall(r"\b\d+\b", line.split(f"{AGENT}-web", 1)[1])]
            return max(numbers) if numbers else 0
    return 0


def test_browser_phone_takes_a_queue_call(media_browser, api, box, floor, tmp_path):
    from tests.phones import SipStack

    context = media_browser.new_context(base_url=box.url, viewport={"width": 1440, "height": 900}, locale="en-GB")
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(page, "alice", AGENT_PASSWORD)
    expect(page).to_have_url(re.compile(r"/agent$"))
    expect(page.locator("#phone-card")).to_be_visible()
    expect(page.locator("#phone-state")).to_have_text("Off")

    page.check("#phone-toggle")
    expect(page.locator("#phone-state")).to_have_text("Ready for calls")
    # The box has the browser's contact, on the WebSocket transport.
    contacts = box.asterisk("pjsip show contacts")
    assert re.search(rf"{AGENT}-web/sip:\S+;transpo\S* +\w+ +Avail", contacts), contacts  # (the CLI cuts it)
    # The API says so to the agent, from the box's live registrations.
    alice = Api(box.url)
    alice.token = alice.post("/auth/login", {"username": "alice", "password": AGENT_PASSWORD}).json["token"]
    wait_until(lambda: (alice.get("/me/phone").json["registration"] or {}).get("contact"), "the registration in the API")
    # The agent, logged in with the desk phone, is now rung at both devices.
    queue = box.asterisk("queue show 600")
    assert f"Local/{AGENT}@callbox-agent-devices" in queue and "Not in use" in queue, queue

    stack = SipStack(box.host_ip, tmp_path)
    try:
        phones = {n: stack.phone(n, api.get(f"/extensions/{n}").json["secret"], box.sip).register()
                  for n in (AGENT, CALLER, COLLEAGUE)}
        caller = phones[CALLER].call("600")
        desk = phones[AGENT].wait_incoming(timeout=10)  # the desk phone rings too
        seen(phones, page, "window.Callbox.webphone.call === 'ringing'", "the browser phone to ring")
        expect(page.locator("#phone-caller")).to_have_text(CALLER)
        seen(phones, page, f"{text_of('#pop-title')}.includes({CALLER!r})", "the screen pop on the desk")

        answered = caller.listener.mark()  # the caller's audio (the queue's music) runs all along
        page.click("#phone-answer")
        caller.wait_confirmed()
        seen(phones, page, "window.Callbox.webphone.call === 'connected'", "the browser call to connect")
        stack.wait(lambda: desk.state == 6, 5, "the desk phone to stop ringing")  # PJSIP_INV_STATE_DISCONNECTED
        # The desk follows the call on the browser's own channel once the queue's Local one is gone.
        seen(phones, page, f"{text_of('#pop-state')} === 'Connected'", "the desk to show the call connected")
        callid = page.locator("#pop").get_attribute("data-call")
        # Browser to caller: the caller hears the browser's microphone tone.
        stack.wait(lambda: caller.listener.heard_tone(BROWSER_HZ, min_ms=400), 10, "the caller to hear the browser")
        assert browser_rx(box) > 0
        # Setup to audio: from the click on Answer to the browser's tone in the caller's ear, counted in
        # the caller's own 20 ms frames (not in how soon this test looked), under a second.
        first = next(i for i in range(answered, len(caller.listener.frames))
                     if goertzel_ratio(caller.listener.frames[i], BROWSER_HZ) >= 0.6)
        print(f"answer to the browser's audio at the caller: {(first - answered) * 20} ms")
        assert (first - answered) * 20 < 1000, f"{(first - answered) * 20} ms from answer to audio"
        screenshot(page, "agent-browser-phone")
        # Caller to browser: packets with sound in them reach the page.
        caller.play(write_tone(tmp_path / "caller.wav", CALLER_HZ, 20), loop=True)
        stack.wait(lambda: inbound_audio(page)["packets"] > 50 and inbound_audio(page)["energy"] > 0, 10,
                   "the browser to receive the caller's audio")

        page.click("#phone-keypad [data-key='5']")
        stack.wait(lambda: "5" in caller.digits, 5, "the keypad tone to reach the caller")

        page.click("#phone-mute")
        stack.wait(lambda: silent_for(caller.listener, BROWSER_HZ), 5, "the caller to stop hearing the muted browser")
        page.click("#phone-mute")
        mark = caller.listener.mark()
        stack.wait(lambda: caller.listener.heard_tone(BROWSER_HZ, min_ms=300, since=mark), 5, "the browser back")

        page.click("#phone-hold")
        expect(page.locator("#phone-hold")).to_have_text("Resume")
        stack.wait(lambda: silent_for(caller.listener, BROWSER_HZ), 5, "the caller to be on hold")
        page.click("#phone-hold")
        mark = caller.listener.mark()
        stack.wait(lambda: caller.listener.heard_tone(BROWSER_HZ, min_ms=300, since=mark), 8, "the call back from hold")

        page.fill("#phone-transfer-to", COLLEAGUE)
        page.click("#phone-transfer")
        bob = phones[COLLEAGUE].wait_incoming(timeout=10)
        seen(phones, page, "window.Callbox.webphone.call === null", "the browser to leave the transferred call")
        bob.answer_call()
        bob.wait_confirmed()
        mark = bob.listener.mark()
        stack.wait(lambda: bob.listener.heard_tone(CALLER_HZ, min_ms=300, since=mark), 8, "Bob to hear the caller")
        assert caller.connected
        seen(phones, page, f"{text_of('#pop-state')} === 'Ended'", "the desk to show the agent's part ended")
        bob.hangup_call()
        caller.wait_disconnected()
    finally:
        stack.close()
    # The call log names the extension whose browser answered.
    row = wait_for_call(api, callid, lambda c: c["outcome"] == "answered" and c["talk"] is not None)
    assert row["agent"] == AGENT
    assert not errors, errors
    context.close()


def test_browser_phone_calls_out_through_click_to_call(media_browser, api, box, floor, tmp_path):
    """The dial field asks the box to call (POST /calls): the box rings the browser phone, which
    answers by itself, then the number; a number the extension's class may not dial is refused on
    the page and nothing rings."""
    from tests.phones import SipStack

    context = media_browser.new_context(base_url=box.url, viewport={"width": 1440, "height": 900}, locale="en-GB")
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(page, "alice", AGENT_PASSWORD)
    expect(page.locator("#phone-card")).to_be_visible()
    if not page.locator("#phone-toggle").is_checked():
        page.check("#phone-toggle")
    expect(page.locator("#phone-state")).to_have_text("Ready for calls")
    expect(page.locator("#phone-dial-form")).to_be_visible()

    stack = SipStack(box.host_ip, tmp_path)
    try:
        # Alice's desk phone is registered too: the browser is still the one rung, being where she is.
        phones = {n: stack.phone(n, api.get(f"/extensions/{n}").json["secret"], box.sip).register()
                  for n in (AGENT, COLLEAGUE)}
        page.fill("#phone-dial-to", COLLEAGUE)
        page.click("#phone-dial")
        bob = phones[COLLEAGUE].wait_incoming(timeout=15)
        seen(phones, page, "window.Callbox.webphone.call === 'connected'", "the browser to answer by itself")
        assert not phones[AGENT].incoming, "the desk phone rang as well"
        assert bob.remote_uri and AGENT in bob.remote_uri, bob.remote_uri  # the call comes from Alice's extension
        bob.answer_call()
        bob.wait_confirmed()
        # What became of the call is said under the field, from the box's events.
        seen(phones, page, f"{text_of('#phone-dial-status')} === 'Connected to {COLLEAGUE}.'", "the call said connected")
        stack.wait(lambda: bob.listener.heard_tone(BROWSER_HZ, min_ms=400), 10, "Bob to hear the browser")
        assert browser_rx(box) > 0
        bob.hangup_call()
        seen(phones, page, "window.Callbox.webphone.call === null", "the browser call to end")

        # Bob is busy: the page says so once the call is over (his voicemail may have taken it).
        page.fill("#phone-dial-to", COLLEAGUE)
        page.click("#phone-dial")
        bob = phones[COLLEAGUE].wait_incoming(timeout=15)
        busy = pj.CallOpParam()
        busy.statusCode = 486
        bob.hangup(busy)
        bob.wait_disconnected()
        page.evaluate("window.Callbox.webphone.session && window.Callbox.webphone.session.terminate()")
        seen(phones, page, f"{text_of('#phone-dial-status')} === '{COLLEAGUE} is busy.'", "the number said busy")

        # No outbound route dials it: refused before anything rings, said on the page.
        page.fill("#phone-dial-to", "013800138000")
        page.click("#phone-dial")
        expect(page.locator("#phone-dial-error")).to_contain_text("no outbound route dials it")
        # Refused in the request itself (no Originate): a second for a stray INVITE to show.
        end = time.monotonic() + 1
        while time.monotonic() < end:
            stack.ep.libHandleEvents(50)
        assert page.evaluate("window.Callbox.webphone.call") is None
        assert not phones[AGENT].incoming
        page.fill("#phone-dial-to", "12ab")
        page.click("#phone-dial")
        expect(page.locator("#phone-dial-error")).to_have_text("Enter the number to call: digits, * and # only.")
    finally:
        stack.close()
    assert not errors, errors
    context.close()
