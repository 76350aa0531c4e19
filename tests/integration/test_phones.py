"""Desk-phone scenarios against a real box: register, call, voicemail, #8, a crash.

Every assertion is on something that really happened: SIP responses the
phones got, tones found in the audio they received, RTP counters, the
voicemail files Asterisk wrote (through the API) and the box's health.
"""

from __future__ import annotations

import io
import time
import wave

import pytest

from tests.audio import Listener, goertzel_ratio, write_tone

BEEP_HZ = 700  # Asterisk's beep.gsm
MESSAGE_HZ = 1100
A_HZ, B_HZ = 1100, 1500


@pytest.fixture(scope="module")
def tones(tmp_path_factory):
    d = tmp_path_factory.mktemp("tones")
    return {
        "message": write_tone(d / "message.wav", MESSAGE_HZ, 3.0),
        "a": write_tone(d / "a.wav", A_HZ, 4.0),
        "b": write_tone(d / "b.wav", B_HZ, 4.0),
    }


def make_extension(api, number: str, name: str) -> dict:
    r = api.post("/extensions", {"number": number, "name": name})
    assert r.status == 201, r
    assert r.headers["Callbox-Applied"] == "true"
    return r.json


@pytest.fixture(scope="module")
def pair(api, sip, box):
    a = make_extension(api, "8001", "Alice")
    b = make_extension(api, "8002", "Bob 张")
    pa = sip.phone("8001", a["secret"], box.sip).register()
    pb = sip.phone("8002", b["secret"], box.sip).register()
    return {"a": pa, "b": pb, "ext_a": a, "ext_b": b}


def test_new_extensions_register_within_two_seconds(api, sip, box):
    for number in ("8101", "8102"):
        started = time.monotonic()
        ext = make_extension(api, number, f"Desk {number}")
        phone = sip.phone(number, ext["secret"], box.sip).register(wait=False)
        phone.wait_registered(timeout=2.0)
        elapsed = time.monotonic() - started
        assert elapsed < 2.0, f"{number} registered {elapsed:.2f} s after its creation was requested"
    box.wait_health(lambda h: h["phones_registered"] >= 2, 5, "the box to count the phones")
    reg = api.get("/extensions/8101").json["registration"]
    assert reg and reg["contact"].startswith("sip:8101@"), reg


def test_wrong_secret_is_refused(api, sip, box):
    make_extension(api, "8103", "Desk 8103")
    phone = sip.phone("8103", "Wrong-secret-123", box.sip).register(wait=False)
    sip.wait(lambda: phone.reg_code is not None, 5, "the registrar's answer")
    assert phone.reg_code in (401, 403), phone.reg_code


def test_call_answered_two_way_audio_and_dtmf(pair, sip, tones):
    a, b = pair["a"], pair["b"]
    call = a.call("8002")
    incoming = b.wait_incoming()
    incoming.answer_call()
    call.wait_confirmed()
    incoming.wait_confirmed()
    call.play(tones["a"])
    incoming.play(tones["b"])
    sip.wait(lambda: incoming.listener.heard_tone(A_HZ, min_ms=500), 8, "B to hear A's tone")
    sip.wait(lambda: call.listener.heard_tone(B_HZ, min_ms=500), 8, "A to hear B's tone")
    assert call.rx_packets() > 20 and incoming.rx_packets() > 20
    call.send_dtmf("1234#")
    sip.wait(lambda: "".join(incoming.digits) == "1234#", 5, "B to receive A's DTMF")
    # A '#' may start ## (transfer): the box holds it a second, then plays it to B, and reads
    # nothing from B while it plays. B answers as a person would, once it has heard it.
    heard = time.monotonic()
    sip.wait(lambda: time.monotonic() - heard > 0.5, 2, "B to hear the digit out")
    incoming.send_dtmf("9*")
    sip.wait(lambda: "".join(call.digits) == "9*", 5, "A to receive B's DTMF")
    call.hangup_call()
    incoming.wait_disconnected()


def leave_voicemail(sip, caller, callee, dial: str, message_wav, busy: bool = False):
    """Caller rings callee, who does not answer (or is busy); caller leaves the message. `callee`
    None: no phone is registered for the number, and its mailbox answers at once."""
    call = caller.call(dial)
    ringing = callee.wait_incoming() if callee is not None else None
    if busy:
        import pjsua2 as pj

        op = pj.CallOpParam()
        op.statusCode = 486
        ringing.hangup(op)
    # No answer: the box gives up on the callee after its ring timeout (20 s).
    call.wait_confirmed(timeout=30)
    if ringing is not None:
        ringing.wait_disconnected(timeout=5)
    sip.wait(lambda: call.listener.heard_sound(min_ms=500), 10, "the voicemail greeting")
    sip.wait(lambda: call.listener.heard_tone(BEEP_HZ, min_ms=200), 30, "the beep after the greeting")
    call.play(message_wav)
    sip.wait(call.played, 10, "the message to be spoken")
    call.hangup_call()
    call.wait_disconnected()
    return call


def wait_messages(api, number: str, count: int, folder: str | None = None, timeout: float = 10) -> list:
    deadline = time.monotonic() + timeout
    while True:
        items = api.get(f"/extensions/{number}/voicemail").json["items"]
        if len([m for m in items if folder is None or m["folder"] == folder]) >= count:
            return items
        if time.monotonic() > deadline:
            raise AssertionError(f"mailbox {number}: expected {count} messages in {folder}, have {items}")
        time.sleep(0.1)


