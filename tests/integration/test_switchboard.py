"""The switchboard with real phones: transfers (REFER and the ## / *2 codes), call park, pickup,
do-not-disturb, forwarding from the keypad and from the page, an extension's recording policy.

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
    for number in ("8001", "8002", "8003", "8004"):
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
        phone.ip = ip
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
    for number in ("8001", "8002", "8003", "8004"):
        api.patch(f"/extensions/{number}", {"dnd": False, "recording": "never", "pickup_groups": [],
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


def keypad_transfer(sip, call, code: str, number: str) -> None:
    """Press an in-call transfer code, wait for the box's "transfer" prompt, dial the number."""
    mark = call.listener.mark()
    call.send_dtmf(code)
    sip.wait(lambda: call.listener.heard_sound(min_ms=300, since=mark), 5, f"the prompt after {code}")
    call.send_dtmf(number)


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
    keypad_transfer(sip, at_b, "##", "8003")
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
    keypad_transfer(sip, call, "*2", "8003")
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
    new = sip.wait(lambda: [r for r in api.get("/recordings").json["items"] if r["id"] not in before], 10,
                   "a recording of the call")
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


def test_directed_pickup_with_star_star(desks, sip, tones):
    a, b, c = desks["8001"], desks["8002"], desks["8003"]
    call = a.call("8002")
    ringing = b.wait_incoming(timeout=10)
    grab = c.call("**8002")
    grab.wait_confirmed()
    call.wait_confirmed()
    ringing.wait_disconnected(timeout=10)
    talk_both_ways(sip, call, grab, tones)
    hang_up(call, grab)


def test_star8_picks_up_within_the_pickup_group_only(desks, sip, api, tones):
    a, b, c, d = desks["8001"], desks["8002"], desks["8003"], desks["8004"]
    for number in ("8002", "8003"):
        assert api.patch(f"/extensions/{number}", {"pickup_groups": ["sales"]}).status == 200
    call = a.call("8002")
    ringing = b.wait_incoming(timeout=10)
    outsider = d.call("*8")  # 8004 is in no group: nothing for it to pick up
    outsider.wait_disconnected(timeout=10)
    assert not call.connected and ringing.state != pj.PJSIP_INV_STATE_DISCONNECTED
    grab = c.call("*8")
    grab.wait_confirmed()
    call.wait_confirmed()
    ringing.wait_disconnected(timeout=10)
    talk_both_ways(sip, call, grab, tones)
    hang_up(call, grab)


def parked_calls(sip, api, count: int, timeout: float = 10) -> list:
    def slots() -> list:
        return [s for s in api.get("/park").json["items"] if s["call"]]
    sip.wait(lambda: len(slots()) == count, timeout, f"{count} parked calls")
    return slots()


def park(desks, api, sip=None):
    """8001 calls 8002, who transfers the call to 70 (transfer key, or ##70 given the phones' `sip`):
    8001 waits in the park."""
    call, at_b = connect(desks["8001"], desks["8002"], "8002")
    if sip is not None:
        keypad_transfer(sip, at_b, "##", "70")
    else:
        at_b.xfer(f"sip:70@{desks['8002'].server}", pj.CallOpParam(True))
    at_b.wait_disconnected(timeout=10)
    return call, parked_calls(desks["8001"].stack, api, 1)[0]


def test_a_call_parked_at_70_is_taken_back_from_another_phone(desks, sip, api, box, tones):
    call, slot = park(desks, api)
    assert slot["slot"] == "71"
    assert (slot["call"]["caller"], slot["call"]["parked_by"]) == ("8001", "8002")
    assert hint_state(box, "71") == "InUse" and hint_state(box, "72") == "Idle"
    assert call.connected
    back = desks["8003"].call("71")
    back.wait_confirmed()
    talk_both_ways(sip, call, back, tones)
    parked_calls(sip, api, 0)
    hang_up(call, back)


def test_a_parked_call_nobody_takes_rings_its_parker_again(desks, sip, api, tones):
    assert api.patch("/settings", {"park_timeout": 10}).status == 200
    try:
        call, _ = park(desks, api, sip)
        again = desks["8002"].wait_incoming(timeout=25)
        again.answer_call()
        again.wait_confirmed()
        talk_both_ways(sip, call, again, tones)
        parked_calls(sip, api, 0)
        hang_up(call, again)
    finally:
        api.patch("/settings", {"park_timeout": 45})


def clock(t: float) -> str:
    return time.strftime("%H:%M", time.gmtime(t))  # a new box keeps UTC


