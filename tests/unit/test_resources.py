"""Trunks, ring groups, IVRs, prompts, routes and users over the API, on a fake Asterisk.

Each write is checked where it lands: the rendered files and what "Asterisk"
loaded; each refusal is checked to have changed nothing.
"""

from __future__ import annotations

import subprocess

import pytest


@pytest.fixture
def box(admin):
    for n in ("8001", "8002", "8003"):
        assert admin.post("/extensions", {"number": n, "name": f"Desk {n}"}).status == 201
    return admin


def files(api) -> dict[str, str]:
    return api.box.pbx.store.read()


def ivr(api, **body) -> dict:
    r = api.post("/ivrs", {"name": "Main", **body})
    assert r.status == 201, r
    return r.json


# -- trunks -------------------------------------------------------------------------

def test_trunk_create_renders_endpoint_auth_and_registration(box):
    r = box.post("/trunks", {"name": "Provider", "host": "SIP.Example.net", "username": "acct", "secret": "s3cr#t",
                             "register": True, "caller_id": "+8675512345678"})
    assert r.status == 201, r
    t = r.json
    assert (t["host"], t["port"], t["transport"], t["enabled"]) == ("sip.example.net", 5060, "udp", True)
    pjsip = files(box)["pjsip.conf"]
    assert f"[trunk-{t['id']}]\ntype = registration" in pjsip
    assert "client_uri = sip:acct@sip.example.net:5060" in pjsip and "password = s3cr#t" in pjsip
    assert f"trunk-{t['id']}" in box.box.pbx.asterisk.endpoints()


@pytest.mark.parametrize("body, field", [
    ({"name": "P", "host": "not a host"}, "host"),
    ({"name": "P", "host": "sip.example.net", "port": 70000}, "port"),
    ({"name": "P", "host": "sip.example.net", "transport": "tls"}, "transport"),
    ({"name": "P", "host": "sip.example.net", "register": True}, "register"),
    ({"name": "P", "host": "sip.example.net", "username": "a b"}, "username"),
    ({"name": "P", "host": "sip.example.net", "secret": "semi;colon"}, "secret"),
    ({"name": "P", "host": "sip.example.net", "caller_id": "12ab"}, "caller_id"),
    ({"name": "P\n", "host": "sip.example.net"}, "name"),
])
def test_trunk_bad_input_changes_nothing(box, body, field):
    before = files(box)
    r = box.post("/trunks", body)
    assert (r.status, r.json["field"]) == (422, field), r
    assert box.get("/trunks").json["items"] == [] and files(box) == before


def test_disabled_trunk_is_not_rendered_and_a_used_trunk_cannot_go(box):
    t = box.post("/trunks", {"name": "P", "host": "192.0.2.7"}).json
    route = box.post("/outbound-routes", {"name": "Out", "patterns": [{"pattern": "_0X."}], "trunks": [t["id"]]})
    assert route.status == 201, route
    assert box.patch(f"/trunks/{t['id']}", {"enabled": False}).status == 200
    assert f"[trunk-{t['id']}]" not in files(box)["pjsip.conf"]
    assert f"trunk-{t['id']}," not in files(box)["extensions.conf"]
    r = box.delete(f"/trunks/{t['id']}")
    assert r.status == 409 and "Out" in r.json["error"]


# -- ring groups ------------------------------------------------------------------

def test_ring_group_ringall_and_in_order(box):
    r = box.post("/ring-groups", {"number": "600", "name": "Sales", "members": ["8001", "8002"]})
    assert r.status == 201, r
    plan = files(box)["extensions.conf"]
    assert "exten => 600,1,CELGenUserEvent(CALLBOX_PATH,ring_group 600)\nsame => n,Dial(PJSIP/8001&PJSIP/8002,20)" in plan
    r = box.put("/ring-groups/600", {"name": "Sales", "members": ["8002", "8001"], "strategy": "inorder",
                                     "ring_seconds": 10, "no_answer": {"kind": "voicemail", "target": "8001"}})
    assert r.status == 200, r
    assert r.json["members"] == ["8002", "8001"] and r.json["no_answer"] == {"kind": "voicemail", "target": "8001"}
    plan = files(box)["extensions.conf"]
    assert plan.index("Dial(PJSIP/8002,10)") < plan.index("Dial(PJSIP/8001,10)")
    assert "Goto(callbox-voicemail,8001,1)" in plan


def test_numbers_are_shared_across_kinds(box):
    r = box.post("/ring-groups", {"number": "8001", "name": "Clash", "members": ["8002"]})
    assert r.status == 409 and "extension" in r.json["error"], r
    assert box.post("/ring-groups", {"number": "600", "name": "G", "members": ["8002"]}).status == 201
    r = box.post("/extensions", {"number": "600", "name": "Clash"})
    assert r.status == 409 and "ring group" in r.json["error"], r
    r = box.post("/ivrs", {"name": "X", "number": "600"})
    assert r.status == 409, r


