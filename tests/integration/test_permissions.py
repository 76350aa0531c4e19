"""Outbound permission classes on a real box, with pjsua2 phones and a provider behind a trunk.

Behind the outside-line prefix 0 (as the setup wizard makes it): 000... abroad, 00... another
city, 0... local. What is asserted: whether the provider's side got an INVITE (and for which
number), what the caller heard, and the refusal the supervisor logged from the dial plan's event.
"""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest

REFUSAL_MS = 1200  # of speech in "this call cannot be completed as dialed" (2.6 s with its pauses)
PATTERNS = [{"pattern": "_000X.", "strip": 1, "reach": "international"},
            {"pattern": "_00X.", "strip": 1, "reach": "national"},
            {"pattern": "_0X.", "strip": 1, "reach": "local"}]
ABROAD, OTHER_CITY, LOCAL = "000441234567", "00755123456", "083331234"


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
    ip = box.host_ip.rsplit(".", 1)[0] + ".6"
    dev = box.state()["host_if"]
    subprocess.run(["ip", "addr", "add", f"{ip}/24", "dev", dev], check=True)
    try:
        phone = sip.provider(ip, 5090)
        phone.ip = ip
        trunk = api.post("/trunks", {"name": "Provider", "host": ip, "port": 5090}).json
        r = api.post("/outbound-routes", {"name": "Outside line", "patterns": PATTERNS, "trunks": [trunk["id"]]})
        assert r.status == 201, r
        yield phone
    finally:
        subprocess.run(["ip", "addr", "del", f"{ip}/24", "dev", dev], check=False)


@pytest.fixture(autouse=True)
def unrestricted(api):
    """Every test starts from extensions that may dial anything and forward nowhere."""
    for number in ("8001", "8002", "8003"):
        api.patch(f"/extensions/{number}", {"permission_class": "international",
                                            "forward": {"all": None, "busy": None, "no_answer": None}})


class Log:
    """The supervisor's log lines from now on (its JSON log file in the box's data). Waiting on
    one, the phones go on answering: the box's qualify drops a trunk or a phone silent for 3 s."""

    def __init__(self, box, sip):
        self.path = Path(f"/var/lib/callbox-dev/boxes/{box.name}/data/log/supervisor.log")
        self.start = self.path.stat().st_size if self.path.exists() else 0
        self.sip = sip

    def lines(self, msg: str) -> list[dict]:
        with self.path.open("rb") as f:
            f.seek(self.start)
            docs = [json.loads(line) for line in f.read().decode().splitlines() if line.startswith("{")]
        return [d for d in docs if d.get("msg") == msg]

    def wait(self, msg: str, timeout: float = 10) -> dict:
        return self.sip.wait(lambda: self.lines(msg), timeout, f"the supervisor to log {msg!r}")[-1]


def refused(sip, call, box_log) -> dict:
    """The caller hears the refusal and is hung up on; the supervisor logged it."""
    call.wait_confirmed()
    sip.wait(lambda: call.listener.sound_ms() >= REFUSAL_MS, 10, "the refusal message")
    call.wait_disconnected(timeout=10)
    return box_log.wait("outside call refused")


def goes_out(sip, provider, call, number: str) -> None:
    leg = provider.wait_incoming(timeout=10)
    assert f"sip:{number}@" in leg.getInfo().localUri, leg.getInfo().localUri
    leg.answer_call()
    call.wait_confirmed()
    leg.wait_confirmed()
    call.hangup_call()
    leg.wait_disconnected(timeout=10)


def test_a_national_extension_cannot_dial_abroad_and_hears_why(desks, sip, api, box, provider):
    assert api.patch("/extensions/8002", {"permission_class": "national"}).status == 200
    log = Log(box, sip)
    offered = len(provider.incoming)
    call = desks["8002"].call(ABROAD)
    event = refused(sip, call, log)
    assert (event["by"], event["permission_class"], event["reach"], event["number"]) == \
        ("8002", "national", "international", ABROAD[1:]), event
    assert len(provider.incoming) == offered, "the provider was offered a call the class forbids"
    # Within the class: out it goes, stripped of the outside-line prefix.
    goes_out(sip, provider, desks["8002"].call(OTHER_CITY), OTHER_CITY[1:])
    goes_out(sip, provider, desks["8002"].call(LOCAL), LOCAL[1:])
    # An unrestricted extension still dials abroad.
    goes_out(sip, provider, desks["8001"].call(ABROAD), ABROAD[1:])


def test_an_internal_only_extension_reaches_emergency_numbers_and_nothing_else(desks, sip, api, box, provider):
    assert api.patch("/extensions/8003", {"permission_class": "internal"}).status == 200
    log = Log(box, sip)
    offered = len(provider.incoming)
    event = refused(sip, desks["8003"].call(LOCAL), log)
    assert (event["by"], event["reach"]) == ("8003", "local"), event
    assert len(provider.incoming) == offered
    goes_out(sip, provider, desks["8003"].call("0110"), "110")  # behind the outside-line prefix
    goes_out(sip, provider, desks["8003"].call("120"), "120")  # or dialled as it is
    # Calls inside the box are not outside calls.
    call = desks["8003"].call("8001")
    ringing = desks["8001"].wait_incoming(timeout=10)
    ringing.answer_call()
    call.wait_confirmed()
    call.hangup_call()
    ringing.wait_disconnected(timeout=10)


