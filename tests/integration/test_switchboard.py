"""The switchboard with real phones: transfers (REFER and the ## / *2 codes), do-not-disturb,
forwarding from the keypad and from the page, an extension's recording policy.

Each test places its own calls; what is asserted is what the phones saw (who rang, audio that
arrived both ways, who was hung up), what the box's database says (through the API) and the
hint states Asterisk serves to BLF keys.
"""

from __future__ import annotations

import io
import subprocess
import time
import wave

import pjsua2 as pj
import pytest

from tests.audio import goertzel_ratio, write_tone

A_HZ, C_HZ = 900, 1700


@pytest.fixture(scope="module")
def tones(tmp_path_factory):
    d = tmp_path_factory.mktemp("tones")
    return {"a": write_tone(d / "a.wav", A_HZ, 3.0), "c": write_tone(d / "c.wav", C_HZ, 3.0)}


@pytest.fixture(scope="module")
def desks(api, sip, box):
    phones = {}
    for number in ("8001", "8002", "8003"):
        r = api.post("/extensions", {"number": number, "name": f"Desk {number}"})
        assert r.status == 201, r
        phones[number] = sip.phone(number, r.json["secret"], box.sip).register()
    return phones


@pytest.fixture(scope="module")
def provider(api, box, sip):
    """A provider behind a trunk, with a route for numbers starting with 0."""
    ip = box.host_ip.rsplit(".", 1)[0] + ".5"
    dev = box.state()["host_if"]
    subprocess.run(["ip", "addr", "add", f"{ip}/24", "dev", dev], check=True)
    try:
        phone = sip.provider(ip, 5090)
        trunk = api.post("/trunks", {"name": "Provider", "host": ip, "port": 5090}).json
        r = api.post("/outbound-routes", {"name": "Out", "patterns": [{"pattern": "_0X.", "strip": 0, "prefix": ""}],
                                          "trunks": [trunk["id"]]})
        assert r.status == 201, r
        phone.trunk = trunk
        yield phone
    finally:
        subprocess.run(["ip", "addr", "del", f"{ip}/24", "dev", dev], check=False)


@pytest.fixture(autouse=True)
def plain_extensions(api):
    """Every test starts from extensions with no forward and no do-not-disturb."""
    for number in ("8001", "8002", "8003"):
        api.patch(f"/extensions/{number}", {"dnd": False, "recording": "never",
                                            "forward": {"all": None, "busy": None, "no_answer": None}})


def connect(caller, callee, dial: str):
    call = caller.call(dial)
    ringing = callee.wait_incoming(timeout=10)
    ringing.answer_call()
    call.wait_confirmed()
    ringing.wait_confirmed()
    return call, ringing


def talk_both_ways(sip, one, other, tones):
    mark_one, mark_other = one.listener.mark(), other.listener.mark()
    one.play(tones["a"])
    other.play(tones["c"])
    sip.wait(lambda: other.listener.heard_tone(A_HZ, min_ms=500, since=mark_other), 10, "the tone one way")
    sip.wait(lambda: one.listener.heard_tone(C_HZ, min_ms=500, since=mark_one), 10, "the tone the other way")


def hang_up(*calls):
    for call in calls:
        call.hangup_call()
    for call in calls:
        call.wait_disconnected(timeout=10)


def feature_code(sip, phone, code: str):
    """Dial a setting code and wait for the box to say its piece and hang up."""
    call = phone.call(code)
    call.wait_confirmed()
    sip.wait(lambda: call.listener.heard_sound(min_ms=300), 10, f"the answer to {code}")
    call.wait_disconnected(timeout=20)
    return call


def hint_state(box, exten: str) -> str:
    out = box.asterisk(f"core show hint {exten}")
    return out.split("State:", 1)[1].split()[0] if "State:" in out else out


