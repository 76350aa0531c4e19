"""Which phone click-to-call rings first, and what the user who asked is told of the call."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest

from appliance.callcenter.recordings import Recordings
from appliance.clicktocall import outcomes
from appliance.clicktocall.follow import Follower, Followed
from appliance.clicktocall.manager import ClickToCallManager
from appliance.clicktocall.service import device
from appliance.events import EventBus
from appliance.pbx.render import manager
from appliance.pbx.render.dialplan import REFUSED_EVENT
from tests.fakes.ami import RecordingAmi
from tests.unit.conftest import SYSTEM
from tests.unit.test_web_events import Stream, wait_for
from tests.unit.test_web_session import make_user


@pytest.mark.parametrize("browser_phone, registered, rings", [
    (True, {"8001-web"}, "8001-web"),      # the browser phone is on and registered: the user is at the page
    (True, set(), "8001"),                 # on, but no browser registered now: the desk phone
    (False, {"8001-web"}, "8001"),         # a stale registration of a phone turned off is not rung
    (True, {"8001"}, "8001"),              # only the desk phone registered
])
def test_click_to_call_rings_the_browser_only_where_it_is_on_and_registered(browser_phone, registered, rings):
    ext = SimpleNamespace(number="8001", browser_phone=browser_phone)
    asked = []

    def registration(endpoint):
        asked.append(endpoint)
        return {"contact": "sip:x"} if endpoint in registered else None

    assert device(ext, registration) == rings
    assert set(asked) <= {"8001-web"}


# -- What the user who asked is told ---------------------------------------------------------------


@pytest.mark.parametrize("reason, cause, registered, said", [
    ("3", None, True, outcomes.NO_ANSWER),        # rang until the ring time ran out
    ("5", None, True, outcomes.BUSY),
    ("8", None, True, outcomes.DECLINED),
    ("0", "17", True, outcomes.BUSY),             # 486 Busy Here: Reason 0, the Hangup says why
    ("0", "21", True, outcomes.DECLINED),         # 603 Decline
    ("0", "19", True, outcomes.NO_ANSWER),        # 480 Temporarily Unavailable (DND)
    ("0", "38", True, outcomes.UNREACHABLE),      # a cause the user can do nothing about
    ("0", None, False, outcomes.NOT_REGISTERED),  # no channel: nothing registered for the endpoint
    ("0", None, True, None),                      # registered: wait for the channel's Hangup
])
def test_why_the_users_phone_did_not_answer(reason, cause, registered, said):
    assert outcomes.phone_outcome(reason, cause, registered) == said


@pytest.mark.parametrize("dials, refused, cause, said", [
    (["BUSY"], False, "17", outcomes.FAR_BUSY),
    (["NOANSWER"], False, "19", outcomes.FAR_NO_ANSWER),
    (["CHANUNAVAIL", "BUSY"], False, "17", outcomes.FAR_BUSY),           # the last trunk tried says it
    (["CHANUNAVAIL", "CONGESTION"], False, "34", outcomes.FAR_FAILED),   # no trunk could take it
    (["CANCEL"], False, "16", outcomes.ENDED),                           # the user hung up first
    ([], True, "16", outcomes.REFUSED),                                  # the dial plan refused the number
    ([], False, "34", outcomes.FAR_FAILED),                              # a route with no trunk: Congestion()
    ([], False, "17", outcomes.FAR_BUSY),
    ([], False, "16", outcomes.ENDED),
])
def test_what_became_of_the_number(dials, refused, cause, said):
    assert outcomes.far_outcome(dials, refused, cause) == said


def follower(registered=()):
    ami, bus = RecordingAmi(), EventBus()
    timers = []
    f = Follower(bus.publish, lambda endpoint: {"contact": "sip:x"} if endpoint in registered else None,
                 later=lambda seconds, action: timers.append(action))
    f.timers = timers
    ami.subscribe(f.on_event)
    told = bus.subscribe(lambda e: e.topic == "click_to_call")
    return f, ami, lambda: [(e.data["id"], e.data["state"], e.data["final"]) for e in told.get(0)]


def test_a_call_is_followed_from_the_ringing_phone_to_the_number_answering():
    f, ami, told = follower()
    f.expect(Followed("c2c-1", 7, "8001", "8001", "013812345678"))
    f.placed("c2c-1", "ami-9")
    ami.emit(Event="Newstate", Uniqueid="c2c-1", ChannelStateDesc="Ringing")
    ami.emit(Event="Newstate", Uniqueid="other", ChannelStateDesc="Ringing")
    ami.emit(Event="OriginateResponse", Response="Success", Reason="4", Uniqueid="c2c-1", ActionID="ami-9")
    ami.emit(Event="DialEnd", Uniqueid="c2c-1", DialStatus="CHANUNAVAIL")  # the first trunk could not
    ami.emit(Event="DialEnd", Uniqueid="c2c-1", DialStatus="ANSWER")
    assert told() == [("c2c-1", "ringing", False), ("c2c-1", "answered", False), ("c2c-1", "connected", True)]
    assert f.calls == {}
    ami.emit(Event="Hangup", Uniqueid="c2c-1", Cause="16")  # the conversation's end is not news
    assert told() == []


def test_the_far_end_busy_is_said_when_the_channel_hangs_up():
    f, ami, told = follower()
    f.expect(Followed("c2c-2", 7, "8001", "8001", "013812345678"))
    ami.emit(Event="OriginateResponse", Response="Success", Reason="4", Uniqueid="c2c-2")
    ami.emit(Event="DialEnd", Uniqueid="c2c-2", DialStatus="BUSY")
    assert told() == [("c2c-2", "answered", False)]
    ami.emit(Event="Hangup", Uniqueid="c2c-2", Cause="17")
    assert told() == [("c2c-2", "far_busy", True)]


def test_a_refusal_of_the_dial_plan_is_said():
    f, ami, told = follower()
    f.expect(Followed("c2c-3", 7, "8001", "8001", "00441234"))
    ami.emit(Event="OriginateResponse", Response="Success", Reason="4", Uniqueid="c2c-3")
    ami.emit(Event="UserEvent", UserEvent="SurveyAnswer", Uniqueid="c2c-3")  # another UserEvent: nothing
    ami.emit(Event="UserEvent", UserEvent=REFUSED_EVENT, Uniqueid="c2c-3")
    ami.emit(Event="Hangup", Uniqueid="c2c-3", Cause="16")
    assert told() == [("c2c-3", "answered", False), ("c2c-3", "refused", True)]


def test_an_originate_that_made_no_channel_is_known_by_its_action_id_even_when_it_answers_first():
    f, ami, told = follower()
    f.expect(Followed("c2c-4", 7, "8001", "8001", "8002"))
    # The response of a failed Originate can come before the Originate's own answer.
    ami.emit(Event="OriginateResponse", Response="Failure", Reason="0", Uniqueid="<null>", ActionID="ami-4")
    ami.emit(Event="OriginateResponse", Response="Failure", Reason="0", Uniqueid="<null>", ActionID="ami-5")
    assert told() == []
    f.placed("c2c-4", "ami-4")
    assert told() == [("c2c-4", "not_registered", True)] and f.calls == {}


def test_a_phone_that_refused_is_told_apart_by_its_hangup_in_whichever_order_they_come():
    f, ami, told = follower(registered={"8001"})
    f.expect(Followed("c2c-5", 7, "8001", "8001", "8002"))
    ami.emit(Event="OriginateResponse", Response="Failure", Reason="0", Uniqueid="c2c-5")
    assert told() == []
    ami.emit(Event="Hangup", Uniqueid="c2c-5", Cause="17")
    assert told() == [("c2c-5", "busy", True)] and f.calls == {}
    f.timers.pop()()  # the wait runs out after the outcome: nothing more
    assert told() == []

    f.expect(Followed("c2c-6", 7, "8001", "8001", "8002"))
    ami.emit(Event="Hangup", Uniqueid="c2c-6", Cause="21")
    ami.emit(Event="OriginateResponse", Response="Failure", Reason="0", Uniqueid="c2c-6")
    assert told() == [("c2c-6", "declined", True)] and f.calls == {} and f.timers == []

    # Registered, yet no channel could be made and so no Hangup comes: not reachable.
    f.expect(Followed("c2c-7", 7, "8001", "8001", "8002"))
    ami.emit(Event="OriginateResponse", Response="Failure", Reason="0", Uniqueid="c2c-7")
    f.timers.pop()()
    assert told() == [("c2c-7", "unreachable", True)] and f.calls == {}


def test_calls_of_an_asterisk_that_restarted_are_over():
    f, ami, told = follower()
    f.expect(Followed("c2c-8", 7, "8001", "8001", "8002"))
    ami.emit(Event="FullyBooted")
    assert told() == [("c2c-8", "ended", True)] and f.calls == {}


def test_the_user_who_asked_is_told_on_their_event_stream_and_nobody_else(admin):
    box = admin.box
    box.clicktocall = ClickToCallManager(box)
    box.clicktocall.load()
    for number in ("8001", "8002"):
        assert admin.post("/extensions", {"number": number, "name": f"Desk {number}"}).status == 201
    tokens = {}
    for name, ext in (("amy", "8001"), ("bob", "8002")):
        make_user(name, "Agent-Pass-1234", "agent", ext)
        tokens[name] = admin.post("/auth/login", {"username": name, "password": "Agent-Pass-1234"}).json["token"]
    amy, bob = Stream(admin, token=tokens["amy"]), Stream(admin, token=tokens["bob"])
    try:
        amy.block(), bob.block()
        wait_for(lambda: box.events.subscribers == 2, what="the subscriptions")
        r = admin.post("/calls", {"from": "8001", "to": "8002"}, token=tokens["amy"])
        assert r.status == 202, r
        call_id = r.json["id"]
        assert box.pbx.ami.actions("Originate")[-1]["ChannelId"] == call_id
        box.pbx.ami.emit(Event="OriginateResponse", Response="Failure", Reason="3", Uniqueid=call_id)
        ident, topic, data = amy.event()
        assert (topic, data["id"], data["state"], data["final"], data["number"]) == \
            ("click_to_call", call_id, "no_answer", True, "8002")
        mine = box.events.publish("registration", number="8002", registered=True, contact="sip:8002@x")
        assert bob.event()[0] == mine.id, "bob was told of amy's call"
    finally:
        amy.close()
        bob.close()


@pytest.mark.parametrize("callid, names_a_file", [
    ("1765000000.12", True),              # Asterisk's own unique id
    ("c2c-0123456789abcdef", True),       # a click-to-call's first channel: recorded like any call
    ("survey-12-3", True),
    ("c2c-../../etc/passwd", False), ("c2c-", False), ("../1765000000.12", False), ("C2C-00", False),
])
def test_a_click_to_call_names_its_recording(tmp_path, callid, names_a_file):
    recordings = Recordings(tmp_path)
    if names_a_file:
        assert recordings.path_for(callid, 1765000000).parent.parent.parent.parent == tmp_path
    else:
        with pytest.raises(ValueError):
            recordings.path_for(callid)


def test_the_ami_carries_the_events_click_to_call_follows():
    """What the user is told comes from these events: a change of what the AMI sends the supervisor
    (its classes, event filters) must keep them."""
    conf = manager.render(SimpleNamespace(system=SYSTEM))["manager.conf"]
    read = set(re.search(r"^read = (.*)$", conf, re.M).group(1).split(","))
    assert "all" in read or {"call", "user", "system"} <= read, read
    filters = re.findall(r"^eventfilter = (.*)$", conf, re.M)
    allowed = [f for f in filters if not f.startswith("!")]
    for name in ("OriginateResponse", "Newstate", "DialEnd", "Hangup", "UserEvent", "FullyBooted"):
        assert not any(name in f for f in filters if f.startswith("!")), (name, filters)
        assert not allowed or any(name in f for f in allowed), (name, filters)