def test_a_forward_abroad_obeys_the_forwarding_extensions_class(desks, sip, api, box, provider):
    # Set while the extension could dial abroad; then an administrator restricts it.
    assert api.patch("/extensions/8002", {"forward": {"all": ABROAD}}).status == 200
    assert api.patch("/extensions/8002", {"permission_class": "national"}).status == 200
    r = api.patch("/extensions/8002", {"forward": {"busy": ABROAD}})
    assert (r.status, r.json["field"]) == (422, "forward.busy"), r  # a new one is refused at once
    log = Log(box, sip)
    offered = len(provider.incoming)
    # 8001 may dial abroad itself: the forward is 8002's, so 8002's class decides.
    event = refused(sip, desks["8001"].call("8002"), log)
    assert (event["by"], event["permission_class"], event["number"]) == ("8002", "national", ABROAD[1:]), event
    assert len(provider.incoming) == offered, "a forward went abroad for an extension that may not dial there"
    assert len(desks["8002"].incoming) == 0 or desks["8002"].take_incoming() is None
    assert api.patch("/extensions/8002", {"forward": {"all": OTHER_CITY}}).status == 200
    goes_out(sip, provider, desks["8001"].call("8002"), OTHER_CITY[1:])


def test_a_transfer_abroad_obeys_the_transferring_extensions_class(desks, sip, api, box, provider):
    assert api.patch("/extensions/8002", {"permission_class": "national"}).status == 200
    log = Log(box, sip)
    offered = len(provider.incoming)
    call = desks["8001"].call("8002")
    at_b = desks["8002"].wait_incoming(timeout=10)
    at_b.answer_call()
    call.wait_confirmed()
    at_b.wait_confirmed()
    mark = at_b.listener.mark()
    at_b.send_dtmf("##")  # blind transfer of 8001's call, which could itself dial abroad
    sip.wait(lambda: at_b.listener.heard_sound(min_ms=300, since=mark), 5, "the transfer prompt")
    mark = call.listener.mark()
    at_b.send_dtmf(ABROAD)
    at_b.wait_disconnected(timeout=15)
    sip.wait(lambda: call.listener.sound_ms(since=mark) >= REFUSAL_MS, 15, "the refusal message")
    call.wait_disconnected(timeout=10)
    event = log.wait("outside call refused")
    assert (event["by"], event["permission_class"], event["reach"]) == ("8002", "national", "international"), event
    assert len(provider.incoming) == offered


def test_attended_and_refer_transfers_abroad_obey_the_transferring_extensions_class(desks, sip, api, box, provider):
    import pjsua2 as pj

    assert api.patch("/extensions/8002", {"permission_class": "national"}).status == 200
    offered = len(provider.incoming)
    call = desks["8001"].call("8002")
    at_b = desks["8002"].wait_incoming(timeout=10)
    at_b.answer_call()
    call.wait_confirmed()
    at_b.wait_confirmed()
    # *2: 8002 consults the number first; the box dials it for 8002 (a channel of its own).
    log = Log(box, sip)
    mark = at_b.listener.mark()
    at_b.send_dtmf("*2")
    sip.wait(lambda: at_b.listener.heard_sound(min_ms=300, since=mark), 5, "the transfer prompt")
    at_b.send_dtmf(ABROAD)
    event = log.wait("outside call refused", timeout=15)
    assert (event["by"], event["permission_class"]) == ("8002", "national"), event
    # The phone's own transfer key (REFER) to the same number: refused for 8002 too.
    log = Log(box, sip)
    sip.wait(lambda: call.connected and at_b.connected, 15, "the call back between 8001 and 8002")
    at_b.xfer(f"sip:{ABROAD}@{desks['8002'].server}", pj.CallOpParam(True))
    event = log.wait("outside call refused", timeout=15)
    assert (event["by"], event["permission_class"]) == ("8002", "national"), event
    assert len(provider.incoming) == offered
    for c in (call, at_b):
        if c.connected:
            c.hangup_call()


