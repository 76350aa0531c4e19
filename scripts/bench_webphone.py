"""The phone in the browser, for make bench: call setup to audio, against a pjsua2 phone.

A pjsua2 caller on the host calls two extensions of the box, round after round: one rung only
at a browser phone (Debian's Chromium, headless, its fake microphone playing a tone, registered
over WebSocket from the agent desk and answering the moment it rings), one at a pjsua2 desk
phone that answers the moment it rings (the reference, in the same run, through the same box).
Figures, from the caller's INVITE:
- until the called phone rings (the browser's page shows the call; the pjsua2 phone has the INVITE);
- until the first audio packet from the called phone reaches the caller (through Asterisk;
  the browser's after ICE and the DTLS-SRTP handshake).
Run alone (`python3 scripts/bench_webphone.py [--write]`) it starts a box of its own, prints
its section and, with --write, puts it in BENCHMARKS.md in place of the one there.
"""

from __future__ import annotations

import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.api import Api  # noqa: E402
from tests.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

from bench_floor import _rest, spread  # noqa: E402

ROUNDS = 15
CALLER, BROWSER, DESK = "6971", "6972", "6973"
PASSWORD = "Bench-Web-Phone-71"
TONE_HZ = 1200
SECTION = "## The browser phone"

# Clicks Answer as soon as the phone rings: the page's own button, as an agent would.
AUTO_ANSWER = """() => {
    const box = document.getElementById('phone-call');
    new MutationObserver(() => {
        if (box.dataset.phase === 'ringing') {
            window.benchRang = performance.timeOrigin + performance.now();
            document.getElementById('phone-answer').click();
        }
    }).observe(box, {attributes: true, attributeFilter: ['data-phase']});
}"""


def _first_packet(stack, call, timeout: float = 10.0) -> float:
    """Wall time of the first RTP packet the call has received (polled every 2 ms)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        stack.ep.libHandleEvents(2)
        if call.media_active and call.rx_packets() > 0:
            return time.time()
    raise RuntimeError("no audio reached the caller")


def _browser(box, api, workdir: Path, playwright):
    tone = workdir / "tone.wav"
    subprocess.run(["sox", "-n", "-r", "48000", "-c", "1", "-b", "16", str(tone), "synth", "600", "sine",
                    str(TONE_HZ), "vol", "0.5"], check=True)
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS + [
        "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={tone}", f"--unsafely-treat-insecure-origin-as-secure={box.url}"])
    page = browser.new_context(base_url=box.url).new_page()
    page.goto("/login")
    page.fill("input[name=username]", "bench-web")
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("form[action='/login'] button[type=submit]")
    page.check("#phone-toggle")
    deadline = time.monotonic() + 15
    while page.evaluate("(window.Callbox.webphone || {}).state") != "registered":
        if time.monotonic() > deadline:
            raise RuntimeError("the browser phone did not register")
        time.sleep(0.1)
    page.evaluate(AUTO_ANSWER)
    return browser, page


def measure(box, api, stack, workdir: Path) -> dict:
    from playwright.sync_api import sync_playwright

    secrets_ = {}
    for number in (CALLER, BROWSER, DESK):
        r = api.post("/extensions", {"number": number, "name": f"Bench {number}"})
        assert r.status == 201, r
        secrets_[number] = r.json["secret"]
    r = api.post("/users", {"username": "bench-web", "password": PASSWORD, "role": "agent", "extension": BROWSER})
    assert r.status == 201, r
    caller = stack.phone(CALLER, secrets_[CALLER], box.sip).register()
    desk = stack.phone(DESK, secrets_[DESK], box.sip).register()
    times = {"browser": {"ring": [], "audio": []}, "pjsua2": {"ring": [], "audio": []}}
    with sync_playwright() as p:
        browser, page = _browser(box, api, workdir, p)
        try:
            for _ in range(ROUNDS):
                for kind in ("browser", "pjsua2"):
                    _rest(stack, 0.6)  # pjlib frees a closed call's sockets half a second later
                    started = time.time()
                    call = caller.call(BROWSER if kind == "browser" else DESK)
                    if kind == "pjsua2":
                        ringing = desk.wait_incoming(timeout=10)
                        rang = ringing.arrived
                        ringing.answer_call()
                    first = _first_packet(stack, call)
                    if kind == "browser":
                        rang = page.evaluate("window.benchRang") / 1000
                    times[kind]["ring"].append(rang - started)
                    times[kind]["audio"].append(first - started)
                    call.hangup_call()
                    call.wait_disconnected()
                    if kind == "browser":
                        stack.wait(lambda: page.evaluate("window.Callbox.webphone.call === null"), 10,
                                   "the browser phone to hang up")
                    else:
                        stack.wait(lambda: ringing.state == 6, 10, "the desk phone to hang up")
        finally:
            browser.close()
    caller.close()
    desk.close()
    return {kind: {k: spread(v) for k, v in t.items()} for kind, t in times.items()}


def markdown(result: dict) -> str:
    def ms(x: float) -> str:
        return f"{x * 1000:.0f} ms"

    rows = []
    for key, label in (("ring", "the called phone rings (the page shows the call)"),
                       ("audio", "the called phone's first audio packet reaches the caller")):
        b, d = result["browser"][key], result["pjsua2"][key]
        rows.append(f"| Browser phone: the caller's INVITE until {label} ({b['n']} calls) | "
                    f"p50 {ms(b['p50'])}, p95 {ms(b['p95'])}, max {ms(b['max'])} | a pjsua2 desk phone: p50 "
                    f"{ms(d['p50'])}, p95 {ms(d['p95'])} | {b['p50'] / d['p50']:.2f} x | "
                    f"{'under 1 s' if key == 'audio' else ''} |")
    rows = "\n".join(rows)
    return f"""
{SECTION}

| What | Figure | Reference (same run) | Ratio | Target |
|---|---|---|---|---|
{rows}

Notes
- One pjsua2 caller on the host calls an extension rung only at a browser phone (headless
  Chromium on the same host, registered over WebSocket from the agent desk, its fake
  microphone playing a tone) and one rung only at a pjsua2 phone, in turn; both answer as soon
  as they ring (the browser by its page's Answer button). The browser's ring time is when its
  page showed the call, on the same clock.
- Audio: the first RTP packet of the called phone reaching the caller through Asterisk. For the
  browser it includes taking the microphone, ICE checks with the box's host candidates (no
  STUN; the answer goes out 50 ms after the first host candidate instead of waiting for
  gathering to end) and the DTLS-SRTP handshake. The codec is what the browser picks from
  Asterisk's offer, which follows the caller's (G.711 μ-law with this pjsua2 caller).
"""


def main() -> int:
    from tests.integration.conftest import ADMIN_PASSWORD, box_cli, start_box
    from tests.phones import SipStack

    name = f"bench-{secrets.token_hex(3)}"
    box = start_box(name)
    stack = None
    try:
        api = Api(box.url).sign_in(ADMIN_PASSWORD)
        stack = SipStack(box.host_ip, Path(tempfile.mkdtemp(prefix="bench-webphone-")))
        section = markdown(measure(box, api, stack, stack.workdir))
    finally:
        if stack is not None:
            stack.close()
        box_cli("down", name, "--purge", check=False)
    print(section)
    if "--write" in sys.argv:
        from benchdoc import replace_section

        replace_section(SECTION.removeprefix("## "), section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