def test_blind_transfer_by_refer(desks, sip, tones):
    a, b, c = desks["8001"], desks["8002"], desks["8003"]
    call, at_b = connect(a, b, "8002")
    at_b.xfer(f"sip:8003@{b.server}", pj.CallOpParam(True))
    at_c = c.wait_incoming(timeout=10)
    at_c.answer_call()
    at_c.wait_confirmed()
    at_b.wait_disconnected(timeout=10)
    talk_both_ways(sip, call, at_c, tones)
    assert call.connected
    hang_up(call, at_c)


def test_attended_transfer_by_refer_with_replaces(desks, sip, tones):
    a, b, c = desks["8001"], desks["8002"], desks["8003"]
    call, at_b = connect(a, b, "8002")
    consult, at_c = connect(b, c, "8003")
    at_b.xferReplaces(consult, pj.CallOpParam(True))
    at_b.wait_disconnected(timeout=10)
    consult.wait_disconnected(timeout=10)
    talk_both_ways(sip, call, at_c, tones)
    hang_up(call, at_c)


def test_hash_hash_blind_transfer_from_the_keypad(desks, sip, tones):
    a, b, c = desks["8001"], desks["8002"], desks["8003"]
    call, at_b = connect(a, b, "8002")
    at_b.send_dtmf("##")
    sip.wait(lambda: at_b.listener.heard_sound(min_ms=300, since=0), 5, "the transfer prompt")
    at_b.send_dtmf("8003")
    at_c = c.wait_incoming(timeout=10)
    at_b.wait_disconnected(timeout=10)
    at_c.answer_call()
    at_c.wait_confirmed()
    talk_both_ways(sip, call, at_c, tones)
    hang_up(call, at_c)


def test_star2_attended_transfer_by_the_caller(desks, sip, tones):
    """The caller's side transfers too (Dial's T): A consults C, then hangs up to join B and C."""
    a, b, c = desks["8001"], desks["8002"], desks["8003"]
    call, at_b = connect(a, b, "8002")
    call.send_dtmf("*2")
    time.sleep(1.0)  # the box's "transfer" prompt starts; digits may come during it
    call.send_dtmf("8003")
    at_c = c.wait_incoming(timeout=10)
    at_c.answer_call()
    at_c.wait_confirmed()
    # A and C talk while B waits on hold.
    talk_both_ways(sip, call, at_c, tones)
    call.hangup_call()
    call.wait_disconnected(timeout=10)
    talk_both_ways(sip, at_b, at_c, tones)
    hang_up(at_b, at_c)


def test_dnd_from_the_keypad_sends_callers_to_voicemail_and_lights_the_blf(desks, sip, api, box):
    a, b = desks["8001"], desks["8002"]
    assert hint_state(box, "*768002") == "Idle"
    feature_code(sip, b, "*76")
    assert api.get("/extensions/8002").json["dnd"] is True
    assert hint_state(box, "*768002") == "Busy"
    rang = len(b.incoming)
    call = a.call("8002")
    call.wait_confirmed(timeout=10)  # voicemail answers at once
    sip.wait(lambda: call.listener.heard_sound(min_ms=500), 10, "the voicemail greeting")
    assert len(b.incoming) == rang, "a phone on do-not-disturb rang"
    hang_up(call)
    feature_code(sip, b, "*79")
    assert api.get("/extensions/8002").json["dnd"] is False
    assert hint_state(box, "*768002") == "Idle"
    call, at_b = connect(a, b, "8002")
    hang_up(call, at_b)


def test_star72_forwards_all_calls_to_another_extension_and_star73_cancels(desks, sip, api):
    a, b, c = desks["8001"], desks["8002"], desks["8003"]
    feature_code(sip, b, "*728003")
    assert api.get("/extensions/8002").json["forward"]["all"] == "8003"
    rang = len(b.incoming)
    call, at_c = connect(a, c, "8002")
    assert len(b.incoming) == rang
    hang_up(call, at_c)
    feature_code(sip, b, "*73")
    assert api.get("/extensions/8002").json["forward"]["all"] is None
    call, at_b = connect(a, b, "8002")
    hang_up(call, at_b)


