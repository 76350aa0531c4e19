"""Queues on a real box: strategies, memory, history, with pjsua2 agents and SIPp callers.

The callers come from a "provider" (SIPp on a second address of the host's end
of the box's veth, known to the box as a trunk by that address) and reach the
queue through an inbound route, as outside callers would. Assertions are on
the call history the box derives from Asterisk's queue_log (GET /history) and
on what the agents' phones saw.
"""

from __future__ import annotations

import collections
import os
import signal
import subprocess
import time
from pathlib import Path

import pjsua2 as pj
import pytest

from tests.integration.conftest import box_sound

HERE = Path(__file__).resolve().parent
AGENTS = ("8001", "8002", "8003")


@pytest.fixture(scope="module")
def provider(box, api):
    ip = box.host_ip.rsplit(".", 1)[0] + ".4"
    dev = box.state()["host_if"]
    subprocess.run(["ip", "addr", "add", f"{ip}/24", "dev", dev], check=True)
    try:
        trunk = api.post("/trunks", {"name": "Provider", "host": ip, "port": 5070}).json
        yield {"ip": ip, "trunk": trunk}
    finally:
        subprocess.run(["ip", "addr", "del", f"{ip}/24", "dev", dev], check=False)


@pytest.fixture(scope="module")
def agents(api, sip, box):
    phones = {}
    for n in AGENTS + ("8009",):
        r = api.post("/extensions", {"number": n, "name": f"Agent {n}"})
        assert r.status == 201, r
        phones[n] = sip.phone(n, r.json["secret"], box.sip).register()
    return phones


def make_queue(api, provider, **fields):
    """A queue 600 (replacing any earlier one) that outside calls reach."""
    for route in api.get("/inbound-routes").json["items"]:
        api.delete(f"/inbound-routes/{route['id']}")
    if api.get("/queues/600").status == 200:
        assert api.delete("/queues/600").status == 204
    body = {"number": "600", "name": "Sales", "members": [{"extension": n} for n in AGENTS], **fields}
    r = api.post("/queues", body)
    assert r.status == 201, r
    assert api.post("/inbound-routes", {"name": "All", "destination": {"kind": "queue", "target": "600"}}).status == 201


_STARTED: list[subprocess.Popen] = []


