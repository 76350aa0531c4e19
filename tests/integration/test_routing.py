"""Calls through what the web UI configures: IVRs, ring groups, a trunk, prompts from a phone.

The "provider" is a pjsua2 user agent on a second address of the host's end
of the box's veth pair (added by this module, removed after), so the box
tells it apart from the desk phones by address, as it would a real provider.
"""

from __future__ import annotations

import subprocess

import pjsua2 as pj
import pytest

from tests.audio import write_tone

TONE_HZ = 1300


def ext(api, number):
    r = api.post("/extensions", {"number": number, "name": f"Desk {number}"})
    assert r.status == 201, r
    return r.json


@pytest.fixture(scope="module")
def desks(api, sip, box):
    phones = {}
    for number in ("8001", "8002", "8003"):
        e = ext(api, number)
        phones[number] = sip.phone(number, e["secret"], box.sip).register()
    return phones


@pytest.fixture(scope="module")
def provider_ip(box):
    ip = box.host_ip.rsplit(".", 1)[0] + ".3"
    dev = box.state()["host_if"]
    subprocess.run(["ip", "addr", "add", f"{ip}/24", "dev", dev], check=True)
    try:
        yield ip
    finally:
        subprocess.run(["ip", "addr", "del", f"{ip}/24", "dev", dev], check=False)


def answer_next(phone):
    call = phone.wait_incoming(timeout=10)
    call.answer_call()
    call.wait_confirmed()
    return call


def prompt(api, tmp_path, name: str, hz: int) -> int:
    """An uploaded prompt: a tone that tells the listener which menu is playing."""
    wav = write_tone(tmp_path / f"{name}.wav", hz, 1.5)
    r = api.upload("/prompts", {"name": name}, "file", f"{name}.wav", wav.read_bytes())
    assert r.status == 201, r
    return r.json["id"]


def test_two_level_ivr_reaches_the_right_extension(api, desks, sip, tmp_path):
    sub = api.post("/ivrs", {"name": "Support", "prompt": prompt(api, tmp_path, "support", 1500), "options": [
        {"digit": "2", "kind": "extension", "target": "8003"}]}).json
    top = api.post("/ivrs", {"name": "Welcome", "number": "700", "prompt": prompt(api, tmp_path, "welcome", 900),
                             "options": [{"digit": "1", "kind": "ivr", "target": str(sub["id"])},
                                         {"digit": "3", "kind": "extension", "target": "8002"}]})
    assert top.status == 201, top
    call = desks["8001"].call("700")
    call.wait_confirmed()
    call.through_menus([(900, "1"), (1500, "2")])
    ringing = desks["8003"].wait_incoming(timeout=10)
    ringing.answer_call()
    ringing.wait_confirmed()
    assert len(desks["8002"].incoming) == 0
    call.hangup_call()
    ringing.wait_disconnected()


def test_ring_group_all_at_once_then_in_order(api, desks, sip):
    r = api.post("/ring-groups", {"number": "600", "name": "Sales", "members": ["8002", "8003"]})
    assert r.status == 201, r
    call = desks["8001"].call("600")
    a, b = desks["8002"].wait_incoming(), desks["8003"].wait_incoming()
    b.answer_call()
    call.wait_confirmed()
    a.wait_disconnected()  # the other member stops ringing
    call.hangup_call()
    b.wait_disconnected()

    r = api.patch("/ring-groups/600", {"strategy": "inorder", "ring_seconds": 10})
    assert r.status == 200, r
    third_before = len(desks["8003"].incoming)
    call = desks["8001"].call("600")
    first = desks["8002"].wait_incoming()
    assert len(desks["8003"].incoming) == third_before  # only the first member rings so far
    busy = pj.CallOpParam()
    busy.statusCode = 486
    first.hangup(busy)
    second = answer_next(desks["8003"])
    call.wait_confirmed()
    call.hangup_call()
    second.wait_disconnected()


def test_trunk_carries_calls_both_ways(api, desks, sip, box, provider_ip):
    provider = sip.provider(provider_ip, 5090)
    trunk = api.post("/trunks", {"name": "Provider", "host": provider_ip, "port": 5090}).json
    r = api.post("/outbound-routes", {"name": "Out", "patterns": [{"pattern": "_0X.", "strip": 1, "prefix": "86"}],
                                      "trunks": [trunk["id"]]})
    assert r.status == 201, r
    r = api.post("/inbound-routes", {"name": "Main", "did": "075512345678",
                                     "destination": {"kind": "extension", "target": "8002"}})
    assert r.status == 201, r

    out = desks["8001"].call("075599887766")
    leg = provider.wait_incoming(timeout=10)
    # The route stripped the 0 and added 86.
    assert "sip:8675599887766@" in leg.getInfo().localUri, leg.getInfo().localUri
    leg.answer_call()
    out.wait_confirmed()
    out.hangup_call()
    leg.wait_disconnected()

    inbound = provider.call_uri(f"sip:075512345678@{box.box_ip}:5060")
    desk = answer_next(desks["8002"])
    inbound.wait_confirmed()
    inbound.hangup_call()
    desk.wait_disconnected()

    # A caller from the provider cannot use the box to call out again.
    loop = provider.call_uri(f"sip:0123456@{box.box_ip}:5060")
    loop.wait_disconnected(timeout=10)
    assert loop.last_status in (404, 403, 484), loop.last_status
    assert len(provider.incoming) == 1


def test_prompt_recorded_from_a_supervisor_phone_plays_in_an_ivr(api, desks, sip, tmp_path):
    r = api.post("/users", {"username": "sue", "password": "Super-Visor-77", "role": "supervisor",
                            "extension": "8001"})
    assert r.status == 201, r
    prompt = api.post("/prompts", {"name": "Night"}).json
    code = prompt["record_code"]

    refused = desks["8002"].call(code)
    refused.wait_disconnected(timeout=15)
    assert not api.get(f"/prompts/{prompt['id']}").json["recorded"]

    desks["8001"].record_prompt(code, write_tone(tmp_path / "night.wav", TONE_HZ, 2.0))
    sip.wait(lambda: api.get(f"/prompts/{prompt['id']}").json["recorded"], 10, "the recording to become the prompt")
    assert 1.0 <= api.get(f"/prompts/{prompt['id']}").json["duration"] <= 3.5

    menu = api.post("/ivrs", {"name": "Night menu", "number": "701", "prompt": prompt["id"]}).json
    assert menu["prompt"] == prompt["id"]
    caller = desks["8003"].call("701")
    caller.wait_confirmed()
    sip.wait(lambda: caller.listener.heard_tone(TONE_HZ, min_ms=500), 10, "the recorded prompt in the menu")
    caller.hangup_call()
    caller.wait_disconnected()