def test_a_code_with_a_number_nobody_dials_changes_nothing(desks, sip, api):
    feature_code(sip, desks["8002"], "*729999")
    assert api.get("/extensions/8002").json["forward"]["all"] is None


def test_forward_when_busy_set_on_the_page(desks, sip, api):
    a, b, c = desks["8001"], desks["8002"], desks["8003"]
    r = api.patch("/extensions/8002", {"forward": {"busy": "8003"}})
    assert r.status == 200 and r.headers["Callbox-Applied"] == "true", r
    call = a.call("8002")
    ringing = b.wait_incoming(timeout=10)
    busy = pj.CallOpParam()
    busy.statusCode = 486
    ringing.hangup(busy)
    at_c = c.wait_incoming(timeout=10)
    at_c.answer_call()
    call.wait_confirmed()
    hang_up(call, at_c)


def test_forward_all_to_an_outside_number_leaves_through_the_trunk(desks, sip, api, provider, tones):
    a = desks["8001"]
    r = api.patch("/extensions/8003", {"forward": {"all": "013800138000"}})
    assert r.status == 200, r
    call = a.call("8003")
    leg = provider.wait_incoming(timeout=10)
    assert "sip:013800138000@" in leg.getInfo().localUri, leg.getInfo().localUri
    leg.answer_call()
    call.wait_confirmed()
    leg.wait_confirmed()
    talk_both_ways(sip, call, leg, tones)
    hang_up(call, leg)


def test_recording_policy_set_on_the_page_records_a_direct_call(desks, sip, api, tones):
    a, b = desks["8001"], desks["8002"]
    before = {r["id"] for r in api.get("/recordings").json["items"]}
    assert api.patch("/extensions/8002", {"recording": "always"}).status == 200
    call, at_b = connect(a, b, "8002")
    call.play(tones["a"])
    sip.wait(call.played, 10, "three seconds of talk")
    hang_up(call, at_b)
    deadline = time.monotonic() + 10
    while not (new := [r for r in api.get("/recordings").json["items"] if r["id"] not in before]):
        assert time.monotonic() < deadline, "no recording of the call"
        time.sleep(0.2)
    assert (new[0]["caller"], new[0]["callee"]) == ("8001", "8002")
    audio = api.get(f"/recordings/{new[0]['id']}")
    assert audio.status == 200, audio
    with wave.open(io.BytesIO(audio.body)) as w:
        frames = w.readframes(w.getnframes())
        rate = w.getframerate()
    samples = [int.from_bytes(frames[i:i + 2], "little", signed=True) for i in range(0, len(frames), 2)]
    assert any(goertzel_ratio(samples[i:i + 160], A_HZ) > 0.3 for i in range(0, len(samples) - 160, rate // 2)), \
        "the recording does not carry the caller's tone"


def test_a_trunk_at_its_channel_limit_refuses_the_next_call(desks, sip, api, provider):
    trunk = f"/trunks/{provider.trunk['id']}"
    assert api.patch(trunk, {"max_channels": 1}).status == 200
    try:
        first = desks["8001"].call("0755100")
        leg = provider.wait_incoming(timeout=10)
        leg.answer_call()
        first.wait_confirmed()
        offered = len(provider.incoming)
        second = desks["8002"].call("0755200")
        second.wait_confirmed()  # the box answers to say all circuits are busy
        sip.wait(lambda: second.listener.heard_sound(min_ms=500), 10, "the all-circuits-busy message")
        second.wait_disconnected(timeout=20)
        assert len(provider.incoming) == offered, "a call went out over a full trunk"
        hang_up(first, leg)
        again = desks["8002"].call("0755300")
        leg = provider.wait_incoming(timeout=10)
        leg.answer_call()
        again.wait_confirmed()
        hang_up(again, leg)
    finally:
        api.patch(trunk, {"max_channels": None})
