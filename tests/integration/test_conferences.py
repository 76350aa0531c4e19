"""Conference rooms with real phones on a real ConfBridge: PINs (the host's makes a host),
audio from the host reaching every party, the live state the API shows (from AMI events).

What is asserted is what happened: the tones each phone heard, calls that ended, the parties
the box lists live, files on the box's disk.
"""

from __future__ import annotations

import time

import pytest

from tests.audio import write_tone

HOST_HZ, PARTY_HZ = 900, 1700
PIN, HOST_PIN = "482915", "739164"


@pytest.fixture(scope="module")
def tones(tmp_path_factory):
    d = tmp_path_factory.mktemp("tones")
    return {"host": write_tone(d / "host.wav", HOST_HZ, 3.0), "party": write_tone(d / "party.wav", PARTY_HZ, 3.0)}


@pytest.fixture(scope="module")
def desks(api, sip, box):
    phones = {}
    for number in ("8001", "8002", "8003", "8004"):
        r = api.post("/extensions", {"number": number, "name": f"Desk {number}"})
        assert r.status == 201, r
        phones[number] = sip.phone(number, r.json["secret"], box.sip).register()
    return phones


@pytest.fixture
def room(api):
    """Room 8500 with a PIN and a host PIN, made for the test and gone after it."""
    r = api.post("/conferences", {"number": "8500", "name": "Board", "pin": PIN, "host_pin": HOST_PIN})
    assert r.status == 201, r
    yield r.json
    assert api.delete("/conferences/8500").status == 204


def live(api, number="8500") -> dict:
    r = api.get(f"/conferences/{number}/live")
    assert r.status == 200, r
    return r.json


def wait_live(api, predicate, what: str, number="8500", timeout: float = 10) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        state = live(api, number)
        if predicate(state):
            return state
        assert time.monotonic() < deadline, f"timed out waiting for {what}; live: {state}"
        time.sleep(0.1)


def dial_in(sip, phone, pin: str | None, number="8500"):
    """Call the room and, once the PIN prompt plays, key the PIN (# ends it)."""
    call = phone.call(number)
    call.wait_confirmed()
    if pin is not None:
        sip.wait(lambda: call.listener.heard_sound(min_ms=300), 10, "the PIN prompt")
        call.send_dtmf(pin + "#")
    return call


def hang_up(*calls):
    for call in calls:
        call.hangup_call()
    for call in calls:
        call.wait_disconnected(timeout=10)


def test_pins_make_hosts_and_participants_and_a_wrong_pin_is_refused(desks, sip, api, room, tones):
    host = dial_in(sip, desks["8001"], HOST_PIN)
    one = dial_in(sip, desks["8002"], PIN)
    two = dial_in(sip, desks["8003"], PIN)
    state = wait_live(api, lambda s: len(s["parties"]) == 3, "three parties")
    assert {p["caller"]: p["host"] for p in state["parties"]} == {"8001": True, "8002": False, "8003": False}
    assert state["locked"] is False and all(not p["muted"] for p in state["parties"])

    # Three wrong PINs: the box says so each time, then hangs up; the caller never joins.
    wrong = desks["8004"].call("8500")
    wrong.wait_confirmed()
    mark = 0
    for _ in range(3):
        sip.wait(lambda: wrong.listener.silent_after_sound(since=mark, silence_ms=400), 15, "the PIN prompt to end")
        wrong.send_dtmf("111111#")
        mark = wrong.listener.mark()
    wrong.wait_disconnected(timeout=15)
    assert "8004" not in {p["caller"] for p in live(api)["parties"]}

    # Everyone hears the host.
    marks = {c: c.listener.mark() for c in (one, two)}
    host.play(tones["host"], loop=True)
    for call in (one, two):
        sip.wait(lambda: call.listener.heard_tone(HOST_HZ, min_ms=500, since=marks[call]), 10,
                 f"the host's tone at {call.phone.number}")
    hang_up(host, one, two)
    wait_live(api, lambda s: not s["parties"], "the room to empty")


