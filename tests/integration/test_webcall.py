"""Click-to-call and the website callback button on a real box with pjsua2 phones and a provider
behind a trunk.

POST /calls rings the user's own desk phone; once it is answered the box dials the number for
them through the outbound routes, within their permission class. What is asserted is what the
phones saw (which rang, for which number, under which caller id, audio both ways), what the API
answered, the call's record in the call log, and what the user who asked was told on their
event stream when their phone or the number did not answer.

POST /webcall (public) queues a callback for a website's visitor: an agent of the queue answers
first, then the visitor's phone (the provider) rings. Origins, proof of work, limits, the class
numbers are checked against and the on/off switch each refuse what they should.
"""

from __future__ import annotations

import socket
import threading

import pjsua2 as pj
import pytest

from tests.api import Api
from tests.audio import write_tone
from tests.integration.test_followme import A_HZ, C_HZ, talk_both_ways
from tests.integration import test_permissions
from appliance.webcallback.proof import solve
from tests.integration.test_permissions import ABROAD, LOCAL, OTHER_CITY
from tests.unit.test_web_events import Stream

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


@pytest.fixture
def recorded_8001(api):
    assert api.patch("/extensions/8001", {"recording": "always"}).status == 200
    yield
    api.patch("/extensions/8001", {"recording": "never"})


def record_of(api, sip, call_id: str) -> dict:
    found = []

    def written():
        r = api.get(f"/cdr/{call_id}")
        if r.status == 200:
            found.append(r.json)
        return bool(found)

    sip.wait(written, 15, "the call's record", step_ms=200)
    return found[0]


def desk_calls_desk(desk_phone, other_phone, talking=lambda: None) -> None:
    """A click-to-call between two extensions: the desk rings showing the other's number; once it
    is answered the other rings; both talk (`talking()` runs then), and the desk hangs up."""
    desk = desk_phone.wait_incoming(timeout=10)
    assert other_phone.number in desk.remote_uri, desk.remote_uri
    desk.answer_call()
    other = other_phone.wait_incoming(timeout=10)
    other.answer_call()
    other.wait_confirmed()
    talking()
    desk.hangup_call()
    other.wait_disconnected(timeout=10)


def test_click_to_call_rings_the_desk_then_the_number(agent, api, desks, provider, sip, tones, recorded_8001):
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
    # Recorded as the extension's own outside calls are (its policy: always).
    assert record["recording"], record
    wav = api.get(f"/recordings/{record['recording']}")
    assert wav.status == 200 and len(wav.body) > 8000 * 2, (wav.status, len(wav.body))  # a second of audio at least
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


class CallEvents:
    """The "click_to_call" events of a user's event stream, read in a thread of their own (the
    phones' SIP runs only inside sip.wait)."""

    def __init__(self, api: Api):
        self.stream = Stream(api)
        self.stream.block()  # "retry": the box has subscribed this stream
        self.sock = self.stream.response.fp.raw._sock
        self.sock.settimeout(60)  # longer than the heartbeat
        self.events: list[dict] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        try:
            while True:
                _, topic, data = self.stream.event()
                if topic == "click_to_call":
                    self.events.append(data)
        except (OSError, EOFError, ValueError):
            pass  # closed

    def states(self, call_id: str) -> list[str]:
        return [e["state"] for e in list(self.events) if e["id"] == call_id]

    def wait_final(self, sip, call_id: str, timeout: float = 10) -> list[str]:
        sip.wait(lambda: any(e["id"] == call_id and e["final"] for e in list(self.events)), timeout,
                 f"the outcome of {call_id} on the event stream")
        return self.states(call_id)

    def close(self) -> None:
        self.sock.shutdown(socket.SHUT_RDWR)  # the reader's readline returns now, not at the next heartbeat
        self.stream.close()


@pytest.fixture
def told(agent):
    events = CallEvents(agent)
    yield events
    events.close()


def reject(call, code: int = 486) -> None:
    op = pj.CallOpParam()
    op.statusCode = code
    call.hangup(op)


def test_the_user_is_told_their_phone_was_busy_and_nothing_was_dialled(agent, desks, provider, sip, told):
    offered = len(provider.incoming)
    r = agent.post("/calls", {"from": "8001", "to": OTHER_CITY})
    assert r.status == 202, r
    desk = desks["8001"].wait_incoming(timeout=10)
    sip.wait(lambda: told.states(r.json["id"]) == ["ringing"], 10, "the ringing to be told")
    reject(desk, 486)
    assert told.wait_final(sip, r.json["id"]) == ["ringing", "busy"]
    assert len(provider.incoming) == offered


def test_the_user_is_told_their_phone_did_not_answer(api, agent, desks, provider, sip, told):
    assert api.patch("/settings", {"ring_timeout": 5}).status == 200
    try:
        r = agent.post("/calls", {"from": "8001", "to": OTHER_CITY})
        assert r.status == 202, r
        desks["8001"].wait_incoming(timeout=10)
        assert told.wait_final(sip, r.json["id"], timeout=15) == ["ringing", "no_answer"]
    finally:
        api.patch("/settings", {"ring_timeout": 20})


