"""Follow-me with real phones: after the desk phone's ring time the call goes on to the extension's
other numbers (another extension, an outside number through a trunk whose far end is a test
"provider"), in turn or together; an outside leg must press 1 before it is given the caller; *21
switches follow-me from the phone.

What is asserted is what the phones saw: which rang and when, audio that arrived (or did not),
who was hung up, and what the API says.
"""

from __future__ import annotations

import subprocess
import time

import pjsua2 as pj
import pytest

from tests.audio import write_tone
from tests.integration.test_permissions import Log

A_HZ, C_HZ, GREETING_HZ = 900, 1700, 1300
RING = 5  # the box's ring time for these tests, in seconds (the least it takes)
MOBILE = "013800138000"


@pytest.fixture(scope="module")
def tones(tmp_path_factory):
    d = tmp_path_factory.mktemp("tones")
    return {"a": write_tone(d / "a.wav", A_HZ, 3.0), "c": write_tone(d / "c.wav", C_HZ, 3.0),
            "greeting": write_tone(d / "greeting.wav", GREETING_HZ, 3.0)}


@pytest.fixture(scope="module")
def desks(api, sip, box):
    assert api.patch("/settings", {"ring_timeout": RING}).status == 200
    phones = {}
    for number in ("8001", "8002", "8003", "8004"):
        r = api.post("/extensions", {"number": number, "name": f"Desk {number}"})
        assert r.status == 201, r
        phones[number] = sip.phone(number, r.json["secret"], box.sip).register()
    return phones


@pytest.fixture(scope="module")
def provider(api, box, sip):
    """The provider behind a trunk, with a route for numbers starting with 0: it takes the box's
    outside calls (the "mobile" of these tests)."""
    ip = box.host_ip.rsplit(".", 1)[0] + ".5"
    dev = box.state()["host_if"]
    subprocess.run(["ip", "addr", "add", f"{ip}/24", "dev", dev], check=True)
    try:
        phone = sip.provider(ip, 5090)
        trunk = api.post("/trunks", {"name": "Provider", "host": ip, "port": 5090}).json
        r = api.post("/outbound-routes", {"name": "Out", "patterns": [{"pattern": "_0X.", "strip": 0, "prefix": ""}],
                                          "trunks": [trunk["id"]]})
        assert r.status == 201, r
        yield phone
    finally:
        subprocess.run(["ip", "addr", "del", f"{ip}/24", "dev", dev], check=False)


@pytest.fixture(autouse=True)
def no_follow_me(api, desks):
    for number in desks:
        api.patch(f"/extensions/{number}", {"dnd": False, "permission_class": "international",
                                            "follow_me": {"enabled": False, "numbers": []}})


def follow(api, number: str, numbers: list[str], **extra) -> None:
    r = api.patch(f"/extensions/{number}", {"follow_me": {"enabled": True, "numbers": numbers, **extra}})
    assert r.status == 200 and r.headers["Callbox-Applied"] == "true", r


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


def desk_rings_unanswered(phone, timeout: float = 10):
    """The desk phone rings, nobody takes it; its ringing ends when its ring time is over."""
    ringing = phone.wait_incoming(timeout=timeout)
    ringing.wait_disconnected(timeout=RING + 5)
    return ringing


def test_follow_me_rings_another_extension_after_the_desk_phone_ring_time(desks, sip, api, tones):
    follow(api, "8002", ["8003"])
    started = time.time()
    call = desks["8001"].call("8002")
    desk_rings_unanswered(desks["8002"])
    at_c = desks["8003"].wait_incoming(timeout=5)
    assert at_c.arrived - started >= RING - 0.5, f"8003 rang {at_c.arrived - started:.1f} s after the call began"
    at_c.answer_call()
    call.wait_confirmed()
    at_c.wait_confirmed()
    talk_both_ways(sip, call, at_c, tones)
    hang_up(call, at_c)


def test_an_outside_leg_that_presses_1_talks_with_the_caller(desks, sip, api, provider, tones):
    follow(api, "8002", [MOBILE], confirm=True)
    started = time.time()
    call = desks["8001"].call("8002")
    desk_rings_unanswered(desks["8002"])
    leg = provider.wait_incoming(timeout=10)
    assert f"sip:{MOBILE}@" in leg.getInfo().localUri, leg.getInfo().localUri
    assert leg.arrived - started >= RING - 0.5
    leg.answer_call()
    leg.wait_confirmed()
    # "You have an incoming call; press 1 to accept": the caller still hears ringing meanwhile.
    sip.wait(lambda: leg.listener.heard_sound(min_ms=500), 10, "the press-1 prompt")
    assert not call.connected
    # Pressed a few seconds after the prompt ended: the box is still listening.
    sip.wait(lambda: leg.listener.silent_after_sound(silence_ms=2500), 15, "the prompt to end")
    assert not call.connected and leg.connected
    leg.send_dtmf("1")
    call.wait_confirmed(timeout=10)
    talk_both_ways(sip, call, leg, tones)
    hang_up(call, leg)
    # 8002's recent calls count it as taken: on its follow-me number, not missed at the desk.
    since = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(started))
    def latest() -> list:
        items = api.get("/extensions/8002/calls?limit=1").json["items"]
        return items if items and items[0]["start"] >= since else []
    items = sip.wait(latest, 15, "8002's recent calls to list the call")
    assert (items[0]["kind"], items[0]["number"]) == ("in", "8001"), items