def test_a_room_without_pins_and_its_number_is_reached_from_phones(desks, sip, api):
    r = api.post("/conferences", {"number": "8510", "name": "Open room", "max_parties": 2})
    assert r.status == 201, r
    try:
        assert api.post("/extensions", {"number": "8510", "name": "Clash"}).status == 409
        a = dial_in(sip, desks["8001"], None, "8510")
        b = dial_in(sip, desks["8002"], None, "8510")
        wait_live(api, lambda s: len(s["parties"]) == 2, "two parties", "8510")
        # A room of two is full: the third caller is refused.
        c = dial_in(sip, desks["8003"], None, "8510")
        c.wait_disconnected(timeout=15)
        assert len(live(api, "8510")["parties"]) == 2
        hang_up(a, b)
    finally:
        assert api.delete("/conferences/8510").status == 204


def test_the_keypad_mutes_yourself_and_the_host_leaves_with_0(desks, sip, api, room):
    host = dial_in(sip, desks["8001"], HOST_PIN)
    one = dial_in(sip, desks["8002"], PIN)
    state = wait_live(api, lambda s: len(s["parties"]) == 2, "two parties")
    for call, number in ((one, "8002"), (host, "8001")):
        call.send_dtmf("1")
        wait_live(api, lambda s: any(p["caller"] == number and p["muted"] for p in s["parties"]),
                  f"{number} muted by its own key 1")
        call.send_dtmf("1")
        wait_live(api, lambda s: any(p["caller"] == number and not p["muted"] for p in s["parties"]),
                  f"{number} unmuted by key 1 again")
    # 0 is the host's "leave"; a participant's 0 does nothing.
    one.send_dtmf("0")
    host.send_dtmf("0")
    host.wait_disconnected(timeout=10)
    state = wait_live(api, lambda s: len(s["parties"]) == 1, "the host gone")
    assert state["parties"][0]["caller"] == "8002" and one.connected
    hang_up(one)
    wait_live(api, lambda s: not s["parties"], "the room to empty")


# -- many phones: a farm of pjsua2 processes (one process holds 8 accounts at most) ---------

def make_phones(api, box, farm, numbers) -> dict:
    phones = {}
    for number in numbers:
        r = api.post("/extensions", {"number": number, "name": f"Desk {number}", "voicemail_enabled": False})
        assert r.status == 201, r
        phones[number] = farm.add(number, r.json["secret"])
    farm.wait(lambda: all(p.registered for p in phones.values()), 20, "the farm's phones to register")
    return phones


def join_all(farm, phones, pin: str | None, number: str) -> dict:
    """Every phone calls the room at once; each keys the PIN once it hears the prompt."""
    calls = {p.number: p.call(number) for p in phones}
    farm.wait(lambda: all(c.connected for c in calls.values()), 20, "every call to the room to be answered")
    if pin is not None:
        waiting = dict(calls)
        def prompted():
            for n, c in list(waiting.items()):
                if c.listener.heard_sound(min_ms=300):
                    c.send_dtmf(pin + "#")
                    del waiting[n]
            return not waiting
        farm.wait(prompted, 20, "every phone to hear the PIN prompt")
    return calls


@pytest.fixture(scope="module")
def farm(box, tmp_path_factory):
    from tests.phone_farm import Farm

    f = Farm(box.host_ip, box.sip, tmp_path_factory.mktemp("farm"))
    try:
        yield f
    finally:
        f.close()


@pytest.fixture(scope="module")
def eleven(api, box, farm):
    return make_phones(api, box, farm, [str(n) for n in range(8101, 8112)])


def heard(farm, calls, hz, what, since=None, timeout=10, ratio=0.6):
    since = since or {}
    farm.wait(lambda: all(c.listener.heard_tone(hz, min_ms=400, since=since.get(c, 0), ratio=ratio)
                          for c in calls), timeout, what)