def test_the_user_is_told_the_number_was_busy(agent, desks, provider, sip, told):
    r = agent.post("/calls", {"from": "8001", "to": OTHER_CITY})
    assert r.status == 202, r
    desk = desks["8001"].wait_incoming(timeout=10)
    desk.answer_call()
    desk.wait_confirmed()
    leg = provider.wait_incoming(timeout=10)
    sip.wait(lambda: told.states(r.json["id"]) == ["ringing", "answered"], 5, "the answer to be told")
    reject(leg, 486)
    assert told.wait_final(sip, r.json["id"]) == ["ringing", "answered", "far_busy"]
    desk.wait_disconnected(timeout=10)


def test_the_user_is_told_a_phone_that_is_not_registered(api, sip):
    r = api.post("/extensions", {"number": "8009", "name": "Nobody's desk"})
    assert r.status == 201, r
    admin = CallEvents(api)
    try:
        r = api.post("/calls", {"from": "8009", "to": OTHER_CITY})
        assert r.status == 202, r
        assert admin.wait_final(sip, r.json["id"]) == ["not_registered"]
    finally:
        admin.close()


# -- The website callback button -----------------------------------------------------------------

WEBSITE = "https://www.example.com"


@pytest.fixture(scope="module")
def sales(api, desks):
    """Queue 600 (8003 answers it), offered to the website with the topic Sales."""
    r = api.post("/queues", {"number": "600", "name": "Sales", "strategy": "ringall",
                             "members": [{"extension": "8003"}]})
    assert r.status == 201, r
    return "600"


@pytest.fixture
def webcall(api, box, sales):
    """Web callbacks on for WEBSITE (limits counting afresh); returns a visitor's request."""
    r = api.patch("/webcall/settings", {"enabled": True, "origins": [WEBSITE], "queues": [sales],
                                        "topics": [{"name": "Sales", "queue": sales}], "per_address": 5,
                                        "per_number": 1, "permission_class": "national"})
    assert r.status == 200, r
    public = Api(box.url)

    def ask(body, origin=WEBSITE, proof=True):
        headers = {"Origin": origin} if origin else {}
        if proof:
            challenge = public.get("/webcall/challenge").json
            headers["Callbox-Proof"] = solve(challenge["challenge"], challenge["bits"])
        return public.post("/webcall", body, headers=headers)
    return ask


def test_a_website_visitor_is_called_back_through_the_queue(webcall, api, desks, provider, sip, tones):
    offered = len(provider.incoming)
    r = webcall({"number": OTHER_CITY, "topic": "Sales"})
    assert r.status == 202, r
    assert r.json == {"position": 1, "estimated_wait": 0}, r.json
    assert r.headers["Access-Control-Allow-Origin"] == WEBSITE
    agent = desks["8003"].wait_incoming(timeout=10)  # the queue rings its agent first
    assert len(provider.incoming) == offered, "the visitor was called before an agent took the callback"
    agent.answer_call()
    agent.wait_confirmed()
    visitor = provider.wait_incoming(timeout=10)
    assert f"sip:{OTHER_CITY[1:]}@" in visitor.getInfo().localUri, visitor.getInfo().localUri
    visitor.answer_call()
    visitor.wait_confirmed()
    talk_both_ways(sip, agent, visitor, tones)
    agent.hangup_call()
    visitor.wait_disconnected(timeout=10)
    # One callback an hour for a number (per_number 1).
    r = webcall({"number": OTHER_CITY})
    assert r.status == 429 and int(r.headers["Retry-After"]) > 0, r


def test_web_callbacks_refuse_what_they_should(webcall, api, provider):
    offered = len(provider.incoming)
    assert webcall({"number": LOCAL}, origin="https://evil.example").status == 403
    assert webcall({"number": LOCAL}, origin=None).status == 403
    r = webcall({"number": LOCAL}, proof=False)
    assert r.status == 403 and "Callbox-Proof" in r.json["error"], r
    # Five requests an address a minute, whatever they are: the sixth is refused.
    r = webcall({"number": ABROAD})
    assert r.status == 422 and r.json["field"] == "number", r
    assert "international" not in r.json["error"] and "class" not in r.json["error"], "the box's rules leaked"
    for body, field in (({"number": "12ab"}, "number"), ({"number": LOCAL, "queue": "700"}, "queue"),
                        ({"number": LOCAL, "topic": "Lottery"}, "topic")):
        r = webcall(body)
        assert r.status == 422 and r.json["field"] == field, (body, r)
    r = webcall({"number": LOCAL})
    assert r.status == 429 and r.headers["Access-Control-Allow-Origin"] == WEBSITE, r
    assert len(provider.incoming) == offered
    # The class setting decides: local only refuses a national number.
    assert api.patch("/webcall/settings", {"permission_class": "local"}).status == 200
    assert webcall({"number": OTHER_CITY}).json["field"] == "number"
    # Off: nothing is taken.
    assert api.patch("/webcall/settings", {"enabled": False}).status == 200
    assert webcall({"number": LOCAL}).status == 404
    assert Api(api.base.rsplit("/api/v1", 1)[0]).get("/webcall").json == {"enabled": False, "topics": ["Sales"]}
