"""Tests of AMIClient against the fake AMI server in tests/fakes/ami.py."""

import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from appliance.ami import AMIClient, AMIConnectionError, AMIError, AMITimeout
from tests.fakes.ami import FakeAMIServer, unsolicited

ROOT = Path(__file__).resolve().parents[2]
WAIT = 5.0


def wait_until(predicate, timeout=WAIT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.005)
    return predicate()


@pytest.fixture
def server():
    srv = FakeAMIServer().start()
    yield srv
    srv.stop()


@pytest.fixture
def make_client(server):
    clients = []

    def make(**kw):
        kw.setdefault("backoff_initial", 0.01)
        kw.setdefault("backoff_max", 0.05)
        kw.setdefault("connect_timeout", 2.0)
        client = AMIClient(server.host, server.port, server.username, server.secret, **kw)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.stop()


@pytest.fixture
def client(make_client):
    c = make_client()
    c.start()
    assert c.wait_connected(WAIT)
    return c


def test_login(server, client):
    assert client.connected
    (login,) = server.actions("Login")
    assert login["Username"] == server.username
    assert login["Secret"] == server.secret
    assert login["Events"] == "on"
    assert login.action_id
    assert client.action("Ping")["Ping"] == "Pong"


def test_action_fields_and_kwargs_are_sent(server, client):
    server.on("Originate", lambda a: {"Response": "Success", "Message": "queued"})
    resp = client.action("Originate", [("Variable", "A=1"), ("Variable", "B=2")],
                         Channel="PJSIP/101", Timeout=30000)
    assert resp["Message"] == "queued"
    (sent,) = server.actions("Originate")
    assert sent.get_all("Variable") == ["A=1", "B=2"]
    assert sent["Channel"] == "PJSIP/101" and sent["Timeout"] == "30000"
    assert sent.action_id == resp.action_id


def test_action_ids_unique(server, client):
    ids = {client.action("Ping").action_id for _ in range(5)}
    assert len(ids) == 5
    assert {m.action_id for m in server.actions()} >= ids


def test_concurrent_actions_get_their_own_response(server, client):
    n = 20
    # The server answers only once all 20 are in, in reverse order, so a
    # client matching by arrival order instead of ActionID would mix them up.
    server.on("Echo", lambda action: None)
    results, errors = {}, []

    def call(i):
        try:
            results[i] = client.action("Echo", Value=str(i), timeout=WAIT)["Value"]
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=call, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    assert server.wait_for("Echo", n)
    for action in reversed(server.actions("Echo")):
        server.reply(action, {"Response": "Success", "Value": action["Value"]})
    for t in threads:
        t.join(WAIT)
    assert errors == []
    assert results == {i: str(i) for i in range(n)}


def test_action_list_with_interleaved_events(server, client):
    seen = []
    got_all = threading.Event()

    def on_event(event):
        seen.append(event)
        if len(seen) == 2:
            got_all.set()

    client.subscribe(on_event)
    server.on("PJSIPShowEndpoints", lambda action: (
        {"Response": "Success", "EventList": "start",
         "Message": "A listing of Endpoints follows, presented as EndpointList events"},
        [{"Event": "EndpointList", "ObjectName": "101"},
         unsolicited({"Event": "Newchannel", "Channel": "PJSIP/101-00000001"}),
         {"Event": "EndpointList", "ObjectName": "102"},
         unsolicited({"Event": "Hangup", "Channel": "PJSIP/101-00000001"}),
         {"Event": "EndpointList", "ObjectName": "103"}]))
    resp, events = client.action_list("PJSIPShowEndpoints")
    assert resp["EventList"] == "start"
    assert [e["ObjectName"] for e in events] == ["101", "102", "103"]
    assert all(e.action_id == resp.action_id for e in events)
    assert got_all.wait(WAIT)
    assert [e.name for e in seen] == ["Newchannel", "Hangup"]


