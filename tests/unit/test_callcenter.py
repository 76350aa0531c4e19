"""Queues, agents and supervision through the API, with Asterisk's side played by recorded
AMI actions and synthetic AMI events (the real call-center manager in between)."""

from __future__ import annotations

import time

import pytest

from appliance.agi.protocol import Answer
from tests.reportstore import reports_store


@pytest.fixture
def floor(admin):
    for n in ("8001", "8002", "8003", "8009"):
        assert admin.post("/extensions", {"number": n, "name": f"Desk {n}"}).status == 201
    r = admin.post("/queues", {"number": "600", "name": "Sales", "strategy": "rrmemory", "memory_seconds": 8,
                               "members": [{"extension": "8001", "dynamic": True},
                                           {"extension": "8002", "dynamic": True, "penalty": 2},
                                           {"extension": "8003"}]})
    assert r.status == 201, r
    admin.ami = admin.box.pbx.ami
    admin.cc = admin.box.callcenter
    return admin


def member_added(ami, ext, queue="600", **fields):
    headers = {"Status": "1", "Paused": "0", "InCall": "0", "Membership": "dynamic", **fields}
    ami.emit(Event="QueueMemberAdded", Queue=queue, MemberName=ext, Interface=f"PJSIP/{ext}", **headers)


# -- queues ------------------------------------------------------------------------------

def test_queue_renders_with_its_memory_twin_and_is_verified(floor):
    files = floor.box.pbx.store.read()
    queues = files["queues.conf"]
    assert "[600]\nstrategy = rrmemory" in queues and "[600-memory]" in queues
    assert "member => PJSIP/8003,0,8003,PJSIP/8003" in queues  # static
    assert "member => PJSIP/8003,8003,8003,PJSIP/8003" in queues  # memory twin: penalty = extension
    assert "PJSIP/8001" not in queues  # dynamic: logs in
    assert floor.box.pbx.asterisk.queues() == {"600", "600-memory"}
    assert "exten => 600,1,Goto(callbox-queue-600,s,1)" in files["extensions.conf"]
    q = floor.get("/queues/600").json
    assert q["members"][0] == {"extension": "8001", "penalty": 0, "dynamic": True}


@pytest.mark.parametrize("body, field", [
    ({"strategy": "roundrobin"}, "strategy"),
    ({"members": [{"extension": "9999"}]}, "members"),
    ({"overflow": {"kind": "queue", "target": "600"}}, "overflow"),
    ({"overflow": {"kind": "external", "target": "0123456"}}, "overflow"),  # no outbound route dials it
    ({"music": "jazz"}, "music"),
    ({"announce_interval": 5}, "announce_interval"),
])
def test_queue_bad_input(floor, body, field):
    before = floor.box.pbx.store.read()
    r = floor.patch("/queues/600", body)
    assert (r.status, r.json["field"]) == (422, field), r
    assert floor.box.pbx.store.read() == before


def test_queue_numbers_are_in_the_number_plan(floor):
    r = floor.post("/queues", {"number": "8001", "name": "Clash"})
    assert r.status == 409, r
    r = floor.post("/inbound-routes", {"name": "Main", "destination": {"kind": "queue", "target": "600"}})
    assert r.status == 201, r
    r = floor.delete("/queues/600")
    assert r.status == 409 and "Main" in r.json["error"], r


# -- agents ------------------------------------------------------------------------------

def test_agent_login_adds_to_queue_and_memory_twin(floor):
    r = floor.post("/agents/8002/login")
    assert r.status == 200, r
    added = floor.ami.actions("QueueAdd")
    assert {(a["Queue"], a["Penalty"]) for a in added} == {("600", 2), ("600-memory", 8002)}
    assert all(a["MemberName"] == "8002" and a["Interface"] == "PJSIP/8002" for a in added)
    member_added(floor.ami, "8002")
    assert floor.get("/agents/8002").json["state"] == "available"
    r = floor.post("/agents/8002/logout")
    assert {a["Queue"] for a in floor.ami.actions("QueueRemove")} == {"600", "600-memory"}


def test_static_only_agent_cannot_log_in(floor):
    r = floor.post("/agents/8003/login")
    assert r.status == 409, r
    assert floor.post("/agents/8009/login").status == 409