def test_ten_phones_hear_the_host_and_mute_kick_and_lock_act_on_the_right_one(api, farm, eleven, tones):
    r = api.post("/conferences", {"number": "8520", "name": "All hands", "pin": PIN, "host_pin": HOST_PIN})
    assert r.status == 201, r
    try:
        host = join_all(farm, [eleven["8101"]], HOST_PIN, "8520")["8101"]
        parties = join_all(farm, [eleven[str(n)] for n in range(8102, 8111)], PIN, "8520")
        state = wait_live(api, lambda s: len(s["parties"]) == 10, "ten parties", "8520", timeout=20)
        assert [p["caller"] for p in state["parties"] if p["host"]] == ["8101"]
        ids = {p["caller"]: p["id"] for p in state["parties"]}

        # All nine hear the host.
        marks = {c: c.listener.mark() for c in parties.values()}
        host.play(tones["host"])
        heard(farm, parties.values(), HOST_HZ, "the host's tone at all nine", marks)

        # 8102 speaks: the host and the others hear it; muted from the API, nobody does any more,
        # while the host still gets through.
        talker = parties["8102"]
        others = [host] + [c for n, c in parties.items() if n != "8102"]
        marks = {c: c.listener.mark() for c in others}
        talker.play(tones["party"], loop=True)
        heard(farm, others, PARTY_HZ, "8102's tone at the nine others", marks)
        state = wait_live(api, lambda s: any(p["caller"] == "8102" and p["talking"] for p in s["parties"]),
                          "8102 to be shown talking", "8520")
        assert api.post(f"/conferences/8520/parties/{ids['8102']}/mute").status == 204
        wait_live(api, lambda s: any(p["caller"] == "8102" and p["muted"] and not p["talking"]
                                     for p in s["parties"]), "8102 muted", "8520")
        time.sleep(0.3)  # audio already on its way when the mute took effect
        listeners = [c for c in others if c is not host]
        marks = {c: c.listener.mark() for c in listeners}
        host.play(tones["host"])
        heard(farm, listeners, HOST_HZ, "the host's tone after the mute", marks)
        for c in listeners:
            assert not c.listener.heard_tone(PARTY_HZ, min_ms=200, since=marks[c], ratio=0.3), \
                f"{c.phone.number} still hears the muted phone"
        assert api.post(f"/conferences/8520/parties/{ids['8102']}/unmute").status == 204
        marks = {c: c.listener.mark() for c in listeners}
        heard(farm, listeners, PARTY_HZ, "8102's tone again after unmute", marks, ratio=0.3)

        # Kicked: 8103's call ends and the room lists nine.
        assert api.post(f"/conferences/8520/parties/{ids['8103']}/kick").status == 204
        parties["8103"].wait_disconnected(timeout=10)
        state = wait_live(api, lambda s: len(s["parties"]) == 9, "nine parties", "8520")
        assert "8103" not in {p["caller"] for p in state["parties"]}

        # Locked: an eleventh phone with the right PIN is refused; unlocked, it gets in.
        assert api.post("/conferences/8520/lock").status == 204
        wait_live(api, lambda s: s["locked"], "the room to be locked", "8520")
        late = join_all(farm, [eleven["8111"]], PIN, "8520")["8111"]
        late.wait_disconnected(timeout=15)
        assert "8111" not in {p["caller"] for p in live(api, "8520")["parties"]}
        assert api.post("/conferences/8520/unlock").status == 204
        wait_live(api, lambda s: not s["locked"], "the room to be open", "8520")
        join_all(farm, [eleven["8111"]], PIN, "8520")
        wait_live(api, lambda s: "8111" in {p["caller"] for p in s["parties"]}, "8111 in the room", "8520")

        for phone in eleven.values():
            phone.hang_up_all()
        wait_live(api, lambda s: not s["parties"], "the room to empty", "8520", timeout=20)
    finally:
        assert api.delete("/conferences/8520").status == 204


