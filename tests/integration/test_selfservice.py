"""Self-service by phone, with a real caller: a ticket's status by its number, an HTTP lookup
against a web service this test runs on the host side of the box's link, a complaint recorded
into a ticket, a message in the mayor's mailbox that becomes a ticket.

The menus' own prompts are tones, told apart by their pitch; what the box says itself (a ticket's
status, "not valid", "your complaint has been recorded") is found in what the caller heard by
matching the box's own prompt files (tests/audio.py heard_file).
"""

from __future__ import annotations

import io
import json
import time
import wave

import pytest

from tests.audio import goertzel_ratio, heard_file, level, write_tone
from tests.integration.conftest import box_sound
from tests.webservice import WebService

ASK_HZ, GOLD_HZ, FALLBACK_HZ, MENU_HZ, VOICE_HZ = 500, 1200, 1700, 800, 700


def own(language: str, name: str):
    return box_sound(f"usr/share/callbox/sounds/{language}/{name}.wav")


@pytest.fixture(scope="module")
def caller(api, sip, box):
    r = api.post("/extensions", {"number": "8001", "name": "Citizen"})
    assert r.status == 201, r
    return sip.phone("8001", r.json["secret"], box.sip).register()


@pytest.fixture(scope="module")
def prompts(api, tmp_path_factory):
    d = tmp_path_factory.mktemp("prompts")
    out = {}
    for name, hz in (("ask", ASK_HZ), ("gold", GOLD_HZ), ("fallback", FALLBACK_HZ), ("menu", MENU_HZ)):
        wav = write_tone(d / f"{name}.wav", hz, 1.5)
        r = api.upload("/prompts", {"name": name}, "file", wav.name, wav.read_bytes())
        assert r.status == 201, r
        out[name] = r.json["id"]
    return out


def menu(api, name: str, **body) -> dict:
    for old in api.get("/ivrs").json["items"]:
        if old["name"] == name:
            api.delete(f"/ivrs/{old['id']}")
    r = api.post("/ivrs", {"name": name, "max_tries": 2, **body})
    assert r.status == 201, r
    return r.json


def ticket_menu(api, prompts, language=None) -> dict:
    return menu(api, "Ticket status", number="701", language=language, steps=[
        {"kind": "digits", "prompt": prompts["ask"], "min_digits": 10, "max_digits": 11, "timeout": 3},
        {"kind": "ticket_status"}])


def enter(sip, call, digits: str, since: int = 0, after_speech: bool = False) -> int:
    """Wait for the digits prompt (the ASK tone) after the mark `since` (and after the box spoke,
    where it tells something first), then key the digits and #; the mark after them."""
    def asked() -> bool:
        start = since
        if after_speech:  # the end of the last prompt for digits is not a new one
            frames = call.listener.frames
            start = next((i for i in range(since, len(frames)) if level(frames[i]) > 300
                          and goertzel_ratio(frames[i], ASK_HZ) < 0.3), None)
            if start is None:
                call.listener.poll()
                return False
        return call.listener.heard_tone(ASK_HZ, min_ms=300, since=start)

    sip.wait(asked, 15, "the prompt for digits")
    call.send_dtmf(digits + "#")
    return call.listener.mark()


def logged(sip, box, relative: str, *texts: str) -> None:
    """Wait until one line of the box's log file `relative` (under its data directory) holds all `texts`."""
    path = box.data_file(relative)
    sip.wait(lambda: path.exists() and any(all(t in line for t in texts) for line in path.read_text().splitlines()),
             10, f"{relative} to say {texts}")


def told(sip, call, prompt: str, since: int, language: str = "en") -> None:
    """Wait until the caller has heard the box's own `prompt` (after the mark `since`)."""
    sip.wait(lambda: heard_file(call.listener, own(language, prompt), since=since) > 0.8, 20,
             f"the caller to hear {prompt}", step_ms=500)


def test_a_caller_hears_the_status_of_their_ticket_in_their_language(api, sip, caller, prompts):
    made = api.post("/tickets", {"kind": "report", "summary": "Street light out", "caller": "8001"}).json
    assert api.patch(f"/tickets/{made['number']}", {"status": "in_progress"}).status == 200
    digits = made["number"].replace("-", "")
    ticket_menu(api, prompts)
    call = caller.call("701")
    call.wait_confirmed()
    enter(sip, call, digits)
    call.wait_disconnected(timeout=20)  # the menu has no keys: it hangs up once it has answered
    heard = {s: heard_file(call.listener, own("en", f"ticket-status-{s}")) for s in ("in_progress", "answered")}
    assert heard["in_progress"] > 0.8 and heard["answered"] < 0.5, heard

    ticket_menu(api, prompts, language="zh")
    call = caller.call("701")
    call.wait_confirmed()
    enter(sip, call, digits)
    call.wait_disconnected(timeout=20)
    heard = {lang: heard_file(call.listener, own(lang, "ticket-status-in_progress")) for lang in ("zh", "en")}
    assert heard["zh"] > 0.8 and heard["en"] < 0.5, heard


