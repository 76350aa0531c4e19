"""Click-to-call on a real box with pjsua2 phones and a provider behind a trunk.

POST /calls rings the user's own desk phone; once it is answered the box dials the number for
them through the outbound routes, within their permission class. What is asserted is what the
phones saw (which rang, for which number, under which caller id, audio both ways), what the API
answered, and the call's record in the call log.
"""

from __future__ import annotations

import pytest

from tests.api import Api
from tests.audio import write_tone
from tests.integration.test_followme import A_HZ, C_HZ, talk_both_ways
from tests.integration import test_permissions
from tests.integration.test_permissions import ABROAD, OTHER_CITY

# The same desks (8001-8003) and provider (behind the outside-line prefix 0) as test_permissions.
desks, provider = test_permissions.desks, test_permissions.provider

AGENT_PASSWORD = "Agent-Desk-8001"


@pytest.fixture(scope="module")
def tones(tmp_path_factory):
    d = tmp_path_factory.mktemp("tones")
    return {"a": write_tone(d / "a.wav", A_HZ, 3.0), "c": write_tone(d / "c.wav", C_HZ, 3.0)}


@pytest.fixture(scope="module")
def agent(api, box, desks) -> Api:
    """Signed in as an agent whose desk is 8001."""
    r = api.post("/users", {"username": "amy", "password": AGENT_PASSWORD, "role": "agent", "extension": "8001"})
    assert r.status == 201, r
    r = api.post("/auth/login", {"username": "amy", "password": AGENT_PASSWORD})
    assert r.status == 200, r
    return Api(box.url, r.json["token"])


@pytest.fixture(autouse=True)
def national(api, desks):
    for number in desks:
        assert api.patch(f"/extensions/{number}", {"permission_class": "national"}).status == 200


def record_of(api, sip, call_id: str) -> dict:
    found = []

    def written():
        r = api.get(f"/cdr/{call_id}")
        if r.status == 200:
            found.append(r.json)
        return bool(found)

    sip.wait(written, 15, "the call's record", step_ms=200)
    return found[0]


def desk_calls_desk(desk_phone, other_phone) -> None:
    """A click-to-call between two extensions: the desk rings showing the other's number; once it
    is answered the other rings; both talk, and the desk hangs up."""
    desk = desk_phone.wait_incoming(timeout=10)
    assert other_phone.number in desk.remote_uri, desk.remote_uri
    desk.answer_call()
    other = other_phone.wait_incoming(timeout=10)
    other.answer_call()
    other.wait_confirmed()
    desk.hangup_call()
    other.wait_disconnected(timeout=10)


def test_click_to_call_rings_the_desk_then_the_number(agent, api, desks, provider, sip, tones):
    r = agent.post("/calls", {"from": "8001", "to": OTHER_CITY})
    assert r.status == 202, r
    call_id = r.json["id"]
    desk = desks["8001"].wait_incoming(timeout=10)
    assert OTHER_CITY in desk.remote_uri, "the desk phone should show the number it is calling"
    offered = len(provider.incoming)
    desk.answer_call()
    desk.wait_confirmed()
    leg = provider.wait_incoming(timeout=10)
    assert len(provider.incoming) == offered + 1
    info = leg.getInfo()
    assert f"sip:{OTHER_CITY[1:]}@" in info.localUri, info.localUri  # through the route: prefix stripped
    assert "sip:8001@" in info.remoteUri, info.remoteUri  # the phone's own caller id, as if it dialled
    leg.answer_call()
    leg.wait_confirmed()
    talk_both_ways(sip, desk, leg, tones)
    desk.hangup_call()
    leg.wait_disconnected(timeout=10)

    record = record_of(api, sip, call_id)
    assert (record["direction"], record["from"], record["to"], record["outcome"]) == \
        ("outbound", "8001", OTHER_CITY[1:], "answered"), record
    assert [leg["party"] for leg in record["legs"] if leg["kind"] == "phone"] == ["8001"], record["legs"]
    # The agent sees it among their own calls.
    assert agent.get(f"/cdr/{call_id}").status == 200


def test_a_number_outside_the_class_is_refused_before_anything_rings(agent, desks, provider, sip):
    offered = len(provider.incoming)
    r = agent.post("/calls", {"from": "8001", "to": ABROAD})
    assert r.status == 422 and r.json["field"] == "to", r
    assert "international numbers are not allowed to class national" in r.json["error"], r
    for body, field in (({"from": "8001", "to": "12ab"}, "to"), ({"from": "8001", "to": "+8613800138000"}, "to"),
                        ({"from": "8001"}, "to"), ({"from": "80 01", "to": OTHER_CITY}, "from"),
                        ({"from": "8001", "to": OTHER_CITY, "via": "x"}, "via")):
        r = agent.post("/calls", body)
        assert r.status == 422 and r.json["field"] == field, (body, r)
    # The first call the desk phone gets after all that is the one allowed.
    assert agent.post("/calls", {"from": "8001", "to": "8002"}).status == 202
    desk_calls_desk(desks["8001"], desks["8002"])
    assert len(provider.incoming) == offered, "the provider was offered a call"


def test_an_agent_calls_only_from_their_own_extension(agent, api, desks):
    r = agent.post("/calls", {"from": "8002", "to": OTHER_CITY})
    assert r.status == 403, r
    assert "own extension" in r.json["error"]
    assert api.post("/calls", {"from": "8099", "to": OTHER_CITY}).json["field"] == "from"