def test_invite_calls_an_extension_and_joins_it_and_refuses_numbers_nobody_dials(desks, sip, api, box, tones):
    r = api.post("/conferences", {"number": "8530", "name": "Standup"})
    assert r.status == 201, r
    try:
        first = dial_in(sip, desks["8001"], None, "8530")
        wait_live(api, lambda s: len(s["parties"]) == 1, "the first party", "8530")
        for bad in ("9999", "0123"):  # no extension, and no outbound route on this box
            r = api.post("/conferences/8530/invite", {"number": bad})
            assert r.status == 422 and r.json["field"] == "number", r
        # The box calls a phone it finds reachable: while other tests ran, this process answered
        # none of the box's OPTIONS (it runs SIP only while it waits on these phones).
        sip.wait(lambda: " Avail " in box.asterisk("pjsip show contacts like 8004"), 70, "8004 to be reachable",
                 step_ms=200)
        r = api.post("/conferences/8530/invite", {"number": "8004"})
        assert r.status == 202 and r.json == {"calling": "8004"}, r
        ringing = desks["8004"].wait_incoming(timeout=10)
        assert "8530" in ringing.remote_uri
        ringing.answer_call()
        ringing.wait_confirmed()
        state = wait_live(api, lambda s: len(s["parties"]) == 2, "the invited party", "8530")
        assert {p["caller"] for p in state["parties"]} == {"8001", "8004"}
        mark = first.listener.mark()
        ringing.play(tones["party"])
        sip.wait(lambda: first.listener.heard_tone(PARTY_HZ, min_ms=500, since=mark), 10, "the invited party's voice")
        hang_up(first, ringing)
    finally:
        wait_live(api, lambda s: not s["parties"], "the room to empty", "8530")
        assert api.delete("/conferences/8530").status == 204


def test_participants_hear_music_until_the_host_joins_and_only_then_each_other(desks, sip, api, tones):
    r = api.post("/conferences", {"number": "8540", "name": "Webinar", "host_pin": HOST_PIN,
                                  "wait_for_host": True})
    assert r.status == 201, r
    try:
        # No participants' PIN: they press # (or nothing) at the prompt.
        a = dial_in(sip, desks["8002"], "", "8540")
        b = dial_in(sip, desks["8003"], "", "8540")
        wait_live(api, lambda s: len(s["parties"]) == 2, "two waiting participants", "8540")
        mark = b.listener.mark()
        a.play(tones["party"])
        sip.wait(a.played, 10, "a's three seconds of tone")
        assert b.listener.heard_sound(since=mark, min_ms=1000), "no music while waiting for the host"
        assert not b.listener.heard_tone(PARTY_HZ, min_ms=300, since=mark, ratio=0.3), \
            "waiting participants hear each other before the host is in"
        host = dial_in(sip, desks["8001"], HOST_PIN, "8540")
        wait_live(api, lambda s: any(p["host"] for p in s["parties"]), "the host", "8540")
        mark = b.listener.mark()
        a.play(tones["party"])
        sip.wait(lambda: b.listener.heard_tone(PARTY_HZ, min_ms=500, since=mark), 10,
                 "the participants to hear each other once the host is in")
        hang_up(a, b, host)
    finally:
        wait_live(api, lambda s: not s["parties"], "the room to empty", "8540")
        assert api.delete("/conferences/8540").status == 204


def test_a_recorded_room_is_recorded_beside_the_calls_recordings(desks, sip, api, box, tones):
    r = api.post("/conferences", {"number": "8550", "name": "Minutes", "record": True})
    assert r.status == 201, r
    try:
        a = dial_in(sip, desks["8001"], None, "8550")
        wait_live(api, lambda s: s["recording"], "the room to be recorded", "8550")
        a.play(tones["host"])
        sip.wait(a.played, 10, "three seconds of talk")
        hang_up(a)
        wait_live(api, lambda s: not s["parties"], "the room to empty", "8550")
        files = box.exec("find", "/data/recordings", "-name", "conference-8550-*.wav", "-size", "+8k").split()
        assert len(files) == 1, files
    finally:
        assert api.delete("/conferences/8550").status == 204


def asterisk_cpu(box, seconds: float) -> float:
    """Asterisk's CPU time over a window, as a share of one core (a figure for the log)."""
    pid = box.exec("pidof", "asterisk").split()[0]

    def ticks() -> int:
        fields = box.exec("cat", f"/proc/{pid}/stat").rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime, stime

    before, t0 = ticks(), time.monotonic()
    time.sleep(seconds)  # the measuring window, not a wait for an event
    return (ticks() - before) / 100 / (time.monotonic() - t0)