def test_action_list_empty(server, client):
    server.on("CoreShowChannels", lambda a: ({"Response": "Success",
                                              "EventList": "start"}, []))
    resp, events = client.action_list("CoreShowChannels")
    assert resp.name == "Success" and events == []


def test_action_list_answered_without_a_list(server, client):
    # Asterisk 22's VoicemailUsersList with no mailboxes: Success, no
    # "EventList: start", no events, no Complete. The list is empty, at once.
    server.on("VoicemailUsersList", lambda action: {
        "Response": "Success", "Message": "There are no voicemail users currently defined."})
    started = time.monotonic()
    response, events = client.action_list("VoicemailUsersList", timeout=3)
    assert response.name == "Success" and events == []
    assert time.monotonic() - started < 1.0


def test_action_list_error_response(server, client):
    server.on("PJSIPShowContacts", lambda a: {"Response": "Error",
                                              "Message": "No Contacts found"})
    with pytest.raises(AMIError) as err:
        client.action_list("PJSIPShowContacts", timeout=WAIT)
    assert err.value.message == "No Contacts found"
    assert err.value.response["Response"] == "Error"


def test_action_error(server, client):
    with pytest.raises(AMIError) as err:
        client.action("NoSuchAction")
    assert not isinstance(err.value, (AMITimeout, AMIConnectionError))
    assert err.value.message.startswith("Invalid/unknown command: NoSuchAction")
    assert err.value.response.name == "Error"
    assert client.connected


def test_command_joins_output(server, client):
    server.on("Command", lambda a: [
        ("Response", "Success"), ("Message", "Command output follows"),
        ("Output", "System uptime: 20 seconds"), ("Output", "Last reload: 20 seconds")])
    assert client.command("core show uptime") == \
        "System uptime: 20 seconds\nLast reload: 20 seconds"
    assert server.actions("Command")[0]["Command"] == "core show uptime"


def test_timeout(server, client):
    server.on("Hang", lambda a: None)
    started = time.monotonic()
    with pytest.raises(AMITimeout):
        client.action("Hang", timeout=0.2)
    assert time.monotonic() - started >= 0.2
    assert client._pending == {}
    assert client.action("Ping")["Ping"] == "Pong"


def test_not_connected(make_client):
    c = make_client()
    with pytest.raises(AMIConnectionError):
        c.action("Ping")


def test_injection_rejected_before_sending(server, client):
    with pytest.raises(ValueError):
        client.command("core show uptime\r\nAction: Logoff")
    assert server.actions("Command") == []


def test_callback_exception_is_swallowed(server, client):
    got = threading.Event()

    def bad(event):
        raise RuntimeError("boom")

    client.subscribe(bad)
    client.subscribe(lambda e: got.set())
    assert server.push_event({"Event": "Reload", "Module": "res_pjsip.so"}) == 1
    assert got.wait(WAIT)
    assert client.action("Ping")["Ping"] == "Pong"


def test_unsubscribe(server, client):
    first, second = [], threading.Event()
    unsubscribe = client.subscribe(first.append)
    client.subscribe(lambda e: second.set() if e.name == "Two" else None)
    server.push_event({"Event": "One"})
    assert wait_until(lambda: len(first) == 1)
    unsubscribe()
    server.push_event({"Event": "Two"})
    assert second.wait(WAIT)
    assert [e.name for e in first] == ["One"]


def test_callbacks_cannot_call_actions(server, client):
    outcome = []
    done = threading.Event()

    def cb(event):
        try:
            client.action("Ping", timeout=0.5)
        except RuntimeError as exc:
            outcome.append(exc)
        done.set()

    client.subscribe(cb)
    server.push_event({"Event": "X"})
    assert done.wait(WAIT)
    assert len(outcome) == 1