def test_a_wrong_number_or_too_many_digits_is_told_and_nothing_sticks(api, sip, box, caller, prompts):
    made = api.post("/tickets", {"kind": "report", "summary": "Pothole", "caller": "8001"}).json
    other = api.post("/tickets", {"kind": "report", "summary": "Not theirs", "caller": "013900139000"}).json
    ticket_menu(api, prompts)
    call = caller.call("701")
    call.wait_confirmed()
    # Twelve digits: more than the step takes. The caller hears so, and is asked again.
    after = enter(sip, call, "2" * 12)
    # Another caller's ticket answers as no ticket at all.
    again = enter(sip, call, other["number"].replace("-", ""), since=after, after_speech=True)
    assert heard_file(call.listener, own("en", "entry-invalid"), since=after) > 0.8
    told(sip, call, "ticket-not-found", again)
    call.wait_disconnected(timeout=20)
    # Each with its reason in the log: Asterisk's for the keys, the supervisor's for the ticket.
    logged(sip, box, "log/asterisk/messages.log", "self-service entry refused", "where 10 to 11 digits are taken")
    logged(sip, box, "log/supervisor.log", '"ticket status asked by phone"', other["number"].replace("-", ""),
           "no ticket of that number for that caller")
    # The box is none the worse: the next call is answered as the first.
    call = caller.call("701")
    call.wait_confirmed()
    enter(sip, call, made["number"].replace("-", ""))
    call.wait_disconnected(timeout=20)
    assert heard_file(call.listener, own("en", "ticket-status-new")) > 0.8


