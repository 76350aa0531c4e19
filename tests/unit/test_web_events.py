"""/api/v1/events: server-sent events over a real socket, from the box's event bus."""

from __future__ import annotations

import http.client
import json
import time
import urllib.parse

import pytest

from appliance.events import EventBus
from tests.unit.test_web_session import Browser, make_user


@pytest.fixture
def bus(admin):
    admin.box.events = EventBus()
    return admin.box.events


class Stream:
    def __init__(self, api, headers: dict | None = None, token: str | None = None):
        url = urllib.parse.urlsplit(api.base)
        self.conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
        headers = dict(headers or {})
        if token or api.token:
            headers.setdefault("Authorization", f"Bearer {token or api.token}")
        self.conn.request("GET", "/api/v1/events", headers=headers)
        self.response = self.conn.getresponse()

    def block(self) -> list[str]:
        """The next event block: its lines, without the blank line that ends it."""
        lines = []
        while True:
            line = self.response.fp.readline().decode()
            if not line:
                raise EOFError("the stream ended")
            if line == "\n":
                return lines
            lines.append(line.rstrip("\n"))

    def event(self) -> tuple[int, str, dict]:
        """The next event (skipping comments and retry)."""
        while True:
            fields = {}
            for line in self.block():
                if line.startswith(":"):
                    continue
                name, _, value = line.partition(": ")
                fields[name] = value
            if "data" in fields:
                return int(fields["id"]), fields["event"], json.loads(fields["data"])

    def close(self):
        self.response.close()  # the socket closes only when its last file is closed
        self.conn.close()


def wait_for(predicate, timeout=5.0, what="condition"):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def test_stream_framing_and_delivery(admin, bus):
    s = Stream(admin)
    try:
        assert s.response.status == 200
        assert s.response.getheader("Content-Type").startswith("text/event-stream")
        assert s.response.getheader("Cache-Control") == "no-store"
        assert s.block() == ["retry: 3000"]
        wait_for(lambda: bus.subscribers == 1, what="the subscription")
        bus.publish("registration", number="8001", registered=True, contact="sip:8001@198.18.1.1:5060")
        ident, topic, data = s.event()
        assert topic == "registration" and ident >= 1
        assert data["number"] == "8001" and data["registered"] is True and data["topic"] == "registration"
    finally:
        s.close()


def test_heartbeat_comment_when_idle(admin, bus, monkeypatch):
    from webui.api import events

    monkeypatch.setattr(events, "HEARTBEAT", 0.2)
    s = Stream(admin)
    try:
        assert s.block() == ["retry: 3000"]
        assert s.block() == [": keep-alive"]
    finally:
        s.close()


def test_last_event_id_resumes_after_the_last_seen(admin, bus):
    first = bus.publish("calls", active=1)
    second = bus.publish("calls", active=2)
    third = bus.publish("calls", active=3)
    s = Stream(admin, headers={"Last-Event-ID": str(first.id)})
    try:
        assert [s.event()[0], s.event()[0]] == [second.id, third.id]
        fourth = bus.publish("calls", active=4)
        ident, _, data = s.event()
        assert ident == fourth.id and data["active"] == 4
    finally:
        s.close()


def test_subscription_ends_when_the_client_goes(admin, bus, monkeypatch):
    from webui.api import events

    monkeypatch.setattr(events, "HEARTBEAT", 0.05)
    s = Stream(admin)
    s.block()
    wait_for(lambda: bus.subscribers == 1, what="the subscription")
    s.close()
    # The next writes (heartbeats) fail and the server closes the stream.
    wait_for(lambda: bus.subscribers == 0, what="the subscription to close")


def test_stream_with_the_session_cookie_and_without_credentials(admin, bus):
    b = Browser(admin)
    b.sign_in()
    cookie = b.cookie("callbox_session")
    url = urllib.parse.urlsplit(admin.base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    conn.request("GET", "/api/v1/events", headers={"Cookie": f"callbox_session={cookie.value}"})
    r = conn.getresponse()
    assert r.status == 200 and r.fp.readline() == b"retry: 3000\n"
    conn.close()
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    conn.request("GET", "/api/v1/events")
    assert conn.getresponse().status == 401
    conn.close()


def test_agents_see_only_their_own_phone_and_calls(admin, bus):
    assert admin.post("/extensions", {"number": "8001", "name": "Alice"}).status == 201
    make_user("alice", "Agent-Pass-1234", "agent", "8001")
    token = admin.post("/auth/login", {"username": "alice", "password": "Agent-Pass-1234"}).json["token"]
    s = Stream(admin, token=token)
    try:
        s.block()
        wait_for(lambda: bus.subscribers == 1, what="the subscription")
        bus.publish("health", status="ok")
        bus.publish("registration", number="8002", registered=True, contact="sip:8002@x")
        bus.publish("calls", active=3)
        bus.publish("screenpop", agent="8002", call="c1", caller="555")
        bus.publish("queue_live", queue="600", callers=[])
        mine = bus.publish("registration", number="8001", registered=True, contact="sip:8001@x")
        ident, topic, data = s.event()
        assert (ident, topic, data["number"]) == (mine.id, "registration", "8001")
        pop = bus.publish("screenpop", agent="8001", call="c2", caller="555")
        assert s.event()[:2] == (pop.id, "screenpop")
        state = bus.publish("agent_state", extension="8001", state="paused")
        assert s.event()[:2] == (state.id, "agent_state")
    finally:
        s.close()


def test_a_slow_client_is_told_it_lost_events(admin, bus, monkeypatch):
    original = bus.subscribe
    monkeypatch.setattr(bus, "subscribe", lambda accept, size=500, since=None: original(accept, 2, since))
    for i in range(5):
        bus.publish("calls", active=i)
    s = Stream(admin, headers={"Last-Event-ID": "0"})
    try:
        s.block()
        lines = s.block()
        assert lines[0] == "event: lost" and json.loads(lines[1][len("data: "):])["count"] == 3
        assert [s.event()[2]["active"], s.event()[2]["active"]] == [3, 4]
    finally:
        s.close()
