"""An extension's recent calls with real phones: calls answered, placed (to another phone and out
through a trunk) and missed are each listed for every extension that took part, as that
extension saw them."""

from __future__ import annotations

import subprocess

import pytest


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


def recent(sip, api, number: str, count: int, timeout: float = 15) -> list[tuple]:
    """The extension's recent calls once `count` are listed (records are written when a call ends)."""
    def items() -> list:
        r = api.get(f"/extensions/{number}/calls")
        assert r.status == 200, r
        return r.json["items"]
    sip.wait(lambda: len(items()) >= count, timeout, f"{number} to list {count} calls")
    return [(c["kind"], c["number"]) for c in items()]


def test_calls_in_out_and_missed_are_listed_for_each_extension(desks, sip, api, provider):
    a, b, c = desks["8001"], desks["8002"], desks["8003"]
    # 8001 calls 8002, who answers.
    call = a.call("8002")
    ringing = b.wait_incoming(timeout=10)
    ringing.answer_call()
    call.wait_confirmed()
    call.hangup_call()
    ringing.wait_disconnected(timeout=10)
    # 8003 calls 8002, who lets it ring; 8003 gives up.
    call = c.call("8002")
    ringing = b.wait_incoming(timeout=10)
    call.hangup_call()
    ringing.wait_disconnected(timeout=10)
    # 8001 calls out through the trunk.
    call = a.call("0755100")
    leg = provider.wait_incoming(timeout=10)
    leg.answer_call()
    call.wait_confirmed()
    leg.hangup_call()
    call.wait_disconnected(timeout=10)

    assert recent(sip, api, "8001", 2) == [("out", "0755100"), ("out", "8002")]
    assert recent(sip, api, "8002", 2) == [("missed", "8003"), ("in", "8001")]
    assert recent(sip, api, "8003", 1) == [("out", "8002")]
    missed = api.get("/extensions/8002/calls?limit=1").json["items"][0]
    assert (missed["name"], missed["talk_seconds"], missed["outcome"]) == ("Desk 8003", 0, "missed")