@pytest.fixture(autouse=True)
def _end_sipp():
    """A test that fails half-way leaves no SIPp behind (ended by the PID it started)."""
    yield
    while _STARTED:
        proc = _STARTED.pop()
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def sipp(box, provider, tmp_path, callers: list[str], scenario="caller.xml", concurrent=1):
    inf = tmp_path / "callers.csv"
    inf.write_text("SEQUENTIAL\n" + "".join(f"{c};\n" for c in callers))
    proc = subprocess.Popen(
        ["sipp", box.box_ip + ":5060", "-sf", str(HERE / "sipp" / scenario), "-inf", str(inf), "-s", "075512345678",
         "-i", provider["ip"], "-p", "5070", "-mp", "16000", "-m", str(len(callers)), "-l", str(concurrent),
         "-r", "1", "-rp", "300", "-nostdin", "-timeout", "120", "-timeout_error",
         "-trace_err", "-error_file", str(tmp_path / "sipp-errors.log")],
        cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _STARTED.append(proc)
    return proc


class Floor:
    """Agents answer what rings them and hang up after `talk` seconds; who got what is noted."""

    def __init__(self, sip, phones, talk=0.5, refuse=(), ignore=()):
        self.sip = sip
        self.phones = phones
        self.talk = talk
        self.refuse = set(refuse)  # answer 486 Busy
        self.ignore = set(ignore)  # let it ring
        self.answered: list[str] = []
        self.rang: list[str] = []
        self.offered: list[tuple[str, str]] = []  # (agent, caller's URI), in the order they rang
        self._live = []

    def step(self) -> None:
        for n, phone in self.phones.items():
            while (call := phone.take_incoming()) is not None:
                self.rang.append(n)
                self.offered.append((n, call.remote_uri))
                if n in self.ignore:
                    continue
                if n in self.refuse:
                    busy = pj.CallOpParam()
                    busy.statusCode = 486
                    call.hangup(busy)
                elif call.state != pj.PJSIP_INV_STATE_DISCONNECTED:  # not already taken by another agent
                    try:
                        call.answer_call()
                    except pj.Error:
                        if call.state != pj.PJSIP_INV_STATE_DISCONNECTED:
                            raise
                        continue  # cancelled between the check and the answer
                    self._live.append((n, call, None))
        still = []
        for n, call, since in self._live:
            if call.connected and since is None:
                self.answered.append(n)
                since = time.monotonic()
            if since is not None and time.monotonic() - since > self.talk and call.connected:
                call.hangup_call()
                continue
            if call.state != pj.PJSIP_INV_STATE_DISCONNECTED:
                still.append((n, call, since))
        self._live = still

    def serve(self, until, timeout: float, what: str) -> None:
        def done():
            self.step()
            return until()

        self.sip.wait(done, timeout, what)


def history(api, n: int, timeout: float = 10) -> list[dict]:
    deadline = time.monotonic() + timeout
    while True:
        items = api.get("/history?queue=600&per_page=100").json["items"]
        if len([i for i in items if i["outcome"] != "waiting"]) >= n or time.monotonic() > deadline:
            return items
        time.sleep(0.1)


def latest_call_of(api, caller: str, timeout: float = 10, outcome=lambda o: o != "waiting") -> dict:
    """This caller's most recent queue call (not a callback's placeholder), once its outcome is known."""
    deadline = time.monotonic() + timeout
    while True:
        calls = [c for c in api.get("/history?queue=600&per_page=200").json["items"]
                 if c["caller"] == caller and not c["callback_of"]]
        if calls and outcome(calls[0]["outcome"]):
            return calls[0]
        assert time.monotonic() < deadline, f"no call from {caller} with a known outcome: {calls[:1]}"
        time.sleep(0.1)


def finished(proc):
    return lambda: proc.poll() is not None


def test_rrmemory_spreads_nine_calls_three_each(api, agents, provider, sip, box, tmp_path):
    make_queue(api, provider, strategy="rrmemory")
    floor = Floor(sip, {n: agents[n] for n in AGENTS}, talk=0.3)
    proc = sipp(box, provider, tmp_path, [f"07550000{i:03d}" for i in range(9)])
    floor.serve(finished(proc), 90, "nine calls through the queue")
    assert proc.returncode == 0, proc.stderr.read().decode()
    assert collections.Counter(floor.answered) == {"8001": 3, "8002": 3, "8003": 3}
    calls = history(api, 9)
    answered = [c for c in calls if c["outcome"] == "answered"]
    assert len(answered) == 9, calls
    assert collections.Counter(c["agent"] for c in answered) == {"8001": 3, "8002": 3, "8003": 3}


def test_ringall_rings_all_three(api, agents, provider, sip, box, tmp_path):
    make_queue(api, provider, strategy="ringall")
    floor = Floor(sip, {n: agents[n] for n in AGENTS}, talk=0.3, ignore={"8001", "8003"})
    proc = sipp(box, provider, tmp_path, ["0755000100"])
    floor.serve(finished(proc), 30, "one call")
    assert sorted(floor.rang) == list(AGENTS)
    assert floor.answered == ["8002"]
    assert history(api, 10)[0]["agent"] == "8002"


def test_linear_tries_the_first_free_agent_first(api, agents, provider, sip, box, tmp_path):
    make_queue(api, provider, strategy="linear")
    floor = Floor(sip, {n: agents[n] for n in AGENTS}, talk=0.3)
    proc = sipp(box, provider, tmp_path, ["0755000201", "0755000202", "0755000203"])
    floor.serve(finished(proc), 45, "three calls")
    assert floor.answered == ["8001", "8001", "8001"]
    # With 8001 busy on another call, the first free agent is 8002.
    busy = agents["8001"].call("8009")
    held = agents["8009"].wait_incoming()
    held.answer_call()
    busy.wait_confirmed()
    floor = Floor(sip, {n: agents[n] for n in ("8002", "8003")}, talk=0.3)
    proc = sipp(box, provider, tmp_path, ["0755000204"])
    floor.serve(finished(proc), 30, "a call while 8001 talks")
    assert floor.answered == ["8002"]
    busy.hangup_call()
    held.wait_disconnected()


def test_memory_rings_the_last_agent_first_then_falls_back(api, agents, provider, sip, box, tmp_path):
    make_queue(api, provider, strategy="linear", memory_seconds=5,
               members=[{"extension": "8001"}, {"extension": "8002"}, {"extension": "8003"}])
    caller = "0755333444"
    # First call: 8001 refuses, so 8002 serves this caller.
    floor = Floor(sip, {n: agents[n] for n in AGENTS}, talk=0.3, refuse={"8001"})
    proc = sipp(box, provider, tmp_path, [caller])
    floor.serve(finished(proc), 45, "the first call")
    assert floor.answered == ["8002"]
    history(api, 1)
    # Second call from the same number: 8002 rings first although linear starts at 8001.
    floor = Floor(sip, {n: agents[n] for n in AGENTS}, talk=0.3)
    proc = sipp(box, provider, tmp_path, [caller])
    floor.serve(finished(proc), 45, "the second call")
    assert floor.rang[0] == "8002" and floor.answered == ["8002"]
    calls = history(api, 2)
    assert calls[0]["memory"] is True and calls[0]["agent"] == "8002"
    # Third: 8002 does not take it; after the memory time the queue's own order takes over.
    floor = Floor(sip, {n: agents[n] for n in AGENTS}, talk=0.3, refuse={"8002"})
    proc = sipp(box, provider, tmp_path, [caller])
    floor.serve(finished(proc), 60, "the third call")
    assert floor.rang[0] == "8002" and floor.answered == ["8001"]
    assert history(api, 3)[0]["memory"] is False


@pytest.fixture(scope="module")
def desk(api, sip, box):
    """A desk phone that calls the queue (and can be called back)."""
    r = api.post("/extensions", {"number": "8101", "name": "Caller"})
    assert r.status == 201, r
    return sip.phone("8101", r.json["secret"], box.sip).register()


def answered_call(api, desk, agent, sip):
    """The desk phone calls queue 600 and `agent` answers; both calls, and the call's id."""
    call = desk.call("600")
    ringing = agent.wait_incoming(timeout=15)
    ringing.answer_call()
    ringing.wait_confirmed()
    call.wait_confirmed()
    deadline = time.monotonic() + 5
    while not (live := api.get("/calls").json["items"]) and time.monotonic() < deadline:
        sip.wait(lambda: False or True, 0.1)
    return call, ringing, live[0]["id"]


def test_a_vip_who_joins_last_is_answered_first(api, agents, provider, sip, box, tmp_path):
    make_queue(api, provider, strategy="linear")
    r = api.post("/customers", {"name": "Big Client", "numbers": ["0755 8888 9999"], "level": "VIP"})
    assert r.status == 201, r
    for n in AGENTS:
        assert api.post(f"/agents/{n}/pause").status == 200
    proc = sipp(box, provider, tmp_path, ["0755100001", "0755100002", "075588889999"], concurrent=3)
    deadline = time.monotonic() + 20
    while len(api.get("/queues/600/live").json["callers"]) < 3:
        assert time.monotonic() < deadline, "the three callers never queued"
        sip.wait(lambda: True, 0.1)
    live = api.get("/queues/600/live").json["callers"]
    assert live[0]["number"] == "075588889999"  # moved ahead of the two who came first
    assert api.post("/agents/8001/unpause").status == 200
    floor = Floor(sip, {"8001": agents["8001"]}, talk=0.2)
    floor.serve(finished(proc), 45, "three callers served one by one")
    assert "075588889999" in floor.offered[0][1], floor.offered
    for n in ("8002", "8003"):
        api.post(f"/agents/{n}/unpause")


def test_callback_keeps_the_place_and_rings_back(api, agents, desk, sip, box, provider):
    make_queue(api, provider, strategy="ringall", callback=True, members=[{"extension": "8001"}])
    assert api.post("/agents/8001/pause").status == 200
    call = desk.call("600")
    call.wait_confirmed()
    sip.wait(lambda: call.listener.heard_sound(min_ms=300), 15, "music on hold")
    call.send_dtmf("1")
    call.wait_disconnected(timeout=20)  # "we will call you back", then the box hangs up
    original = latest_call_of(api, "8101")
    assert original["outcome"] == "called_back"
    assert api.post("/agents/8001/unpause").status == 200
    agent_leg = agents["8001"].wait_incoming(timeout=20)  # the placeholder's turn came: the agent first
    agent_leg.answer_call()
    back = desk.wait_incoming(timeout=20)  # then the caller is called back
    back.answer_call()
    back.wait_confirmed()
    agent_leg.wait_confirmed()
    agent_leg.hangup_call()
    back.wait_disconnected()
    deadline = time.monotonic() + 10
    while True:
        legs = [c for c in api.get("/history?queue=600").json["items"] if c["callback_of"] == original["id"]]
        if legs and legs[0]["outcome"] == "answered" or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert legs and legs[0]["agent"] == "8001" and legs[0]["outcome"] == "answered", legs


def test_supervisor_listens_whispers_barges(api, agents, desk, sip, box, provider, tmp_path):
    from tests.audio import write_tone

    make_queue(api, provider, strategy="ringall", members=[{"extension": "8001"}])
    if not any(u["username"] == "sue" for u in api.get("/users").json["items"]):
        assert api.post("/users", {"username": "sue", "password": "Super-Visor-77", "role": "supervisor",
                                   "extension": "8009"}).status == 201
    caller, agent, callid = answered_call(api, desk, agents["8001"], sip)
    caller.play(write_tone(tmp_path / "caller.wav", 600, 2.0), loop=True)
    agent.play(write_tone(tmp_path / "agent.wav", 900, 2.0), loop=True)
    assert api.post(f"/calls/{callid}/spy", {"supervisor": "8009", "mode": "listen"}).status == 202
    spy = agents["8009"].wait_incoming(timeout=10)
    spy.answer_call()
    spy.wait_confirmed()
    spy.play(write_tone(tmp_path / "supervisor.wav", 1400, 2.0), loop=True)
    heard = spy.listener
    sip.wait(lambda: heard.heard_tone(600, 300, ratio=0.3) and heard.heard_tone(900, 300, ratio=0.3), 10,
             "the supervisor to hear both sides")

    def audio_seconds(listener, since):
        listener.poll()
        return (len(listener.frames) - since) * 0.02

    def check(mode_digit, agent_hears, caller_hears):
        if mode_digit:
            spy.send_dtmf(mode_digit)
        a_mark, c_mark = agent.listener.mark(), caller.listener.mark()
        if agent_hears or caller_hears:
            sip.wait(lambda: (not agent_hears or agent.listener.heard_tone(1400, 300, since=a_mark, ratio=0.3))
                     and (not caller_hears or caller.listener.heard_tone(1400, 300, since=c_mark, ratio=0.3)),
                     10, f"the supervisor to be heard after DTMF {mode_digit}")
        # What must not be heard: three seconds of received audio without it.
        sip.wait(lambda: audio_seconds(agent.listener, a_mark) > 3 and audio_seconds(caller.listener, c_mark) > 3,
                 10, "three seconds of audio")
        assert agent.listener.heard_tone(1400, 300, since=a_mark, ratio=0.3) == agent_hears
        assert caller.listener.heard_tone(1400, 300, since=c_mark, ratio=0.3) == caller_hears

    check("", agent_hears=False, caller_hears=False)  # listen
    check("5", agent_hears=True, caller_hears=False)  # whisper
    check("6", agent_hears=True, caller_hears=True)  # barge
    spy.hangup_call()
    caller.hangup_call()
    agent.wait_disconnected()



def test_a_tickets_department_joins_its_call_three_way(api, agents, desk, sip, box, provider, tmp_path):
    """The agent on a call adds the ticket's department (its phone is extension 8003): the caller,
    the agent and the department each hear the other two."""
    from tests.audio import write_tone

    make_queue(api, provider, strategy="ringall", members=[{"extension": "8001"}])
    dept = api.post("/departments", {"name": "Housing Office", "phone": "8003"}).json
    caller, agent, callid = answered_call(api, desk, agents["8001"], sip)
    r = api.post("/tickets", {"kind": "complaint", "summary": "Leaking roof", "caller": "8101", "call_id": callid,
                              "department": dept["id"]})
    assert r.status == 201, r
    number = r.json["number"]
    caller.play(write_tone(tmp_path / "caller.wav", 600, 2.0), loop=True)
    agent.play(write_tone(tmp_path / "agent.wav", 900, 2.0), loop=True)
    r = api.post(f"/tickets/{number}/three-way", {})
    assert r.status == 202, r.json
    office = agents["8003"].wait_incoming(timeout=15)
    assert number in office.remote_uri or "8001" in office.remote_uri, office.remote_uri
    office.answer_call()
    office.wait_confirmed()
    office.play(write_tone(tmp_path / "office.wav", 1400, 2.0), loop=True)
    sip.wait(lambda: office.listener.heard_tone(600, 300, ratio=0.3) and office.listener.heard_tone(900, 300, ratio=0.3),
             10, "the department to hear the caller and the agent")
    c_mark, a_mark = caller.listener.mark(), agent.listener.mark()
    sip.wait(lambda: caller.listener.heard_tone(1400, 300, since=c_mark, ratio=0.3)
             and agent.listener.heard_tone(1400, 300, since=a_mark, ratio=0.3), 10,
             "the caller and the agent to hear the department")
    sip.wait(lambda: caller.listener.heard_tone(900, 300, since=c_mark, ratio=0.3), 10, "the caller to hear the agent")
    assert caller.connected and agent.connected
    history = api.get(f"/tickets/{number}/history").json["items"]
    assert [(h["field"], h["new"]) for h in history if h["field"] == "three_way"] == [("three_way", "Housing Office (8003)")]
    # The agent leaves: the caller and the department go on talking; the caller's leaving ends it.
    agent.hangup_call()
    c_mark = caller.listener.mark()
    sip.wait(lambda: caller.listener.heard_tone(1400, 300, since=c_mark, ratio=0.3), 10, "the caller and the department")
    assert office.connected
    caller.hangup_call()
    office.wait_disconnected(timeout=15)


def test_a_three_way_call_is_refused_when_nothing_can_be_joined(api, agents, desk, sip, box, provider):
    rung = len(agents["8003"].incoming)
    dept = api.post("/departments", {"name": "Parks Office"}).json
    t = api.post("/tickets", {"kind": "report", "summary": "Broken bench", "department": dept["id"]}).json
    r = api.post(f"/tickets/{t['number']}/three-way", {})
    assert r.status == 422 and r.json["field"] == "department" and "no phone number" in r.json["error"], r.json
    assert api.patch(f"/departments/{dept['id']}", {"phone": "8003"}).status == 200
    r = api.post(f"/tickets/{t['number']}/three-way", {})
    assert r.status == 409 and "not connected" in r.json["error"], r.json  # no call on this ticket now
    sip.wait(lambda: True, 0.5, "")
    assert len(agents["8003"].incoming) == rung  # the department's phone never rang


def test_spy_codes_from_a_non_supervisor_get_a_tone(api, agents, desk, sip, box, provider, tmp_path):
    from tests.audio import write_tone

    make_queue(api, provider, strategy="ringall", members=[{"extension": "8001"}])
    caller, agent, _ = answered_call(api, desk, agents["8001"], sip)
    try:
        intruder = agents["8002"].call("*2248001")  # 8002 is an agent, not a supervisor
        intruder.wait_confirmed()
        intruder.play(write_tone(tmp_path / "intruder.wav", 1400, 2.0), loop=True)
        a_mark, c_mark = agent.listener.mark(), caller.listener.mark()
        # Congestion is 480 + 620 Hz, 250 ms on and 250 ms off (so each tone holds a
        # third of a frame's energy at most); the box hangs up after it.
        sip.wait(lambda: intruder.listener.heard_tone(480, 160, ratio=0.15)
                 and intruder.listener.heard_tone(620, 160, ratio=0.15), 10, "the congestion tone")
        intruder.wait_disconnected(timeout=10)
        assert not agent.listener.heard_tone(1400, 300, since=a_mark, ratio=0.3)
        assert not caller.listener.heard_tone(1400, 300, since=c_mark, ratio=0.3)
        assert caller.connected and agent.connected
    finally:
        caller.hangup_call()
        agent.wait_disconnected()


def test_recording_and_survey(api, agents, desk, sip, box, provider, tmp_path):
    from tests.audio import goertzel_ratio, write_tone
    import io
    import wave

    make_queue(api, provider, strategy="ringall", members=[{"extension": "8001"}], recording="always", survey=True)
    caller, agent, callid = answered_call(api, desk, agents["8001"], sip)
    caller.play(write_tone(tmp_path / "caller.wav", 700, 4.0))
    sip.wait(caller.played, 10, "four seconds of talk")
    agent.hangup_call()  # the agent ends the call: the caller is asked to rate it
    after = caller.listener.mark()
    sip.wait(lambda: caller.listener.heard_sound(since=after, min_ms=500), 10, "the survey question")
    caller.send_dtmf("4")
    caller.wait_disconnected(timeout=20)
    deadline = time.monotonic() + 10
    while (row := next((c for c in api.get("/history?queue=600").json["items"] if c["id"] == callid), None)) \
            is None or row["survey"] is None:
        assert time.monotonic() < deadline, row
        time.sleep(0.2)
    assert (row["survey"], row["agent"], row["recording"]) == (4, "8001", True)
    audio = api.get(f"/recordings/{callid}")
    assert audio.status == 200 and audio.headers["Content-Type"].startswith("audio/wav")
    with wave.open(io.BytesIO(audio.body)) as w:
        seconds = w.getnframes() / w.getframerate()
        frames = w.readframes(w.getnframes())
    assert 3.0 <= seconds <= 7.0, seconds
    samples = [int.from_bytes(frames[i:i + 2], "little", signed=True) for i in range(0, len(frames), 2)]
    rate = 8000
    window = samples[rate:rate + 160]
    assert goertzel_ratio(window, 700) > 0.3, "the recording does not carry the caller's voice"
    assert 3.0 <= row["talk"] <= 7.0


def test_a_chinese_queue_speaks_chinese_to_its_callers(api, agents, desk, sip, box, provider):
    """The queue's language (zh) decides what its caller hears, although the calling phone's is
    English: "坐席 8 0 0 1 号为您服务", the agent's number said digit by digit in Chinese."""
    from tests.audio import heard_file

    make_queue(api, provider, strategy="ringall", members=[{"extension": "8001"}], announce_agent=True,
               language="zh")
    assert api.get("/queues/600").json["language"] == "zh"
    caller, agent, _ = answered_call(api, desk, agents["8001"], sip)
    zh, en = (box_sound(f"usr/share/callbox/sounds/{lang}/agent-serving-2.wav") for lang in ("zh", "en"))
    # The announcement is played before the two are bridged; then the line is quiet.
    sip.wait(lambda: caller.listener.silent_after_sound(silence_ms=1500), 20, "the agent announcement")
    digit = box_sound("usr/share/asterisk/sounds/zh/digits/8.wav")
    scores = {name: heard_file(caller.listener, path) for name, path in (("zh", zh), ("en", en), ("8", digit))}
    assert scores["zh"] > 0.8 and scores["8"] > 0.8, scores
    assert scores["en"] < 0.5, scores
    caller.hangup_call()
    agent.wait_disconnected(timeout=10)


def test_a_replaced_prompt_is_heard_at_once_and_reset_brings_the_standard_one_back(api, agents, desk, sip, box,
                                                                                   provider, tmp_path):
    """The owner's recording of the Chinese "8" takes Asterisk's place with no reload; reset undoes it."""
    from tests.audio import heard_file, write_tone

    make_queue(api, provider, strategy="ringall", members=[{"extension": "8001"}], announce_agent=True,
               language="zh")
    tone = write_tone(tmp_path / "eight.wav", 1000, 0.6)
    r = api.put("/system-prompts/zh/digits/8", raw=tone.read_bytes(), content_type="audio/wav")
    assert r.status == 200, r
    caller, agent, _ = answered_call(api, desk, agents["8001"], sip)
    sip.wait(lambda: caller.listener.heard_tone(1000, min_ms=400), 20, "the owner's recording of 8")
    caller.hangup_call()
    agent.wait_disconnected(timeout=10)

    assert api.delete("/system-prompts/zh/digits/8").status == 204
    caller, agent, _ = answered_call(api, desk, agents["8001"], sip)
    sip.wait(lambda: caller.listener.silent_after_sound(silence_ms=1500), 20, "the agent announcement")
    assert not caller.listener.heard_tone(1000, min_ms=400)
    assert heard_file(caller.listener, box_sound("usr/share/asterisk/sounds/zh/digits/8.wav")) > 0.8
    caller.hangup_call()
    agent.wait_disconnected(timeout=10)


def test_history_is_exact_across_a_restart(api, agents, provider, sip, box, tmp_path):
    from tests.integration.conftest import start_box

    make_queue(api, provider, strategy="ringall")
    for n in AGENTS:
        api.post(f"/agents/{n}/pause")  # no agent: the caller waits
    before = len(api.get("/history?queue=600&per_page=500").json["items"])
    proc = sipp(box, provider, tmp_path, ["0755999000"], scenario="abandon.xml")
    sip.wait(finished(proc), 30, "the caller to give up")
    for n in AGENTS:
        assert api.post(f"/agents/{n}/unpause").status == 200
    floor = Floor(sip, {n: agents[n] for n in AGENTS}, talk=0.3)
    proc = sipp(box, provider, tmp_path, ["0755999001"])
    floor.serve(finished(proc), 30, "an answered call")
    latest_call_of(api, "0755999001", outcome=lambda o: o == "answered")
    deadline = time.monotonic() + 10
    while True:
        items = history(api, before + 2)
        if all(c["talk"] is not None for c in items if c["outcome"] == "answered"):
            break
        assert time.monotonic() < deadline, "the answered call never completed"
        time.sleep(0.1)
    # The supervisor, PID 1 of the box, dies at once (and the box with it).
    os.kill(box.state()["init_pid"], signal.SIGKILL)
    deadline = time.monotonic() + 15
    while box_alive(box) and time.monotonic() < deadline:
        time.sleep(0.1)
    restarted = start_box(box.name)
    from tests.api import Api
    from tests.integration.conftest import ADMIN_PASSWORD

    again = Api(restarted.url).sign_in(ADMIN_PASSWORD)
    after = history(again, before + 2)
    assert after == items
    abandoned = [c for c in after if c["caller"] == "0755999000"]
    answered = [c for c in after if c["caller"] == "0755999001"]
    assert [c["outcome"] for c in abandoned] == ["abandoned"] and 2.0 <= abandoned[0]["wait"] <= 5.0
    assert [c["outcome"] for c in answered] == ["answered"]


def box_alive(box) -> bool:
    from tests.integration.conftest import box_cli

    return "running" in box_cli("list").stdout.split(box.name)[1].splitlines()[0]