def test_a_follow_me_leg_abroad_obeys_the_extensions_class(desks, sip, api, box, provider):
    """The one way in for calls the box places for someone (callbox-on-behalf), checked by the
    dial plan itself: the leg is never offered to the provider."""
    assert api.patch("/settings", {"ring_timeout": 5}).status == 200
    try:
        body = {"enabled": True, "numbers": [ABROAD], "ring": "sequential", "confirm": False}
        assert api.patch("/extensions/8002", {"follow_me": body}).status == 200
        assert api.patch("/extensions/8002", {"permission_class": "national"}).status == 200
        r = api.patch("/extensions/8002", {"follow_me": {"numbers": [ABROAD, OTHER_CITY]}})
        assert (r.status, r.json["field"]) == (422, "follow_me.numbers"), r  # a new one is refused at once
        log = Log(box, sip)
        offered = len(provider.incoming)
        call = desks["8001"].call("8002")
        desks["8002"].wait_incoming(timeout=10)  # the desk phone rings first, unanswered
        event = log.wait("outside call refused", timeout=20)
        assert (event["by"], event["permission_class"], event["number"]) == ("8002", "national", ABROAD[1:]), event
        assert len(provider.incoming) == offered, "a follow-me leg went abroad for a national extension"
        call.hangup_call()
        call.wait_disconnected(timeout=10)
        assert api.patch("/extensions/8002", {"follow_me": {"numbers": [OTHER_CITY]}}).status == 200
        call = desks["8001"].call("8002")
        desks["8002"].wait_incoming(timeout=10)
        goes_out(sip, provider, call, OTHER_CITY[1:])
    finally:
        api.patch("/extensions/8002", {"follow_me": {"enabled": False, "numbers": []}})
        api.patch("/settings", {"ring_timeout": 20})


def test_a_forged_caller_id_gets_no_callback_abroad_while_a_national_one_is_called_back(desks, sip, api, box,
                                                                                         provider):
    """Callers from the trunk ask queue 600 for a callback (press 1). The number a trunk presents can
    be forged; the queue calls back only within its callback class (national by default)."""
    route = next(r for r in api.get("/outbound-routes").json["items"] if r["name"] == "Outside line")
    # Presented numbers are dialled as they come, so a route without an outside-line prefix.
    as_presented = [{"pattern": "_00X.", "strip": 0, "reach": "international"},
                    {"pattern": "_0X.", "strip": 0, "reach": "national"}]
    assert api.patch(f"/outbound-routes/{route['id']}", {"patterns": as_presented}).status == 200
    r = api.post("/queues", {"number": "600", "name": "Sales", "callback": True, "strategy": "ringall",
                             "members": [{"extension": "8001"}]})
    assert r.status == 201 and r.json["callback_class"] == "national", r
    assert api.post("/inbound-routes", {"name": "Main", "did": "075500000000",
                                        "destination": {"kind": "queue", "target": "600"}}).status == 201
    forger = sip.provider(provider.ip, 5090, user="00441234567", same_as=provider)
    customer = sip.provider(provider.ip, 5090, user="0755123456", same_as=provider)
    trunk_side = (provider, forger, customer)
    offered = lambda: sum(len(p.incoming) for p in trunk_side)  # noqa: E731
    try:
        assert api.post("/agents/8001/pause").status == 200
        log = Log(box, sip)
        before = offered()
        call = forger.call_uri(f"sip:075500000000@{box.box_ip}:5060")
        call.wait_confirmed()
        sip.wait(lambda: call.listener.heard_sound(min_ms=300), 15, "music on hold")
        call.send_dtmf("1")
        event = log.wait("callback refused", timeout=15)
        assert (event["queue"], event["number"], event["permission_class"]) == ("600", "00441234567", "national")
        # Told so, and back in the queue where it was: still waiting, still connected.
        deadline = time.monotonic() + 15
        while [c["number"] for c in api.get("/queues/600/live").json["callers"]] != ["00441234567"]:
            assert time.monotonic() < deadline, api.get("/queues/600/live").json
            sip.wait(lambda: True, 0.2)
        assert call.connected
        call.hangup_call()
        call.wait_disconnected(timeout=10)
        # No placeholder waits for it and nothing was dialled through the trunk.
        deadline = time.monotonic() + 10
        while api.get("/queues/600/live").json["callers"]:
            assert time.monotonic() < deadline, api.get("/queues/600/live").json
            sip.wait(lambda: True, 0.2)
        assert offered() == before, "a call went out through the trunk to the forged number"

        # A national number is called back: the agent first, then the customer through the trunk.
        call = customer.call_uri(f"sip:075500000000@{box.box_ip}:5060")
        call.wait_confirmed()
        sip.wait(lambda: call.listener.heard_sound(min_ms=300), 15, "music on hold")
        call.send_dtmf("1")
        call.wait_disconnected(timeout=20)  # "we will call you back", then the box hangs up
        seen = [len(p.incoming) for p in trunk_side]
        assert api.post("/agents/8001/unpause").status == 200
        agent_leg = desks["8001"].wait_incoming(timeout=20)
        agent_leg.answer_call()
        sip.wait(lambda: offered() > sum(seen), 20, "the callback to reach the provider")
        back = next(c for p, n in zip(trunk_side, seen) for c in p.incoming[n:])
        assert "sip:0755123456@" in back.getInfo().localUri, back.getInfo().localUri
        back.answer_call()
        back.wait_confirmed()
        agent_leg.wait_confirmed()
        agent_leg.hangup_call()
        back.wait_disconnected(timeout=10)
    finally:
        api.post("/agents/8001/unpause")
        for r in api.get("/inbound-routes").json["items"]:
            api.delete(f"/inbound-routes/{r['id']}")
        api.delete("/queues/600")
        api.patch(f"/outbound-routes/{route['id']}", {"patterns": PATTERNS})