def test_pause_with_a_reason(floor):
    assert floor.post("/agents/8001/pause", {"reason": "Lunch"}).status == 409  # not logged in
    member_added(floor.ami, "8001")
    r = floor.post("/agents/8001/pause", {"reason": "Lunch"})
    assert r.status == 200, r
    assert floor.ami.actions("QueuePause")[-1] == {"Interface": "PJSIP/8001", "Paused": "true", "Reason": "Lunch"}
    floor.ami.emit(Event="QueueMemberPause", Queue="600", MemberName="8001", Paused="1", PausedReason="Lunch",
                   Status="1", InCall="0")
    assert floor.get("/agents/8001").json["state"] == "paused"
    assert floor.get("/agents/8001").json["reason"] == "Lunch"
    assert (floor.post("/agents/8001/pause", {"reason": "Nap"}).status,) == (422,)
    assert floor.post("/agents/8001/unpause").status == 200


def test_agent_states_from_events(floor):
    member_added(floor.ami, "8001", Wrapuptime="30")
    cc = floor.cc.live
    floor.ami.emit(Event="AgentCalled", Queue="600", MemberName="8001", Uniqueid="1.1", CallerIDNum="0755",
                   Channel="PJSIP/trunk-1-0001", DestChannel="PJSIP/8001-0002")
    assert cc.agent_state("8001")["state"] == "ringing"
    floor.ami.emit(Event="AgentConnect", Queue="600", MemberName="8001", Uniqueid="1.1",
                   Channel="PJSIP/trunk-1-0001", DestChannel="PJSIP/8001-0002")
    assert cc.agent_state("8001")["state"] == "on_call"
    assert floor.get("/calls").json["items"][0]["agent"] == "8001"
    floor.ami.emit(Event="AgentComplete", Queue="600", MemberName="8001", Uniqueid="1.1")
    assert cc.agent_state("8001")["state"] == "wrapup"
    assert floor.get("/calls").json["items"] == []


def test_queue_live_callers_and_agents(floor):
    member_added(floor.ami, "8001")
    member_added(floor.ami, "8002", Paused="1", PausedReason="Break")
    floor.ami.emit(Event="QueueCallerJoin", Queue="600-memory", Uniqueid="2.1", CallerIDNum="0755", Position="1")
    floor.ami.emit(Event="QueueCallerLeave", Queue="600-memory", Uniqueid="2.1", Position="1")
    floor.ami.emit(Event="QueueCallerJoin", Queue="600", Uniqueid="2.1", CallerIDNum="0755", Position="1")
    floor.ami.emit(Event="QueueCallerJoin", Queue="600", Uniqueid="2.2", CallerIDNum="0756", Position="2")
    live = floor.get("/queues/600/live").json
    assert [c["number"] for c in live["callers"]] == ["0755", "0756"]
    assert live["agents_by_state"] == {"available": 1, "paused": 1}
    assert live["today"]["offered"] == 0
    floor.ami.emit(Event="QueueCallerLeave", Queue="600", Uniqueid="2.1", Position="1")
    assert [c["number"] for c in floor.get("/queues/600/live").json["callers"]] == ["0756"]
    assert floor.cc.live.last_position("2.1") == 1


def test_the_live_state_forgets_ended_calls(floor):
    """Thousands of queue calls come and go: nothing per caller is kept once their channel hangs up."""
    member_added(floor.ami, "8001")
    cc = floor.cc.live
    for i in range(2000):
        uid = f"9.{i}"
        floor.ami.emit(Event="QueueCallerJoin", Queue="600", Uniqueid=uid, CallerIDNum=f"0755{i}", Position="1")
        if i % 2:
            floor.ami.emit(Event="AgentCalled", Queue="600", MemberName="8001", Uniqueid=uid, CallerIDNum="0755",
                           Channel=f"PJSIP/trunk-1-{i}", DestChannel=f"PJSIP/8001-{i}")
            floor.ami.emit(Event="AgentConnect", Queue="600", MemberName="8001", Uniqueid=uid,
                           Channel=f"PJSIP/trunk-1-{i}", DestChannel=f"PJSIP/8001-{i}")
            floor.ami.emit(Event="QueueCallerLeave", Queue="600", Uniqueid=uid, Position="1")
        else:
            floor.ami.emit(Event="QueueCallerAbandon", Queue="600", Uniqueid=uid, Position="1")
        assert cc.last_position(uid) == 1  # still there while the caller's channel lives
        floor.ami.emit(Event="Hangup", Uniqueid=uid, Channel=f"PJSIP/trunk-1-{i}")
    assert cc.remembered() == 0
    assert cc.last_position("9.1999") is None