def test_drop_fails_pending_and_reconnects(server, make_client):
    server.on("Slow", lambda a: None)
    connects = []
    connect_event = threading.Condition()

    def on_connect():
        with connect_event:
            connects.append(time.monotonic())
            connect_event.notify_all()

    c = make_client()
    c.subscribe_connect(on_connect)
    c.start()
    with connect_event:
        assert connect_event.wait_for(lambda: len(connects) == 1, WAIT)
    errors = []
    waiter = threading.Thread(target=lambda: errors.append(
        pytest.raises(AMIConnectionError, c.action, "Slow", timeout=WAIT)))
    waiter.start()
    assert server.wait_for("Slow")
    server.drop_connections()
    waiter.join(WAIT)
    assert not waiter.is_alive() and len(errors) == 1
    assert server.wait_for("Login", 2)
    with connect_event:
        assert connect_event.wait_for(lambda: len(connects) == 2, WAIT)
    assert c.wait_connected(WAIT)
    assert c.action("Ping")["Ping"] == "Pong"
    assert len(server.actions("Login")) == 2


def test_rejected_login_backs_off_and_stays_disconnected(server, make_client):
    server.reject_logins = True
    connects = []
    c = make_client(backoff_initial=0.05, backoff_max=0.2)
    c.subscribe_connect(lambda: connects.append(1))
    c.start()
    assert server.wait_for("Login", 5)
    assert not c.connected and connects == []
    with pytest.raises(AMIConnectionError):
        c.action("Ping")
    times = server.action_times("Login")[:5]
    gaps = [b - a for a, b in zip(times, times[1:])]
    for gap, expected in zip(gaps, [0.05, 0.1, 0.2, 0.2]):
        assert gap >= expected * 0.9, gaps
    assert gaps[-1] < 1.0, gaps  # capped at backoff_max, plus scheduling slack
    server.reject_logins = False
    assert c.wait_connected(WAIT)
    assert connects == [1]


def test_backoff_resets_after_successful_login(server, make_client):
    server.reject_logins = True
    c = make_client(backoff_initial=0.02, backoff_max=10.0)
    c.start()
    # Five failures grow the delay to 0.64 s; a successful login resets it.
    assert server.wait_for("Login", 5)
    server.reject_logins = False
    assert c.wait_connected(WAIT)
    n = len(server.actions("Login"))
    dropped = time.monotonic()
    server.drop_connections()
    assert server.wait_for("Login", n + 1)
    assert server.action_times("Login")[n] - dropped < 0.4
    assert c.wait_connected(WAIT)


def test_stop_joins_and_is_idempotent(server, make_client):
    c = make_client()
    c.start()
    assert c.wait_connected(WAIT)
    thread = c._thread
    c.stop()
    assert not thread.is_alive()
    assert not c.connected
    c.stop()
    with pytest.raises(AMIConnectionError):
        c.action("Ping")
    assert wait_until(lambda: server.client_count == 0)


def test_stop_while_server_unreachable(make_client, server):
    server.reject_logins = True
    c = make_client(backoff_initial=5.0, backoff_max=5.0)
    c.start()
    assert server.wait_for("Login")
    started = time.monotonic()
    c.stop()
    assert time.monotonic() - started < 2.0
    assert not c._thread.is_alive()


GEVENT_SCRIPT = textwrap.dedent("""
    from gevent import monkey
    monkey.patch_all()
    import sys
    sys.path.insert(0, {root!r})
    from tests.fakes.ami import FakeAMIServer
    from appliance.ami import AMIClient

    srv = FakeAMIServer().start()
    c = AMIClient(srv.host, srv.port, srv.username, srv.secret)
    c.start()
    assert c.wait_connected(5), "not connected"
    print("PING", c.action("Ping", timeout=5)["Ping"])
    c.stop()
    srv.stop()
""")


def test_works_under_gevent():
    pytest.importorskip("gevent")
    proc = subprocess.run(
        [sys.executable, "-c", GEVENT_SCRIPT.format(root=str(ROOT))],
        capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert "PING Pong" in proc.stdout