def test_ring_group_members_must_exist_and_an_extension_leaves_its_groups(box):
    r = box.post("/ring-groups", {"number": "600", "name": "G", "members": ["8001", "8999"]})
    assert (r.status, r.json["field"]) == (422, "members"), r
    assert box.post("/ring-groups", {"number": "600", "name": "G", "members": ["8001", "8002"]}).status == 201
    assert box.delete("/extensions/8001").status == 204
    assert box.get("/ring-groups/600").json["members"] == ["8002"]
    r = box.delete("/extensions/8002")
    assert r.status == 409 and "only member" in r.json["error"], r


# -- IVRs and prompts -------------------------------------------------------------

def test_two_level_ivr_renders_and_loops(box):
    top = ivr(box, number="700", direct_dial=True, options=[{"digit": "2", "kind": "extension", "target": "8002"}])
    sub = ivr(box, name="Sub", options=[{"digit": "9", "kind": "ivr", "target": str(top["id"])}],
              on_timeout={"kind": "ivr", "target": str(top["id"])})
    r = box.patch(f"/ivrs/{top['id']}", {"options": [{"digit": "1", "kind": "ivr", "target": str(sub["id"])},
                                                     {"digit": "2", "kind": "extension", "target": "8002"}]})
    assert r.status == 200, r
    plan = files(box)["extensions.conf"]
    assert f"exten => 700,1,Goto(callbox-ivr-{top['id']},s,1)" in plan
    assert f"exten => 1,1,Goto(callbox-ivr-{sub['id']},s,1)" in plan
    assert f"exten => 9,1,Goto(callbox-ivr-{top['id']},s,1)" in plan
    top_ctx = plan.split(f"[callbox-ivr-{top['id']}]")[1].split("\n\n")[0]
    assert "include => callbox-extensions" in top_ctx
    # The top menu is used by the sub menu: it cannot go first.
    r = box.delete(f"/ivrs/{top['id']}")
    assert r.status == 409 and "Sub" in r.json["error"], r
    # A menu may point at itself.
    r = box.patch(f"/ivrs/{sub['id']}", {"on_invalid": {"kind": "ivr", "target": str(sub["id"])}})
    assert r.status == 200, r


@pytest.mark.parametrize("body, field", [
    ({"options": [{"digit": "1", "kind": "extension", "target": "8999"}]}, "options.0"),
    ({"options": [{"digit": "x", "kind": "hangup"}]}, "options"),
    ({"options": [{"digit": "1", "kind": "hangup"}, {"digit": "1", "kind": "hangup"}]}, "options"),
    ({"options": [{"digit": "1", "kind": "teleport", "target": "1"}]}, "options"),
    ({"on_timeout": {"kind": "ivr", "target": "99"}}, "on_timeout"),
    ({"prompt": 42}, "prompt"),
    ({"timeout": 0}, "timeout"),
])
def test_ivr_bad_input_changes_nothing(box, body, field):
    before = files(box)
    r = box.post("/ivrs", {"name": "Main", **body})
    assert r.status == 422 and r.json["field"] == field, r
    assert box.get("/ivrs").json["items"] == [] and files(box) == before


def test_prompt_upload_converts_and_plays_in_the_ivr(box, tmp_path):
    mp3 = tmp_path / "welcome.mp3"
    subprocess.run(["sox", "-n", "-r", "44100", "-c", "2", str(mp3), "synth", "1.2", "sine", "440"], check=True)
    r = box.upload("/prompts", {"name": "Welcome"}, "file", "welcome.mp3", mp3.read_bytes())
    assert r.status == 201, r
    prompt = r.json
    assert prompt["recorded"] and 1.0 <= prompt["duration"] <= 1.5
    audio = box.get(f"/prompts/{prompt['id']}/audio")
    assert audio.status == 200 and audio.body[:4] == b"RIFF"
    menu = ivr(box, prompt=prompt["id"])
    plan = files(box)["extensions.conf"]
    assert f"Background(/data/prompts/prompt-{prompt['id']})" in plan
    r = box.delete(f"/prompts/{prompt['id']}")
    assert r.status == 409 and "Main" in r.json["error"]
    assert box.delete(f"/ivrs/{menu['id']}").status == 204
    assert box.delete(f"/prompts/{prompt['id']}").status == 204


def test_prompt_rejects_what_is_not_audio(box):
    r = box.upload("/prompts", {"name": "Bad"}, "file", "x.wav", b"#!/bin/sh\nrm -rf /\n")
    assert (r.status, r.json["field"]) == (422, "file"), r
    assert box.get("/prompts").json["items"] == []