# -- supervision --------------------------------------------------------------------------

@pytest.fixture
def on_call(floor):
    assert floor.post("/users", {"username": "sue", "password": "Super-Visor-77", "role": "supervisor",
                                 "extension": "8009"}).status == 201
    member_added(floor.ami, "8001")
    floor.ami.emit(Event="AgentConnect", Queue="600", MemberName="8001", Uniqueid="3.1", CallerIDNum="0755",
                   Channel="PJSIP/trunk-1-00a", DestChannel="PJSIP/8001-00b")
    return floor


@pytest.mark.parametrize("mode, options", [("listen", "q"), ("whisper", "qw"), ("barge", "qB")])
def test_spy_rings_the_supervisor_into_chanspy(on_call, mode, options):
    r = on_call.post("/calls/3.1/spy", {"supervisor": "8009", "mode": mode})
    assert r.status == 202, r
    origin = on_call.ami.actions("Originate")[-1]
    assert (origin["Channel"], origin["Application"], origin["Data"]) == \
        ("PJSIP/8009", "ChanSpy", f"PJSIP/8001-00b,{options}dE")


def test_spy_only_for_supervisors_and_live_calls(on_call):
    r = on_call.post("/calls/3.1/spy", {"supervisor": "8002", "mode": "listen"})
    assert (r.status, r.json["field"]) == (422, "supervisor"), r
    assert on_call.post("/calls/9.9/spy", {"supervisor": "8009", "mode": "listen"}).status == 404
    assert on_call.ami.actions("Originate") == []


def test_hang_up_and_move(on_call):
    assert on_call.post("/calls/3.1/move", {"kind": "queue", "target": "600"}).status == 204
    assert on_call.ami.actions("Redirect")[-1] == {"Channel": "PJSIP/trunk-1-00a", "Context": "callbox-queues",
                                                   "Exten": "600", "Priority": 1}
    r = on_call.post("/calls/3.1/move", {"kind": "external", "target": "0123456"})
    assert (r.status, r.json["field"]) == (422, "target"), r
    assert on_call.post("/calls/3.1/hangup").status == 204
    assert on_call.ami.actions("Hangup")[-1] == {"Channel": "PJSIP/trunk-1-00a"}


def test_a_call_moved_outside_is_dialled_within_the_movers_class(on_call):
    t = on_call.post("/trunks", {"name": "P", "host": "192.0.2.7"}).json
    on_call.post("/outbound-routes", {"name": "Out", "trunks": [t["id"]], "patterns": [
        {"pattern": "_000X.", "reach": "international"}, {"pattern": "_0X.", "reach": "national"}]})
    assert on_call.post("/calls/3.1/move", {"kind": "external", "target": "0123456"}).status == 204
    # The administrator (no extension) may dial anything; the dial plan checks it again.
    assert on_call.ami.actions("Setvar")[-2:] == [
        {"Channel": "PJSIP/trunk-1-00a", "Variable": "CALLBOX_FOR_CLASS", "Value": "international"},
        {"Channel": "PJSIP/trunk-1-00a", "Variable": "CALLBOX_FOR", "Value": "user-admin"}]
    assert on_call.ami.actions("Redirect")[-1] == {"Channel": "PJSIP/trunk-1-00a", "Context": "callbox-dial-for",
                                                   "Exten": "0123456", "Priority": 1}
    on_call.patch("/extensions/8009", {"permission_class": "national"})
    from tests.api import Api

    sue = Api(on_call.base.rsplit("/api/v1", 1)[0])
    sue.token = sue.post("/auth/login", {"username": "sue", "password": "Super-Visor-77"}).json["token"]
    redirects = len(on_call.ami.actions("Redirect"))
    r = sue.post("/calls/3.1/move", {"kind": "external", "target": "000441234"})
    assert (r.status, r.json["field"]) == (422, "target") and "international" in r.json["error"], r
    assert len(on_call.ami.actions("Redirect")) == redirects
    assert sue.post("/calls/3.1/move", {"kind": "external", "target": "0755123"}).status == 204
    assert on_call.ami.actions("Setvar")[-2]["Value"] == "national"