def inbound_to(api, provider, box, dest: dict):
    """Calls from the provider to 075500000000 go to `dest`; returns a function that places one."""
    for route in api.get("/inbound-routes").json["items"]:
        api.delete(f"/inbound-routes/{route['id']}")
    r = api.post("/inbound-routes", {"name": "Main", "did": "075500000000", "destination": dest})
    assert r.status == 201, r
    return lambda: provider.call_uri(f"sip:075500000000@{box.box_ip}:5060")


def rings(phone, call, sip):
    ringing = phone.wait_incoming(timeout=10)
    ringing.answer_call()
    call.wait_confirmed()
    hang_up(call, ringing)


def test_a_time_condition_follows_the_clock_and_star28_overrides_it(desks, sip, api, box, provider):
    now = time.time()
    if time.gmtime(now).tm_hour == 23 and time.gmtime(now).tm_min >= 57:  # a rule cannot cross midnight
        sip.wait(lambda: time.gmtime().tm_hour == 0, 400, "midnight to pass")
        now = time.time()
    start = now - now % 60
    # Open until the next minute boundary at least 35 s away: the first call lands well inside it.
    end = start + (60 if now - start < 25 else 120)
    r = api.post("/time-conditions", {"name": "Now", "rules": [{"days": [time.strftime("%a", time.gmtime()).lower()],
                                                                "from": clock(start), "to": clock(end)}],
                                      "matched": {"kind": "extension", "target": "8002"},
                                      "unmatched": {"kind": "extension", "target": "8003"}})
    assert r.status == 201, r
    tc = r.json
    assert tc["state"] == "matched"
    call = inbound_to(api, provider, box, {"kind": "time_condition", "target": str(tc["id"])})
    try:
        rings(desks["8002"], call(), sip)
        # A supervisor's phone switches it by hand: callers go the other way, and its BLF lights.
        assert api.post("/users", {"username": "tess", "password": "Super-Visor-78", "role": "supervisor",
                                   "extension": "8001"}).status == 201
        feature_code(sip, desks["8001"], f"*28{tc['code']}")
        got = api.get(f"/time-conditions/{tc['id']}").json
        assert (got["override"], got["state"]) == ("unmatched", "unmatched")
        assert hint_state(box, f"*28{tc['code']}") == "Busy"
        rings(desks["8003"], call(), sip)
        feature_code(sip, desks["8001"], f"*28{tc['code']}")
        assert api.get(f"/time-conditions/{tc['id']}").json["override"] is None
        assert hint_state(box, f"*28{tc['code']}") == "Idle"
        # A phone of no supervisor cannot switch it.
        refused = desks["8004"].call(f"*28{tc['code']}")
        refused.wait_disconnected(timeout=15)
        assert api.get(f"/time-conditions/{tc['id']}").json["override"] is None
        # The clock crosses the end of the opening time: the same call now goes to the other phone.
        sip.wait(lambda: time.time() > end + 1, 200, "the opening time to end")
        assert api.get(f"/time-conditions/{tc['id']}").json["state"] == "unmatched"
        rings(desks["8003"], call(), sip)
    finally:
        for route in api.get("/inbound-routes").json["items"]:
            api.delete(f"/inbound-routes/{route['id']}")
        api.delete(f"/time-conditions/{tc['id']}")
        for user in api.get("/users").json["items"]:
            if user["username"] == "tess":
                api.delete(f"/users/{user['id']}")


def test_blacklisted_callers_are_refused_and_star32_adds_the_last_one(desks, sip, api, box, provider):
    nuisance = sip.provider(provider.ip, 5090, user="013900139000", same_as=provider)
    call = inbound_to(api, provider, box, {"kind": "extension", "target": "8002"})
    placed = lambda who: who.call_uri(f"sip:075500000000@{box.box_ip}:5060")  # noqa: E731
    try:
        r = api.post("/blacklist", {"number": "provider-not-a-number"})
        assert r.status == 422, r
        # Not yet listed: the call rings 8002, who answers; then 8002 dials *32.
        rings(desks["8002"], placed(nuisance), sip)
        feature_code(sip, desks["8002"], "*32")
        items = api.get("/blacklist").json["items"]
        assert [e["number"] for e in items] == ["013900139000"], items
        rang = len(desks["8002"].incoming)
        refused = placed(nuisance)
        refused.wait_disconnected(timeout=10)
        assert refused.last_status == 486, refused.last_status
        assert len(desks["8002"].incoming) == rang, "a blacklisted caller rang the phone"
        rings(desks["8002"], call(), sip)  # another caller still gets through
        feature_code(sip, desks["8002"], "*31013900139000")
        assert api.get("/blacklist").json["items"] == []
        rings(desks["8002"], placed(nuisance), sip)
    finally:
        for entry in api.get("/blacklist").json["items"]:
            api.delete(f"/blacklist/{entry['id']}")
        for route in api.get("/inbound-routes").json["items"]:
            api.delete(f"/inbound-routes/{route['id']}")
