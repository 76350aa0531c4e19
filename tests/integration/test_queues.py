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


def sipp(box, provider, tmp_path, callers: list[str], scenario="caller.xml", concurrent=1):
    inf = tmp_path / "callers.csv"
    inf.write_text("SEQUENTIAL\n" + "".join(f"{c};\n" for c in callers))
    return subprocess.Popen(
        ["sipp", box.box_ip + ":5060", "-sf", str(HERE / "sipp" / scenario), "-inf", str(inf), "-s", "075512345678",
         "-i", provider["ip"], "-p", "5070", "-mp", "16000", "-m", str(len(callers)), "-l", str(concurrent),
         "-r", "1", "-rp", "300", "-nostdin", "-timeout", "120", "-timeout_error",
         "-trace_err", "-error_file", str(tmp_path / "sipp-errors.log")],
        cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


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
        self._live = []
        self._seen = {n: len(p.incoming) for n, p in phones.items()}

    def step(self) -> None:
        for n, phone in self.phones.items():
            while self._seen[n] < len(phone.incoming):
                call = phone.incoming[self._seen[n]]
                self._seen[n] += 1
                self.rang.append(n)
                if n in self.ignore:
                    continue
                if n in self.refuse:
                    busy = pj.CallOpParam()
                    busy.statusCode = 486
                    call.hangup(busy)
                else:
                    call.answer_call()
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


def test_history_is_exact_across_a_restart(api, agents, provider, sip, box, tmp_path):
    from tests.integration.conftest import start_box

    make_queue(api, provider, strategy="ringall")
    for n in AGENTS:
        api.post(f"/agents/{n}/pause")  # no agent: the caller waits
    before = len(api.get("/history?queue=600&per_page=500").json["items"])
    proc = sipp(box, provider, tmp_path, ["0755999000"], scenario="abandon.xml")
    sip.wait(finished(proc), 30, "the caller to give up")
    floor = Floor(sip, {n: agents[n] for n in AGENTS}, talk=0.3)
    proc = sipp(box, provider, tmp_path, ["0755999001"])
    floor.serve(finished(proc), 30, "an answered call")
    items = history(api, before + 2)
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