def test_sixty_four_phones_join_one_room_and_a_sixty_fifth_is_refused(api, box, tmp_path):
    from tests.phone_farm import Farm

    r = api.post("/conferences", {"number": "8560", "name": "Town hall", "max_parties": 64})
    assert r.status == 201, r
    farm = Farm(box.host_ip, box.sip, tmp_path / "farm64")
    started = time.monotonic()
    try:
        phones = make_phones(api, box, farm, [str(n) for n in range(8601, 8666)])
        numbers = sorted(phones)
        calls = join_all(farm, [phones[n] for n in numbers[:64]], None, "8560")
        state = wait_live(api, lambda s: len(s["parties"]) == 64, "64 parties", "8560", timeout=60)
        assert sorted(p["caller"] for p in state["parties"]) == numbers[:64]
        assert all(c.connected for c in calls.values())
        print(f"64 parties in the room {time.monotonic() - started:.1f} s after the start; "
              f"Asterisk then uses {asterisk_cpu(box, 3.0):.0%} of one core")
        last = phones[numbers[64]].call("8560")
        last.wait_disconnected(timeout=20)
        assert len(live(api, "8560")["parties"]) == 64
        for phone in phones.values():
            phone.hang_up_all()
        wait_live(api, lambda s: not s["parties"], "the room to empty", "8560", timeout=60)
    finally:
        farm.close()
        print(f"64-party test: {time.monotonic() - started:.1f} s")
        assert api.delete("/conferences/8560").status == 204


# -- callers from outside ------------------------------------------------------------------

@pytest.fixture(scope="module")
def provider(api, box, sip):
    """A provider behind a trunk, with a route for numbers starting with 0."""
    import subprocess

    ip = box.host_ip.rsplit(".", 1)[0] + ".5"
    dev = box.state()["host_if"]
    subprocess.run(["ip", "addr", "add", f"{ip}/24", "dev", dev], check=True)
    try:
        phone = sip.provider(ip, 5090, user="013800138000")
        trunk = api.post("/trunks", {"name": "Provider", "host": ip, "port": 5090}).json
        r = api.post("/outbound-routes", {"name": "Out", "patterns": [{"pattern": "_0X.", "strip": 0, "prefix": ""}],
                                          "trunks": [trunk["id"]]})
        assert r.status == 201, r
        yield phone
    finally:
        subprocess.run(["ip", "addr", "del", f"{ip}/24", "dev", dev], check=False)


def test_outside_callers_reach_a_room_through_an_ivr_key_and_an_outside_number_is_invited(
        desks, sip, api, box, provider, tones):
    r = api.post("/conferences", {"number": "8570", "name": "Customers"})
    assert r.status == 201, r
    ivr = api.post("/ivrs", {"name": "Conference line", "options": [
        {"digit": "1", "kind": "conference", "target": "8570"}]})
    assert ivr.status == 201, ivr
    route = api.post("/inbound-routes", {"name": "Conference line", "did": "075500000070",
                                         "destination": {"kind": "ivr", "target": str(ivr.json["id"])}})
    assert route.status == 201, route
    try:
        inside = dial_in(sip, desks["8001"], None, "8570")
        outside = provider.call_uri(f"sip:075500000070@{box.box_ip}:5060")
        outside.wait_confirmed()
        outside.send_dtmf("1")
        state = wait_live(api, lambda s: len(s["parties"]) == 2, "the outside caller in the room", "8570")
        assert {p["caller"] for p in state["parties"]} == {"8001", "013800138000"}
        mark = inside.listener.mark()
        outside.play(tones["party"])
        sip.wait(lambda: inside.listener.heard_tone(PARTY_HZ, min_ms=500, since=mark), 10, "the outside caller")
        outside.hangup_call()
        outside.wait_disconnected()

        # Invited: the box calls the outside number through the outbound route and its trunk.
        r = api.post("/conferences/8570/invite", {"number": "013900139000"})
        assert r.status == 202, r
        ringing = provider.wait_incoming(timeout=10)
        assert "013900139000" in ringing.getInfo().localUri
        ringing.answer_call()
        ringing.wait_confirmed()
        wait_live(api, lambda s: "013900139000" in {p["caller"] for p in s["parties"]}, "the invited number",
                  "8570")
        hang_up(inside, ringing)
        wait_live(api, lambda s: not s["parties"], "the room to empty", "8570")
    finally:
        api.delete(f"/inbound-routes/{route.json['id']}")
        api.delete(f"/ivrs/{ivr.json['id']}")
        assert api.delete("/conferences/8570").status == 204