def test_unanswered_call_goes_to_voicemail(pair, sip, api, tones):
    leave_voicemail(sip, pair["a"], pair["b"], "8002", tones["message"])
    items = wait_messages(api, "8002", 1)
    assert len(items) == 1
    msg = items[0]
    assert msg["folder"] == "INBOX"
    assert msg["caller_number"] == "8001"
    assert msg["caller_name"] == "Alice"
    assert 2 <= msg["duration"] <= 5, msg
    audio = api.get(f"/extensions/8002/voicemail/{msg['id']}")
    assert audio.status == 200 and audio.headers["Content-Type"].startswith("audio/wav")
    with wave.open(io.BytesIO(audio.body)) as w:
        assert w.getframerate() == 8000 and w.getsampwidth() == 2
        frames = w.readframes(w.getnframes())
    samples = [int.from_bytes(frames[i:i + 2], "little", signed=True) for i in range(0, len(frames), 2)]
    window = samples[8000:8000 + 160]  # one second in: the caller's tone
    assert goertzel_ratio(window, MESSAGE_HZ) > 0.6, "the stored message does not carry the caller's audio"


def listen_to_voicemail(sip, phone, code: str, pin: str):
    """Dial a voicemail feature code, log in with the PIN, play the first message."""
    call = phone.call(code.replace("#", "%23"))
    call.wait_confirmed()
    heard = call.listener
    sip.wait(lambda: heard.silent_after_sound(0, 500), 15, "the password prompt to finish")
    call.send_dtmf(pin + "#")
    after_pin = heard.mark()
    # "You have N new messages..." plays after a good PIN; 1 interrupts it to listen.
    sip.wait(lambda: heard.heard_sound(since=after_pin, min_ms=200), 10, "the mailbox summary after login")
    call.send_dtmf("1")
    after_one = heard.mark()
    sip.wait(lambda: heard.heard_tone(MESSAGE_HZ, min_ms=1000, since=after_one), 20, "the message to play")
    call.hangup_call()
    call.wait_disconnected()


def test_hash8_opens_own_mailbox_and_message_moves_to_old(pair, sip, api):
    wait_messages(api, "8002", 1, "INBOX")
    listen_to_voicemail(sip, pair["b"], "#8", pair["ext_b"]["voicemail_pin"])
    items = wait_messages(api, "8002", 1, "Old")
    assert [m["folder"] for m in items] == ["Old"]


def test_busy_goes_to_voicemail_and_star97_listens(pair, sip, api, tones):
    leave_voicemail(sip, pair["a"], pair["b"], "8002", tones["message"], busy=True)
    items = wait_messages(api, "8002", 1, "INBOX")
    assert sorted(m["folder"] for m in items) == ["INBOX", "Old"]
    listen_to_voicemail(sip, pair["b"], "*97", pair["ext_b"]["voicemail_pin"])
    items = wait_messages(api, "8002", 2, "Old")
    assert [m["folder"] for m in items] == ["Old", "Old"]


def test_delete_message(pair, api):
    items = wait_messages(api, "8002", 1)
    victim = items[0]["id"]
    r = api.delete(f"/extensions/8002/voicemail/{victim}")
    assert r.status == 204, r
    left = api.get("/extensions/8002/voicemail").json["items"]
    assert victim not in [m["id"] for m in left] and len(left) == len(items) - 1
    assert api.get(f"/extensions/8002/voicemail/{victim}").status == 404


def test_duplicate_and_invalid_numbers_change_nothing(api, box):
    before = api.get("/extensions?per_page=1000").json
    endpoints_before = box.asterisk("pjsip show endpoints")
    r = api.post("/extensions", {"number": "8001", "name": "Someone else"})
    assert r.status == 409 and r.json["field"] == "number", r
    r = api.post("/extensions", {"number": "80O1", "name": "Letter O"})
    assert r.status == 422 and r.json["field"] == "number", r
    after = api.get("/extensions?per_page=1000").json
    assert after == before
    assert api.get("/extensions/8001").json["name"] == "Alice"
    assert box.asterisk("pjsip show endpoints") == endpoints_before


def test_asterisk_killed_is_restarted_and_phones_work_again(pair, sip, box, tones):
    before = box.health()
    pid = before["asterisk_pid"]
    box.exec("kill", "-9", str(pid))
    after = box.wait_health(lambda h: h["asterisk"] == "up" and h["asterisk_pid"] not in (None, pid), 30,
                            "Asterisk to come back")
    assert after["asterisk_restarts"] == before["asterisk_restarts"] + 1
    a, b = pair["a"], pair["b"]
    for phone in (a, b):
        phone.reregister()
        phone.wait_registered(5)
    call = a.call("8002")
    incoming = b.wait_incoming()
    incoming.answer_call()
    call.wait_confirmed()
    call.play(tones["a"])
    sip.wait(lambda: incoming.listener.heard_tone(A_HZ, min_ms=500), 8, "audio after the restart")
    call.hangup_call()
    incoming.wait_disconnected()


def test_deleted_extension_takes_its_voicemail_along(pair, api, box):
    assert api.get("/extensions/8002/voicemail").json["items"], "the earlier tests left no message"
    assert api.delete("/extensions/8002").status == 204
    spool = "/data/asterisk/spool/voicemail/default"
    deadline = time.monotonic() + 5
    while "8002" in box.exec("ls", spool).split():
        assert time.monotonic() < deadline, "the spool still holds 8002's messages"
        time.sleep(0.1)
    assert make_extension(api, "8002", "New owner")["number"] == "8002"
    assert api.get("/extensions/8002/voicemail").json["items"] == []
