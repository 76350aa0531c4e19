"""Agents see their own extension and its voicemail only; the API enforces it."""

from __future__ import annotations

import pytest

from tests.unit.test_web_session import Browser, make_user
from tests.api import Api

AGENT_PASSWORD = "Agent-Pass-1234"
MSG_ID = "1796009472-00000001"
MESSAGE_TXT = """[message]
callerid="Carol" <8003>
origtime=1796009472
msg_id={msg_id}
duration=2
"""


@pytest.fixture
def agents(admin):
    for number, name in (("8001", "Alice"), ("8002", "Bob")):
        assert admin.post("/extensions", {"number": number, "name": name}).status == 201
    make_user("alice", AGENT_PASSWORD, "agent", "8001")
    make_user("bob", AGENT_PASSWORD, "agent", "8002")
    root = admin.box.runtime.paths.voicemail / "default"
    for mailbox in ("8001", "8002"):
        inbox = root / mailbox / "INBOX"
        inbox.mkdir(parents=True)
        (inbox / "msg0000.txt").write_text(MESSAGE_TXT.format(msg_id=MSG_ID))
        (inbox / "msg0000.wav").write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt fake")
    alice = Api(admin.base[: -len("/api/v1")])
    r = alice.post("/auth/login", {"username": "alice", "password": AGENT_PASSWORD})
    assert r.status == 200 and r.json["role"] == "agent"
    alice.token = r.json["token"]
    return alice


ADMIN_ROUTES = [
    ("GET", "/extensions"),
    ("POST", "/extensions"),
    ("DELETE", "/extensions/8001"),
    ("POST", "/extensions/8001/secret"),
    ("GET", "/extensions/export"),
    ("POST", "/extensions/bulk"),
    ("GET", "/settings"),
    ("PATCH", "/settings"),
]


@pytest.mark.parametrize("method,path", ADMIN_ROUTES)
def test_agent_gets_403_on_admin_routes(agents, method, path):
    r = agents.request(method, path, {} if method != "GET" else None)
    assert r.status == 403, r
    assert r.json["error"] == "your role may not do this"


def test_agent_reaches_own_mailbox_only(agents, admin):
    assert agents.get("/extensions/8001/voicemail").json["items"][0]["id"] == MSG_ID
    assert agents.get(f"/extensions/8001/voicemail/{MSG_ID}").status == 200
    assert agents.get("/extensions/8001/greetings").status == 200
    for method, path in (("GET", "/extensions/8002/voicemail"), ("GET", f"/extensions/8002/voicemail/{MSG_ID}"),
                         ("DELETE", f"/extensions/8002/voicemail/{MSG_ID}"), ("GET", "/extensions/8002/greetings"),
                         ("PUT", "/extensions/8002/greetings/unavail"),
                         ("DELETE", "/extensions/8002/greetings/unavail"),
                         ("GET", "/extensions/9999/voicemail")):
        r = agents.request(method, path)
        assert r.status == 403, (method, path, r)
        assert r.json["error"] == "agents may only see their own extension"
    # Admins reach every mailbox.
    assert admin.get("/extensions/8002/voicemail").status == 200


def test_agent_without_an_extension_reaches_no_mailbox(admin):
    admin.post("/extensions", {"number": "8001", "name": "Alice"})
    make_user("nobody", AGENT_PASSWORD, "agent")
    api = Api(admin.base[: -len("/api/v1")])
    api.token = api.post("/auth/login", {"username": "nobody", "password": AGENT_PASSWORD}).json["token"]
    assert api.get("/extensions/8001/voicemail").status == 403
    assert api.get("/me").json["extension"] is None


def test_agent_me_shows_own_extension(agents):
    me = agents.get("/me").json
    assert me == {"username": "alice", "role": "agent", "language": "en",
                  "extension": {"number": "8001", "name": "Alice", "registration": None}}


def test_agent_pages(agents, admin):
    b = Browser(admin)
    assert b.sign_in("alice", AGENT_PASSWORD).status == 303
    assert b.get("/").status == 303  # the dashboard is for staff: agents land on their desk
    r = b.get("/voicemail")
    assert r.status == 200
    page = r.body.decode()
    assert 'href="/extensions"' not in page and 'href="/users"' not in page
    for path in ("/extensions", "/users", "/system", "/trunks"):
        r = b.get(path)
        assert r.status == 403, path
        assert "You may not open this page" in r.body.decode()


def test_supervisor_sees_staff_pages_but_not_the_administrators(admin):
    make_user("sue", AGENT_PASSWORD, "supervisor")
    b = Browser(admin)
    assert b.sign_in("sue", AGENT_PASSWORD).status == 303
    for path in ("/", "/extensions", "/voicemail"):
        assert b.get(path).status == 200, path
    # The call flow, users, audit and system are administrators' (their API is too).
    for path in ("/ivr", "/ring-groups", "/inbound-routes", "/outbound-routes", "/trunks", "/users", "/audit",
                 "/system", "/wizard"):
        assert b.get(path).status == 403, path
