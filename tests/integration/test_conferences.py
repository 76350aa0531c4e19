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
