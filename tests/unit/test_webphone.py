"""The phone in the browser: its endpoint, how calls reach it, and the account the page gets."""

from __future__ import annotations

import dataclasses
import time

import pytest

from appliance.pbx.render import render_all, webrtc
from tests.api import Api
from tests.unit.test_api import pjsip_object
from tests.unit.test_callcenter import floor, member_added  # noqa: F401 - fixture
from tests.unit.test_render import SNAPSHOT
from tests.unit.test_web_session import make_user

PASSWORD = "Agent-Pass-1234"


def sign_in(admin, username: str) -> Api:
    api = Api(admin.base[: -len("/api/v1")])
    r = api.post("/auth/login", {"username": username, "password": PASSWORD})
    assert r.status == 200, r
    api.token = r.json["token"]
    return api


@pytest.fixture
def alice(admin):
    assert admin.post("/extensions", {"number": "8001", "name": "Alice"}).status == 201
    make_user("alice", PASSWORD, "agent", "8001")
    return sign_in(admin, "alice")


def test_off_by_default_and_nothing_to_register(alice):
    r = alice.get("/me/phone")
    assert r.status == 200, r
    assert r.json["enabled"] is False and r.json["user"] is None and r.json["password"] is None
    assert r.json["extension"] == "8001" and r.json["path"] == "/ws"


def test_turning_it_on_gives_the_extension_a_webrtc_endpoint(alice, admin):
    r = alice.put("/me/phone", {"enabled": True})
    assert r.status == 200, r
    assert r.headers.get("Callbox-Applied") == "true"
    account = r.json
    desk = admin.get("/extensions/8001").json
    assert account["user"] == "8001-web" and account["enabled"] is True
    # Derived from the desk phone's secret, never the secret itself.
    assert account["password"] == webrtc.password(desk["secret"]) and account["password"] != desk["secret"]
    endpoint = pjsip_object(admin, "8001-web", "endpoint")
    assert endpoint["webrtc"] == "yes" and endpoint["allow"] == "opus,ulaw,alaw"
    assert endpoint["callerid"] == '"Alice" <8001>'
    assert pjsip_object(admin, "8001-web", "auth")["password"] == account["password"]
    files = admin.box.pbx.store.read()
    assert "exten => 8001,hint,PJSIP/8001&PJSIP/8001-web" in files["extensions.conf"]
    assert "icesupport = yes" in files["rtp.conf"]
    assert desk["browser_phone"] is True
    # A new SIP password retires the browser's too.
    assert admin.post("/extensions/8001/secret").status == 200
    assert alice.get("/me/phone").json["password"] != account["password"]
    r = alice.put("/me/phone", {"enabled": False})
    assert r.status == 200 and r.json["user"] is None
    assert pjsip_object(admin, "8001-web", "endpoint") is None
    assert "icesupport = no" in admin.box.pbx.store.read()["rtp.conf"]


@pytest.mark.parametrize("body", [{}, {"enabled": "yes"}, {"enabled": True, "user": "8002-web"}, [True]])
def test_bad_input_changes_nothing(alice, admin, body):
    before = admin.box.pbx.store.read()
    r = alice.put("/me/phone", body)
    assert r.status == 422, r
    assert r.json["field"] in ("enabled", "user")
    assert admin.box.pbx.store.read() == before


def test_a_user_without_an_extension_has_no_phone(admin):
    make_user("dora", PASSWORD, "supervisor", None)
    dora = sign_in(admin, "dora")
    assert dora.get("/me/phone").json["extension"] is None
    r = dora.put("/me/phone", {"enabled": True})
    assert r.status == 409 and "no extension" in r.json["error"], r


def test_an_agent_turns_on_only_their_own(alice, admin):
    assert admin.post("/extensions", {"number": "8002", "name": "Bob"}).status == 201
    assert alice.patch("/extensions/8002", {"browser_phone": True}).status == 403
    assert alice.patch("/extensions/8001", {"browser_phone": True}).status == 200
    assert pjsip_object(admin, "8001-web", "endpoint") is not None
    assert pjsip_object(admin, "8002-web", "endpoint") is None


def test_ring_groups_and_queues_ring_the_browser_too():
    files = render_all(SNAPSHOT)
    # 8002 has a browser phone in the golden snapshot.
    assert "same => n,Dial(PJSIP/8001&PJSIP/8002&PJSIP/8002-web,20)" in files["extensions.conf"]
    assert "member => Local/8002@callbox-agent-devices,5,8002,hint:8002@callbox-extensions" in files["queues.conf"]
    assert "exten => 8002,1,Dial(PJSIP/8002&PJSIP/8002-web)" in files["extensions.conf"]
    without = dataclasses.replace(SNAPSHOT, extensions=tuple(dataclasses.replace(e, browser_phone=False)
                                                              for e in SNAPSHOT.extensions))
    plain = render_all(without)
    assert "-web" not in plain["pjsip.conf"] and "callbox-agent-devices" not in plain["extensions.conf"]
    assert "icesupport = no" in plain["rtp.conf"]