def voiced(wav: bytes) -> float:
    """Seconds of the caller's voice (the VOICE tone) in a WAV file."""
    with wave.open(io.BytesIO(wav)) as w:
        rate, frames = w.getframerate(), w.readframes(w.getnframes())
    samples = [int.from_bytes(frames[i:i + 2], "little", signed=True) for i in range(0, len(frames), 2)]
    windows = [samples[i:i + rate // 50] for i in range(0, len(samples) - rate // 50, rate // 50)]
    return sum(1 for w in windows if goertzel_ratio(w, VOICE_HZ) > 0.5) * 0.02


@pytest.fixture(scope="module")
def shop(box):
    """The business's web service, on the host side of the box's link."""
    s = WebService(box.host_ip)
    yield s
    s.close()


def test_the_http_lookup_plays_the_chosen_prompt_or_falls_back(api, sip, box, caller, prompts, shop):
    fallback = menu(api, "Lookup fallback", prompt=prompts["fallback"], timeout=1, max_tries=1)
    menu(api, "Points", number="702", steps=[
        {"kind": "digits", "prompt": prompts["ask"], "min_digits": 4, "max_digits": 8, "timeout": 3},
        {"kind": "http_lookup", "url": shop.url, "timeout_ms": 1500,
         "choices": [{"name": "gold", "prompt": prompts["gold"]}],
         "fallback": {"kind": "ivr", "target": str(fallback["id"])}},
        {"kind": "say", "say_as": "number", "value": "points"}])

    def lookup() -> tuple:
        call = caller.call("702")
        call.wait_confirmed()
        after = enter(sip, call, "1234")
        keyed = time.monotonic()
        which = sip.wait(lambda: ("gold" if call.listener.heard_tone(GOLD_HZ, min_ms=300, since=after) else
                                  "fallback" if call.listener.heard_tone(FALLBACK_HZ, min_ms=300, since=after)
                                  else None), 15, "the lookup's answer")
        return call, which, time.monotonic() - keyed

    shop.answer, shop.delay = json.dumps({"prompt": "gold", "variables": {"points": "1200"}}).encode(), 0.0
    call, which, _ = lookup()
    assert which == "gold"
    assert shop.asked[-1] == {"digits": ["1234"], "caller": ["8001"]}
    # Then the points are said, and the menu (no keys) hangs up.
    mark = call.listener.mark()
    sip.wait(lambda: call.listener.heard_sound(since=mark, min_ms=300), 10, "the points said")
    call.wait_disconnected(timeout=20)

    shop.delay = 5.0  # slower than the step's 1.5 s
    call, which, waited = lookup()
    assert which == "fallback" and waited < 4.5, waited
    call.hangup_call()
    call.wait_disconnected(timeout=10)

    shop.delay, shop.answer = 0.0, b"<html>maintenance</html>"
    call, which, _ = lookup()
    assert which == "fallback"
    call.hangup_call()
    call.wait_disconnected(timeout=10)
    logged(sip, box, "log/supervisor.log", '"IVR lookup failed"', "no answer within 1500 ms")
    logged(sip, box, "log/supervisor.log", '"IVR lookup failed"', "the answer is not JSON")

    # Nothing stuck: the service answers again, and so does the step.
    shop.answer = json.dumps({"prompt": "gold", "variables": {"points": "7"}}).encode()
    call, which, _ = lookup()
    assert which == "gold"
    call.hangup_call()
    call.wait_disconnected(timeout=10)


def test_a_complaint_recorded_through_a_menu_key_becomes_a_ticket_with_the_audio(api, sip, caller, prompts,
                                                                                tmp_path):
    complaints = menu(api, "Complaints", steps=[{"kind": "complaint", "max_seconds": 30, "silence_seconds": 5}])
    menu(api, "Hotline", number="703", prompt=prompts["menu"],
         options=[{"digit": "3", "kind": "ivr", "target": str(complaints["id"])}])
    before = {t["number"] for t in api.get("/tickets?per_page=500").json["items"]}
    voice = write_tone(tmp_path / "voice.wav", VOICE_HZ, 3.0)
    call = caller.call("703")
    call.wait_confirmed()
    call.through_menus([(MENU_HZ, "3")])
    mark = call.listener.mark()
    # The invitation to speak, then the beep, then the box listens: the first second of silence
    # (the invitation's pauses are shorter). What was said is matched once the call is over:
    # matching while it runs would be slower than the box's five seconds of silence.
    sip.wait(lambda: call.listener.silent_after_sound(since=mark, silence_ms=1000), 30, "the beep")
    call.play(voice)
    sip.wait(call.played, 10, "the complaint spoken")
    call.send_dtmf("#")
    after = call.listener.mark()
    call.wait_disconnected(timeout=30)
    assert heard_file(call.listener, own("en", "complaint-intro"), since=mark) > 0.8
    assert heard_file(call.listener, own("en", "complaint-recorded"), since=after) > 0.8

    new = [t for t in api.get("/tickets?per_page=500").json["items"] if t["number"] not in before]
    assert len(new) == 1, new
    made = api.get(f"/tickets/{new[0]['number']}").json
    assert (made["kind"], made["caller"], made["channel"], made["audio"]) == ("complaint", "8001", "phone", True)
    assert made["call_id"]
    audio = api.get(f"/tickets/{made['number']}/audio")
    assert audio.status == 200 and audio.headers["Content-Type"].startswith("audio/wav")
    assert 2.0 <= voiced(audio.body) <= 3.5, f"{voiced(audio.body)} s of the caller's voice in the ticket's audio"


def test_a_message_left_in_the_mayors_mailbox_becomes_a_ticket_with_its_audio(api, sip, caller, prompts, tmp_path):
    r = api.post("/extensions", {"number": "8002", "name": "Mayor's mailbox"})
    assert r.status == 201, r
    r = api.patch("/settings", {"ticket_mailboxes": ["8002"], "ticket_mailbox_kind": "suggestion"})
    assert r.status == 200, r
    menu(api, "Mayor", number="704", prompt=prompts["menu"],
         options=[{"digit": "1", "kind": "voicemail", "target": "8002"}])
    before = {t["number"] for t in api.get("/tickets?per_page=500").json["items"]}
    call = caller.call("704")
    call.wait_confirmed()
    call.through_menus([(MENU_HZ, "1")])
    mark = call.listener.mark()
    # "The person at extension 8002 is unavailable ... after the tone", the tone, then silence.
    sip.wait(lambda: call.listener.silent_after_sound(since=mark, silence_ms=1500), 40, "the voicemail beep")
    call.play(write_tone(tmp_path / "letter.wav", VOICE_HZ, 3.0))
    sip.wait(call.played, 10, "the message spoken")
    call.hangup_call()
    call.wait_disconnected(timeout=10)
    deadline = time.monotonic() + 20
    while not (new := [t for t in api.get("/tickets?per_page=500").json["items"] if t["number"] not in before]):
        assert time.monotonic() < deadline, "the message did not become a ticket"
        time.sleep(0.3)
    made = api.get(f"/tickets/{new[0]['number']}").json
    assert (made["kind"], made["channel"], made["caller"], made["audio"]) == ("suggestion", "voicemail", "8001", True)
    audio = api.get(f"/tickets/{made['number']}/audio")
    assert audio.status == 200
    assert 2.0 <= voiced(audio.body) <= 3.5