def test_an_outside_leg_that_does_not_press_1_is_never_connected(desks, sip, api, provider, tones):
    """A mobile's voicemail answers and plays its greeting but never presses 1: the leg is hung up
    without the caller ever being connected to it, and the call goes on to the next number."""
    follow(api, "8002", [MOBILE, "8003"], confirm=True)
    call = desks["8001"].call("8002")
    desk_rings_unanswered(desks["8002"])
    leg = provider.wait_incoming(timeout=10)
    leg.answer_call()
    leg.wait_confirmed()
    sip.wait(lambda: leg.listener.heard_sound(min_ms=500), 10, "the press-1 prompt")
    leg.play(tones["greeting"], loop=True)
    sip.wait(lambda: leg.state == pj.PJSIP_INV_STATE_DISCONNECTED or call.connected, 30,
             "the unconfirmed leg to be hung up")
    assert not call.connected, "the caller was given a leg that did not press 1"
    at_c = desks["8003"].wait_incoming(timeout=10)
    at_c.answer_call()
    call.wait_confirmed()
    talk_both_ways(sip, call, at_c, tones)
    assert not call.listener.heard_tone(GREETING_HZ, min_ms=200), "the caller heard the unconfirmed leg"
    hang_up(call, at_c)


def test_an_outside_leg_obeys_the_extensions_permission_class(desks, sip, api, box, provider):
    """8002 may no longer dial the mobile (its class was narrowed after the number was set): the
    leg is refused, never offered to the provider, and the call goes on to the next number."""
    follow(api, "8002", [MOBILE, "8003"], confirm=False)
    assert api.patch("/extensions/8002", {"permission_class": "local"}).status == 200
    log = Log(box, sip)
    offered = len(provider.incoming)
    call = desks["8001"].call("8002")
    desk_rings_unanswered(desks["8002"])
    at_c = desks["8003"].wait_incoming(timeout=10)
    event = log.wait("outside call refused")
    assert (event["by"], event["permission_class"], event["number"]) == ("8002", "local", MOBILE), event
    assert len(provider.incoming) == offered, "the provider was offered a leg the class forbids"
    at_c.answer_call()
    call.wait_confirmed()
    hang_up(call, at_c)
    # Back in a class that may dial it: the same call reaches the mobile.
    assert api.patch("/extensions/8002", {"permission_class": "international"}).status == 200
    call = desks["8001"].call("8002")
    desk_rings_unanswered(desks["8002"])
    leg = provider.wait_incoming(timeout=10)
    assert f"sip:{MOBILE}@" in leg.getInfo().localUri, leg.getInfo().localUri
    leg.answer_call()
    call.wait_confirmed()
    hang_up(call, leg)


def test_ring_together_rings_every_number_at_once(desks, sip, api, provider, tones):
    follow(api, "8002", ["8003", "8004", MOBILE], ring="together", confirm=False)
    call = desks["8001"].call("8002")
    desk_rings_unanswered(desks["8002"])
    at_c = desks["8003"].wait_incoming(timeout=10)
    at_d = desks["8004"].wait_incoming(timeout=5)
    leg = provider.wait_incoming(timeout=5)
    arrivals = [at_c.arrived, at_d.arrived, leg.arrived]
    assert max(arrivals) - min(arrivals) < 2, arrivals
    at_d.answer_call()
    call.wait_confirmed()
    at_d.wait_confirmed()
    at_c.wait_disconnected(timeout=10)
    leg.wait_disconnected(timeout=10)
    talk_both_ways(sip, call, at_d, tones)
    hang_up(call, at_d)


def test_ring_together_a_leg_answered_without_1_does_not_stop_the_others(desks, sip, api, provider, tones):
    """Rung together, a mobile whose voicemail answers at once neither takes the call nor ends the
    other legs: the desk phone in the list still rings and takes it."""
    follow(api, "8002", [MOBILE, "8003"], ring="together", confirm=True)
    call = desks["8001"].call("8002")
    desk_rings_unanswered(desks["8002"])
    leg = provider.wait_incoming(timeout=10)
    at_c = desks["8003"].wait_incoming(timeout=5)
    leg.answer_call()
    leg.wait_confirmed()
    sip.wait(lambda: leg.listener.heard_sound(min_ms=500), 10, "the press-1 prompt")
    assert not call.connected and at_c.state != pj.PJSIP_INV_STATE_DISCONNECTED
    at_c.answer_call()
    call.wait_confirmed()
    leg.wait_disconnected(timeout=10)
    talk_both_ways(sip, call, at_c, tones)
    hang_up(call, at_c)


def test_star21_switches_follow_me_from_the_phone(desks, sip, api):
    r = api.patch("/extensions/8002", {"follow_me": {"enabled": False, "numbers": ["8003"]}})
    assert r.status == 200, r

    def star21():
        call = desks["8002"].call("*21")
        call.wait_confirmed()
        sip.wait(lambda: call.listener.heard_sound(min_ms=300), 10, "the answer to *21")
        call.wait_disconnected(timeout=20)

    star21()
    assert api.get("/extensions/8002").json["follow_me"]["enabled"] is True
    call = desks["8001"].call("8002")
    desk_rings_unanswered(desks["8002"])
    at_c = desks["8003"].wait_incoming(timeout=5)
    at_c.answer_call()
    call.wait_confirmed()
    hang_up(call, at_c)

    star21()
    assert api.get("/extensions/8002").json["follow_me"]["enabled"] is False
    rang = len(desks["8003"].incoming)
    call = desks["8001"].call("8002")
    desk_rings_unanswered(desks["8002"])
    call.wait_confirmed(timeout=5)  # voicemail takes it
    sip.wait(lambda: call.listener.heard_sound(min_ms=500), 10, "the voicemail greeting")
    assert len(desks["8003"].incoming) == rang, "8003 rang with follow-me off"
    hang_up(call)