def test_http_server_serves_the_websocket_only():
    http = render_all(SNAPSHOT)["http.conf"]
    assert "bindport = 8088" in http and "enablestatic = no" in http and "enable_status = no" in http
    assert "protocol = ws" in render_all(SNAPSHOT)["pjsip_transports.conf"]


def test_a_logged_in_agent_follows_the_browser_phone(floor):
    assert floor.post("/agents/8002/login").status == 200
    member_added(floor.ami, "8002")
    floor.ami.emit(Event="QueueMemberPause", Queue="600", MemberName="8002", Paused="1", PausedReason="Lunch",
                   Status="1", InCall="0", Interface="PJSIP/8002", Membership="dynamic")
    floor.ami.sent.clear()
    assert floor.patch("/extensions/8002", {"browser_phone": True}).status == 200
    removed = floor.ami.actions("QueueRemove")
    added = floor.ami.actions("QueueAdd")
    assert {(a["Queue"], a["Interface"]) for a in removed} == {("600", "PJSIP/8002"), ("600-memory", "PJSIP/8002")}
    assert {(a["Queue"], a["Interface"], a["StateInterface"], a["Penalty"]) for a in added} == {
        ("600", "Local/8002@callbox-agent-devices", "hint:8002@callbox-extensions", 2),
        ("600-memory", "Local/8002@callbox-agent-devices", "hint:8002@callbox-extensions", 8002)}
    assert all(a["Paused"] == "true" and a["Reason"] == "Lunch" for a in added)
    # Pausing now names the member Asterisk has.
    assert floor.post("/agents/8002/unpause").status == 200
    assert floor.ami.actions("QueuePause")[-1]["Interface"] == "Local/8002@callbox-agent-devices"


def test_wss_and_dtls_with_the_box_certificate():
    system = dataclasses.replace(SNAPSHOT.system, webrtc_tls_port=8089, tls_cert="/data/tls/box.crt",
                                 tls_key="/data/tls/box.key")
    files = render_all(dataclasses.replace(SNAPSHOT, system=system))
    assert "tlsenable = yes\ntlsbindaddr = 127.0.0.1:8089\ntlscertfile = /data/tls/box.crt" in files["http.conf"]
    assert "protocol = wss" in files["pjsip_transports.conf"]
    assert "dtls_cert_file = /data/tls/box.crt\ndtls_private_key = /data/tls/box.key" in files["pjsip.conf"]
    assert "dtls_auto_generate_cert" not in files["pjsip.conf"]


def test_the_desk_follows_the_call_to_the_browser_channel(floor):
    """A queue rings a browser-phone agent through a Local channel, which leaves the call once
    answered: the call goes on at the phone's own channel, not ended with the Local one."""
    member_added(floor.ami, "8001")
    local = "Local/8001@callbox-agent-devices-00000001;1"
    floor.ami.emit(Event="AgentCalled", Queue="600", MemberName="8001", Uniqueid="1.1", CallerIDNum="8002",
                   Channel="PJSIP/8002-0001", DestChannel=local)
    floor.ami.emit(Event="AgentConnect", Queue="600", MemberName="8001", Uniqueid="1.1", CallerIDNum="8002",
                   Channel="PJSIP/8002-0001", DestChannel=local)
    floor.ami.emit(Event="LocalOptimizationBegin", LocalOneChannel=local,
                   LocalTwoChannel=local[:-1] + "2", SourceChannel="PJSIP/8001-web-00000003")
    floor.ami.emit(Event="Hangup", Channel=local, Uniqueid="1.5")
    live = floor.cc.live
    deadline = time.monotonic() + 2
    while live.call("1.1") is None or live.call("1.1").agent_channel != "PJSIP/8001-web-00000003":
        assert time.monotonic() < deadline, live.call("1.1")
        time.sleep(0.01)
    assert live.agent_state("8001")["state"] == "on_call"


def test_a_browser_phone_call_is_the_extension_s_in_the_records():
    from appliance.reports.calls import party

    assert party("PJSIP/8001-web-0000002a") == ("phone", "8001") == party("PJSIP/8001-0000002a")
    assert party("PJSIP/8001-webx-0000002a")[0] == "other"


def test_pages_may_reach_the_websocket_and_nothing_else(web):
    r = web.get("/health")
    assert r.headers["Content-Security-Policy"].endswith("; connect-src 'self' ws://127.0.0.1:8088")