def test_a_moved_call_frees_its_agent_when_the_agents_leg_ends(on_call):
    ended = on_call.box.events.subscribe(lambda e: e.topic == "call_ended")
    assert on_call.post("/calls/3.1/move", {"kind": "queue", "target": "600"}).status == 204
    assert on_call.cc.live.agent_state("8001")["state"] == "on_call"
    # The caller went on to the queue (its channel lives on); the agent's leg hangs up.
    on_call.ami.emit(Event="Hangup", Channel="PJSIP/8001-00b", Uniqueid="3.2")
    assert on_call.cc.live.agent_state("8001")["state"] == "available"
    assert [e.data["id"] for e in ended.get(1)] == ["3.1"]
    assert on_call.get("/calls").json["items"] == []


def test_notes_agents_write_on_their_own_calls(on_call):
    from tests.api import Api

    assert on_call.post("/users", {"username": "al", "password": "Agent-Pass-123", "role": "agent",
                                   "extension": "8001"}).status == 201
    assert on_call.post("/users", {"username": "bo", "password": "Agent-Pass-123", "role": "agent",
                                   "extension": "8002"}).status == 201

    def agent(name):
        a = Api(on_call.base.rsplit("/api/v1", 1)[0])
        a.token = a.post("/auth/login", {"username": name, "password": "Agent-Pass-123"}).json["token"]
        return a

    r = agent("al").put("/calls/3.1/notes", {"notes": "Wants a refund\nOrder 1234"})
    assert r.status == 200, r
    assert agent("bo").put("/calls/3.1/notes", {"notes": "x"}).status == 403
    assert on_call.get("/calls/3.1/notes").json["notes"] == "Wants a refund\nOrder 1234"
    assert agent("bo").post("/agents/8001/pause").status == 403
    assert agent("al").get("/queues/600/live").status == 403


# -- the dial plan's questions -----------------------------------------------------------------

class FakeSession:
    def __init__(self, params, caller="0755", variables=None, uniqueid="4.1"):
        self.params = params
        self.caller = caller
        self.uniqueid = uniqueid
        self.variables = variables or {}
        self.commands = []

    def set(self, name, value):
        self.commands.append(("set", name, str(value)))

    def get(self, name):
        return self.variables.get(name)

    def stream(self, sound):
        self.commands.append(("stream", sound))

    def say_digits(self, digits):
        self.commands.append(("say", digits))

    def exec(self, app, args):
        self.commands.append(("exec", app, args))

    def endpoint(self):
        return self.command("GET FULL VARIABLE ${CHANNEL(endpoint)}").data or ""

    def language(self):
        return self.variables.get("language", "en")

    def command(self, text):
        self.commands.append(("command", text))
        return Answer(200, 1, self.variables.get("endpoint"))


def test_connect_announces_the_agent_and_records(floor, monkeypatch):
    floor.patch("/queues/600", {"announce_agent": True, "recording": "always"})
    session = FakeSession({"queue": "600"}, variables={"MEMBERNAME": "8001"})
    floor.cc.handlers.queue_connect(session)
    assert session.commands[:3] == [("stream", "/usr/share/callbox/sounds/en/agent-serving-1"), ("say", "8001"),
                                    ("stream", "/usr/share/callbox/sounds/en/agent-serving-2")]
    monitor = [c for c in session.commands if c[:2] == ("exec", "MixMonitor")][0]
    assert monitor[2].endswith("/4.1.wav,b")
    assert ("exec", "QueueLog", f"600,4.1,8001,RECORDING,{monitor[2][:-2]}") in session.commands