def test_prompt_to_record_from_a_phone(box):
    r = box.post("/prompts", {"name": "Night"})
    assert r.status == 201 and not r.json["recorded"] and r.json["record_code"] == f"*77{r.json['id']}"
    assert box.get(f"/prompts/{r.json['id']}/audio").status == 404
    menu = ivr(box, prompt=r.json["id"])
    # Until it is recorded the menu plays silence rather than a missing file.
    ctx = files(box)["extensions.conf"].split(f"[callbox-ivr-{menu['id']}]")[1]
    assert "Background(silence/1)" in ctx.split("\n\n")[0]


# -- routes ---------------------------------------------------------------------------

def test_inbound_routes_by_number_and_caller(box):
    menu = ivr(box)
    r = box.post("/inbound-routes", {"name": "Main", "did": "075512345678",
                                     "destination": {"kind": "ivr", "target": str(menu["id"])}})
    assert r.status == 201, r
    r = box.post("/inbound-routes", {"name": "VIP", "did": "075512345678", "cid": "_139X.",
                                     "destination": {"kind": "extension", "target": "8001"}})
    assert r.status == 201, r
    r = box.post("/inbound-routes", {"name": "Rest", "destination": {"kind": "extension", "target": "8002"}})
    assert r.status == 201, r
    plan = files(box)["extensions.conf"].split("[callbox-from-trunks]")[1]
    assert "exten => 075512345678/_139X.,1" in plan and "exten => _X.,1" in plan and "exten => s,1" in plan
    r = box.post("/inbound-routes", {"name": "Same", "did": "075512345678",
                                     "destination": {"kind": "hangup"}})
    assert r.status == 409, r
    r = box.delete("/extensions/8001")
    assert r.status == 409 and "VIP" in r.json["error"], r


@pytest.mark.parametrize("did", ["0755[0-9]", "_X.;", "abc", "_", "_X.\n[x]"])
def test_inbound_route_patterns_are_strict(box, did):
    r = box.post("/inbound-routes", {"name": "R", "did": did, "destination": {"kind": "hangup"}})
    assert (r.status, r.json["field"]) == (422, "did"), r


def test_outbound_route_strips_prefixes_and_fails_over(box):
    a = box.post("/trunks", {"name": "A", "host": "192.0.2.1", "max_channels": 30, "caller_id": "075500000000"}).json
    b = box.post("/trunks", {"name": "B", "host": "192.0.2.2"}).json
    r = box.post("/outbound-routes", {"name": "Intl", "patterns": [{"pattern": "_900X.", "strip": 3, "prefix": "+"}],
                                      "trunks": [a["id"], b["id"]]})
    assert r.status == 201, r
    plan = files(box)["extensions.conf"]
    assert "exten => _900X.,1,Set(CALLBOX_DIAL=+${EXTEN:3})" in plan
    route = plan.split(f"[callbox-route-{r.json['id']}]")[1].split("\n\n")[0]
    assert route.index(f"trunk-{a['id']},${{CALLBOX_DIAL}},075500000000,30") < route.index(f"trunk-{b['id']},")
    clash = box.post("/outbound-routes", {"name": "Other", "patterns": [{"pattern": "_900X."}], "trunks": [b["id"]]})
    assert clash.status == 409 and "Intl" in clash.json["error"], clash
    bad = box.post("/outbound-routes", {"name": "Bad", "patterns": [{"pattern": "_1X."}], "trunks": [999]})
    assert (bad.status, bad.json["field"]) == (422, "trunks"), bad


# -- users -------------------------------------------------------------------------------

def test_users_and_roles(box):
    r = box.post("/users", {"username": "alice", "password": "Agent-Pass-123", "role": "agent"})
    assert (r.status, r.json["field"]) == (422, "extension"), r
    r = box.post("/users", {"username": "alice", "password": "Agent-Pass-123", "role": "agent", "extension": "8001"})
    assert r.status == 201 and r.json["extension"] == "8001" and "password" not in r.json, r
    r = box.post("/users", {"username": "bob", "password": "weak", "role": "supervisor"})
    assert (r.status, r.json["field"]) == (422, "password"), r
    r = box.post("/users", {"username": "sue", "password": "Super-Visor-77", "role": "supervisor", "extension": "8002"})
    assert r.status == 201, r
    assert "8002" in files(box)["extensions.conf"].split("[callbox-supervisor-only]")[1].split("\n")[1]
    admin_id = next(u["id"] for u in box.get("/users").json["items"] if u["username"] == "admin")
    r = box.patch(f"/users/{admin_id}", {"role": "agent", "extension": "8003"})
    assert r.status == 409 and "administrator" in r.json["error"], r
    r = box.delete(f"/users/{admin_id}")
    assert r.status == 409, r