def test_no_recording_when_the_disk_is_nearly_full(floor):
    import collections

    floor.patch("/queues/600", {"recording": "always"})
    alerts = floor.box.events.subscribe(lambda e: e.topic == "alert")
    Usage = collections.namedtuple("Usage", "total used free")
    floor.cc.recordings.disk_usage = lambda path: Usage(100 * 2**30, 99 * 2**30, 2**30 // 2)
    session = FakeSession({"queue": "600"}, variables={"MEMBERNAME": "8001"})
    floor.cc.handlers.queue_connect(session)
    assert not [c for c in session.commands if c[0] == "exec"]
    assert alerts.get(0)[0].data["message"] == "the disk is nearly full"


def test_agent_login_code_toggles(floor):
    session = FakeSession({}, variables={"endpoint": "8001"})
    floor.cc.handlers.agent_login(session)
    assert ("set", "CALLBOX_SAY", "agent-loginok") in session.commands
    session = FakeSession({}, variables={"endpoint": "8003"})
    floor.cc.handlers.agent_login(session)  # a static member: nothing to log in to
    assert ("set", "CALLBOX_SAY", "beeperr") in session.commands


def outside_line(admin):
    t = admin.post("/trunks", {"name": "P", "host": "192.0.2.7"}).json
    assert admin.post("/outbound-routes", {"name": "Out", "trunks": [t["id"]], "patterns": [
        {"pattern": "_00X.", "reach": "international"}, {"pattern": "_1X.", "reach": "national"},
        {"pattern": "_0X.", "reach": "national"}]}).status == 201


def test_callback_request_places_a_placeholder_at_the_callers_position(floor):
    outside_line(floor)
    floor.patch("/queues/600", {"callback": True})
    floor.ami.emit(Event="QueueCallerJoin", Queue="600", Uniqueid="5.1", CallerIDNum="13800138000", Position="3")
    floor.ami.emit(Event="QueueCallerLeave", Queue="600", Uniqueid="5.1", Position="3")
    floor.cc.handlers.callback_request(FakeSession({"queue": "600"}, caller="13800138000", uniqueid="5.1"))
    sent = [dict(f) for n, f in floor.ami.sent if n == "Originate"][-1]
    assert sent["Channel"] == "Local/wait@callbox-callback/n" and sent["Exten"] == "call"
    # The recorder keeps the last of repeated keys; the variables are checked in the integration test.
    from appliance.reports.db import Callback

    cb = Callback.get(Callback.callid == "5.1")
    assert (cb.queue, cb.number, cb.position, cb.placed) == ("600", "13800138000", 3, 1)
    assert floor.cc.callbacks.resume() == 1  # not in the queue and not served: put back


def test_a_callback_to_a_number_outside_the_queues_class_is_refused_and_nothing_dialled(floor):
    outside_line(floor)
    floor.patch("/queues/600", {"callback": True})  # callback_class: national by default
    refused = floor.box.events.subscribe(lambda e: e.topic == "call_refused")
    for caller in ("00441234567", "8x1", "", "99"):  # abroad, not a number, none, no route dials it
        session = FakeSession({"queue": "600"}, caller=caller, uniqueid="6.1", variables={"endpoint": "trunk-1"})
        floor.cc.handlers.callback_request(session)
        assert ("set", "CALLBOX_CALLBACK", "refused") in session.commands, caller
        assert ("set", "CALLBOX_POSITION", "1") in session.commands
    assert [n for n, _ in floor.ami.sent if n == "Originate"] == []
    events = refused.get(0)
    assert [(e.data["by"], e.data["number"]) for e in events][0] == ("queue-600", "00441234567")
    assert "international numbers are not allowed to class national" == events[0].data["reason"]
    # Allowed abroad by the queue's class: called back.
    floor.patch("/queues/600", {"callback_class": "international"})
    session = FakeSession({"queue": "600"}, caller="00441234567", uniqueid="6.2", variables={"endpoint": "trunk-1"})
    floor.cc.handlers.callback_request(session)
    assert ("set", "CALLBOX_CALLBACK", "refused") not in session.commands
    assert len([n for n, _ in floor.ami.sent if n == "Originate"]) == 1


def test_a_phone_is_called_back_at_its_own_extension_whatever_its_caller_id(floor):
    floor.patch("/queues/600", {"callback": True})
    session = FakeSession({"queue": "600"}, caller="00441234567", uniqueid="7.1", variables={"endpoint": "8002"})
    floor.cc.handlers.callback_request(session)
    from appliance.reports.db import Callback

    assert Callback.get(Callback.callid == "7.1").number == "8002"


def test_recordings_retention_by_age_then_quota(tmp_path):
    from appliance.callcenter.recordings import Recordings

    rec = Recordings(tmp_path / "rec")
    now = time.time()
    files = []
    for i, age_days in enumerate((100, 10, 5, 1)):
        p = rec.path_for(f"{1796000000 + i}.1", now - age_days * 86400)
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(b"x" * 1000)
        import os

        os.utime(p, (now - age_days * 86400, now - age_days * 86400))
        files.append(p)
    from appliance.reports.db import open_reports

    open_reports(reports_store(tmp_path))
    deleted = rec.sweep(retention_days=30, quota_bytes=2500, now=now)
    assert deleted == files[:2]  # past 30 days, then the oldest until under 2500 bytes
    assert [p.exists() for p in files] == [False, False, True, True]
    assert not files[0].parent.exists()


def test_positions_shift_when_a_priority_caller_joins_ahead(floor):
    for uid, number, pos in (("6.1", "111", "1"), ("6.2", "222", "2"), ("6.3", "vip", "1")):
        floor.ami.emit(Event="QueueCallerJoin", Queue="600", Uniqueid=uid, CallerIDNum=number, Position=pos)
    assert [(c["number"], c["position"]) for c in floor.cc.live.queue_live("600")["callers"]] == \
        [("vip", 1), ("111", 2), ("222", 3)]
    floor.ami.emit(Event="QueueCallerLeave", Queue="600", Uniqueid="6.3", Position="1")
    assert [(c["number"], c["position"]) for c in floor.cc.live.queue_live("600")["callers"]] == \
        [("111", 1), ("222", 2)]


def test_a_caller_without_a_name_shows_none(floor):
    floor.ami.emit(Event="QueueCallerJoin", Queue="600", Uniqueid="7.1", CallerIDNum="0755123",
                   CallerIDName="<unknown>", Position="1")
    assert [(c["number"], c["name"]) for c in floor.cc.live.queue_live("600")["callers"]] == [("0755123", "")]


def test_music_collections_play_in_queues(floor, tmp_path):
    import subprocess

    assert floor.post("/music", {"name": "jazz"}).status == 201
    wav = tmp_path / "t.wav"
    subprocess.run(["sox", "-n", "-r", "8000", "-c", "1", str(wav), "synth", "1", "sine", "440"], check=True)
    assert floor.patch("/queues/600", {"music": "jazz"}).status == 200
    files = floor.box.pbx.store.read()
    assert "musicclass = default" in files["queues.conf"]  # no track yet
    r = floor.upload("/music/jazz/tracks", {"title": "Blue"}, "file", "t.wav", wav.read_bytes())
    assert r.status == 201 and r.json["tracks"][0]["title"] == "Blue", r
    files = floor.box.pbx.store.read()
    track = r.json["tracks"][0]["id"]
    assert f"entry => /data/moh/jazz/track-{track}" in files["musiconhold.conf"]
    assert "musicclass = callbox-jazz" in files["queues.conf"]
    assert floor.delete("/music/jazz").status == 409  # queue 600 plays it
    assert floor.delete(f"/music/jazz/tracks/{track}").status == 204
    assert not (floor.box.runtime.paths.music / "jazz" / f"track-{track}.wav").exists()


def test_wallboard_snapshots_go_out_at_once_then_coalesced(floor, monkeypatch):
    import threading

    from appliance.callcenter import manager

    monkeypatch.setattr(manager, "COALESCE", 2.0)
    sub = floor.box.events.subscribe(lambda e: e.topic == "queue_live")
    publisher = threading.Thread(target=floor.cc._publisher, daemon=True)
    publisher.start()

    def join(uid):
        floor.ami.emit(Event="QueueCallerJoin", Queue="600", Uniqueid=uid, CallerIDNum=uid, Position="1")

    try:
        join("1")
        first = sub.get(5)
        assert [len(e.data["callers"]) for e in first] == [1]  # a quiet floor's change: at once
        for uid in "23456":
            join(uid)
        later = []
        while not later or len(later[-1].data["callers"]) < 6:
            got = sub.get(5)
            assert got, "no snapshot after the burst"
            later += got
        assert [len(e.data["callers"]) for e in later] == [6]  # the burst: one snapshot
    finally:
        floor.cc._stop.set()
        floor.cc._wake.set()
        publisher.join(5)
        sub.close()


# -- what the pages read -----------------------------------------------------------------------

def signed_in(api, username, role, extension=None):
    from tests.api import Api
    from tests.unit.test_web_session import make_user

    make_user(username, "Some-Pass-1234", role, extension)
    other = Api(api.base[: -len("/api/v1")])
    other.token = other.post("/auth/login", {"username": username, "password": "Some-Pass-1234"}).json["token"]
    return other


def test_supervisors_read_queues_and_agents_read_pause_reasons(floor):
    sue = signed_in(floor, "sue", "supervisor")
    al = signed_in(floor, "al", "agent", "8001")
    assert [q["number"] for q in sue.get("/queues").json["items"]] == ["600"]
    assert sue.get("/queues/600").json["name"] == "Sales"
    assert sue.patch("/queues/600", {"name": "Other"}).status == 403
    assert sue.post("/queues", {"number": "601", "name": "Other"}).status == 403
    assert al.get("/queues").status == 403
    reasons = al.get("/pause-reasons").json["items"]
    assert reasons and {"name", "code", "phone_code"} <= set(reasons[0])
    assert al.post("/pause-reasons", {"name": "Nap", "code": 9}).status == 403
    assert al.delete(f"/pause-reasons/{reasons[0]['id']}").status == 403


def test_history_by_day_with_customers_and_playable_recordings(floor, tmp_path):
    import datetime as dt
    from zoneinfo import ZoneInfo

    from appliance.reports.db import QueueCall, Recording, reports_db

    assert floor.patch("/settings", {"timezone": "Asia/Shanghai", "country_code": "86"}).status == 200
    assert floor.post("/customers", {"name": "Zhang Wei", "numbers": ["0755-1234567"]}).status == 201
    shanghai = ZoneInfo("Asia/Shanghai")

    def at(*when):
        return dt.datetime(*when, tzinfo=shanghai).timestamp()

    kept = tmp_path / "c2.wav"
    kept.write_bytes(b"RIFF")
    with reports_db.connection_context():
        for callid, entered, caller in (("c1", at(2025, 6, 29, 23, 30), "0756"),
                                        ("c2", at(2025, 6, 30, 0, 30), "07551234567"),
                                        ("c3", at(2025, 7, 1, 10, 0), "0757")):
            QueueCall.create(callid=callid, queue="600", caller=caller, caller_key="86" + caller[1:],
                             entered_at=entered, outcome="answered", ring_attempts=1, memory=0, recording="1")
        Recording.create(callid="c2", path=str(kept), started_at=at(2025, 6, 30, 0, 31), on_demand=0)
        Recording.create(callid="c3", path=str(tmp_path / "gone.wav"), started_at=at(2025, 7, 1, 10, 1), on_demand=0)

    def ids(query):
        r = floor.get("/history" + query)
        assert r.status == 200, r
        return [c["id"] for c in r.json["items"]]

    assert ids("") == ["c3", "c2", "c1"]
    assert ids("?from=2025-06-30&to=2025-06-30") == ["c2"]  # days in the box's time zone, both included
    assert ids("?from=2025-06-30") == ["c3", "c2"]
    assert ids("?to=2025-06-29") == ["c1"]
    rows = {c["id"]: c for c in floor.get("/history").json["items"]}
    assert (rows["c2"]["customer"], rows["c1"]["customer"]) == ("Zhang Wei", None)
    assert [rows[c]["recording_available"] for c in ("c1", "c2", "c3")] == [False, True, False]
    for bad in ("2025-13-01", "20250630", "yesterday"):
        r = floor.get(f"/history?from={bad}")
        assert (r.status, r.json["field"]) == (422, "from"), r
