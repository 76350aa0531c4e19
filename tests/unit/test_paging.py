"""Intercom, speed dials (and later page groups) over the API, on a fake Asterisk: what each
write renders, and that each refusal names its field and changes nothing."""

from __future__ import annotations

import pytest


@pytest.fixture
def box(admin):
    for n in ("8001", "8002", "8003"):
        assert admin.post("/extensions", {"number": n, "name": f"Desk {n}"}).status == 201
    return admin


def plan(api) -> str:
    return api.box.pbx.store.read()["extensions.conf"]


def test_intercom_is_on_by_default_and_an_extension_may_refuse_it(box):
    assert box.get("/extensions/8002").json["intercom"] is True
    assert "exten => *808002,1,Gosub(callbox-intercom-call,s,1(8002))" in plan(box)
    r = box.patch("/extensions/8002", {"intercom": False})
    assert r.status == 200 and r.json["intercom"] is False, r
    text = plan(box)
    assert "exten => *808002,1,Goto(callbox-extensions,8002,1)" in text
    assert "exten => *808001,1,Gosub(callbox-intercom-call,s,1(8001))" in text
    r = box.patch("/extensions/8002", {"intercom": "no"})
    assert (r.status, r.json["field"]) == (422, "intercom"), r
    assert box.get("/extensions/8002").json["intercom"] is False


def test_do_not_disturb_and_forward_all_send_intercom_calls_the_usual_way(box):
    assert box.patch("/extensions/8002", {"dnd": True}).status == 200
    assert box.patch("/extensions/8003", {"forward": {"all": "8001"}}).status == 200
    text = plan(box)
    assert "exten => *808002,1,Goto(callbox-extensions,8002,1)" in text
    assert "exten => *808003,1,Goto(callbox-extensions,8003,1)" in text


def test_a_speed_dial_goes_through_the_phones_own_context(box):
    r = box.post("/speed-dials", {"code": "05", "number": "8003", "name": "Stores"})
    assert r.status == 201, r
    assert (r.json["code"], r.json["dial"], r.json["number"], r.json["name"]) == ("05", "*005", "8003", "Stores")
    text = plan(box)
    assert "exten => *005,1,Set(CALLBOX_SPEED_DIAL=8003)" in text
    assert "Goto(${CALLBOX_CTX},${CALLBOX_SPEED_DIAL},1)" in text
    r = box.patch("/speed-dials/05", {"number": "8002"})
    assert r.status == 200 and r.json["number"] == "8002" and r.json["name"] == "Stores", r
    assert "exten => *005,1,Set(CALLBOX_SPEED_DIAL=8002)" in plan(box)
    assert box.delete("/speed-dials/05").status == 204
    assert "*005" not in plan(box) and box.get("/speed-dials/05").status == 404


@pytest.mark.parametrize("body, status, field", [
    ({"code": "5", "number": "8001"}, 422, "code"),
    ({"code": "123", "number": "8001"}, 422, "code"),
    ({"code": "a1", "number": "8001"}, 422, "code"),
    ({"code": 5, "number": "8001"}, 422, "code"),
    ({"code": "05\n", "number": "8001"}, 422, "code"),
    ({"code": "06", "number": "80a1"}, 422, "number"),
    ({"code": "06", "number": "*72"}, 422, "number"),
    ({"code": "06", "number": "9999"}, 422, "number"),  # no extension and no outbound route
    ({"code": "06", "number": "013800138000"}, 422, "number"),
    ({"code": "06", "number": "8001", "name": "a;b"}, 422, "name"),
    ({"code": "01", "number": "8002"}, 409, "code"),
])
def test_speed_dial_bad_input_changes_nothing(box, body, status, field):
    assert box.post("/speed-dials", {"code": "01", "number": "8001"}).status == 201
    before, listed = plan(box), box.get("/speed-dials").json["items"]
    r = box.post("/speed-dials", body)
    assert (r.status, r.json["field"]) == (status, field), r
    assert box.get("/speed-dials").json["items"] == listed and plan(box) == before


def test_speed_dial_to_an_outside_number_needs_a_route_and_keeps_its_code(box):
    trunk = box.post("/trunks", {"name": "P", "host": "sip.example.net"}).json
    assert box.post("/outbound-routes", {"name": "Out", "patterns": [{"pattern": "_0X.", "strip": 0, "prefix": ""}],
                                         "trunks": [trunk["id"]]}).status == 201
    assert box.post("/speed-dials", {"code": "10", "number": "013800138000"}).status == 201
    assert "exten => *010,1,Set(CALLBOX_SPEED_DIAL=013800138000)" in plan(box)
    r = box.put("/speed-dials/10", {"code": "11", "number": "013800138000"})
    assert (r.status, r.json["field"]) == (422, "code"), r
    assert box.get("/speed-dials/11").status == 404


def test_a_page_group_pages_its_members_that_take_intercom(box):
    r = box.post("/paging-groups", {"number": "650", "name": "Warehouse", "members": ["8001", "8002"]})
    assert r.status == 201, r
    assert (r.json["members"], r.json["duplex"]) == (["8001", "8002"], False)
    assert "exten => 650,1,Page(PJSIP/8001&PJSIP/8002,isb(callbox-autoanswer^s^1(1)),${CALLBOX_RING_TIMEOUT})" \
        in plan(box)
    assert box.patch("/extensions/8002", {"intercom": False}).status == 200
    assert "exten => 650,1,Page(PJSIP/8001,isb(" in plan(box)
    r = box.patch("/paging-groups/650", {"duplex": True, "members": ["8003", "8001"]})
    assert r.status == 200 and r.json["members"] == ["8003", "8001"] and r.json["name"] == "Warehouse", r
    assert "exten => 650,1,Page(PJSIP/8003&PJSIP/8001,disb(callbox-autoanswer^s^1(0))," in plan(box)
    # An extension leaves the groups it is in; the last member cannot go.
    assert box.delete("/extensions/8003").status == 204
    assert box.get("/paging-groups/650").json["members"] == ["8001"]
    r = box.delete("/extensions/8001")
    assert r.status == 409 and "page group 650" in r.json["error"], r
    assert box.delete("/paging-groups/650").status == 204
    assert box.get("/paging-groups").json["items"] == [] and "exten => 650," not in plan(box)
    # Its number is free again.
    assert box.post("/ring-groups", {"number": "650", "name": "G", "members": ["8002"]}).status == 201


def test_page_group_numbers_are_shared_with_every_other_kind(box):
    assert box.post("/ring-groups", {"number": "600", "name": "G", "members": ["8002"]}).status == 201
    for number, holder in (("8001", "extension"), ("600", "ring group"), ("70", "call park"), ("71", "call park")):
        r = box.post("/paging-groups", {"number": number, "name": "P", "members": ["8002"]})
        assert (r.status, r.json["field"]) == (409, "number") and holder in r.json["error"], r
    assert box.post("/paging-groups", {"number": "650", "name": "P", "members": ["8002"]}).status == 201
    r = box.post("/extensions", {"number": "650", "name": "Clash"})
    assert r.status == 409 and "page group" in r.json["error"], r
    r = box.post("/ring-groups", {"number": "650", "name": "Clash", "members": ["8002"]})
    assert r.status == 409 and "page group" in r.json["error"], r


@pytest.mark.parametrize("body, field", [
    ({"number": "65a", "name": "P", "members": ["8001"]}, "number"),
    ({"number": "0650", "name": "P", "members": ["8001"]}, "number"),
    ({"number": "650", "name": "P;", "members": ["8001"]}, "name"),
    ({"number": "650", "name": "P", "members": []}, "members"),
    ({"number": "650", "name": "P", "members": ["8001", "8001"]}, "members"),
    ({"number": "650", "name": "P", "members": ["8999"]}, "members"),
    ({"number": "650", "name": "P", "members": ["8001&PJSIP/8002"]}, "members"),
    ({"number": "650", "name": "P", "members": ["8001"], "duplex": "yes"}, "duplex"),
    ({"number": "650", "name": "P", "members": ["8001"], "volume": 3}, "volume"),
])
def test_page_group_bad_input_changes_nothing(box, body, field):
    before = plan(box)
    r = box.post("/paging-groups", body)
    assert (r.status, r.json["field"]) == (422, field), r
    assert box.get("/paging-groups").json["items"] == [] and plan(box) == before
    assert box.post("/extensions", {"number": "650", "name": "Free"}).status == 201  # nothing claimed the number


def blacklisted_section(text: str) -> str:
    return text.split("[callbox-blacklisted]\n", 1)[1].split("\n\n", 1)[0]


def test_blacklisted_callers_go_to_the_boxs_blacklist_destination(box):
    assert box.get("/settings").json["blacklist_destination"] is None
    assert "Busy(5)" in blacklisted_section(plan(box))
    r = box.patch("/settings", {"blacklist_destination": {"kind": "voicemail", "target": "8001"}})
    assert r.status == 200 and r.json["blacklist_destination"] == {"kind": "voicemail", "target": "8001"}, r
    section = blacklisted_section(plan(box))
    assert "Busy" not in section and section.endswith("same => n,Goto(callbox-voicemail,8001,1)"), section
    # What it sends calls to cannot go while it does.
    r = box.delete("/extensions/8001")
    assert r.status == 409 and "blacklist" in r.json["error"], r
    r = box.patch("/extensions/8001", {"voicemail_enabled": False})
    assert r.status == 409 and "blacklist" in r.json["error"], r
    assert box.patch("/settings", {"blacklist_destination": None}).status == 200
    assert "Busy(5)" in blacklisted_section(plan(box))
    assert box.delete("/extensions/8001").status == 204


@pytest.mark.parametrize("value, field", [
    ({"kind": "voicemail", "target": "8999"}, "blacklist_destination"),
    ({"kind": "busy"}, "blacklist_destination.kind"),
    ({"kind": "ivr", "target": "1;x"}, "blacklist_destination.target"),
    ("voicemail", "blacklist_destination"),
])
def test_a_bad_blacklist_destination_changes_nothing(box, value, field):
    before = plan(box)
    r = box.patch("/settings", {"blacklist_destination": value})
    assert (r.status, r.json["field"]) == (422, field), r
    assert box.get("/settings").json["blacklist_destination"] is None and plan(box) == before


def test_an_agent_may_refuse_intercom_on_their_own_phone_only(box):
    from tests.api import Api

    box.post("/users", {"username": "alice", "password": "Agent-Pass-123", "role": "agent", "extension": "8001"})
    agent = Api(box.base.rsplit("/api/v1", 1)[0])
    agent.token = agent.post("/auth/login", {"username": "alice", "password": "Agent-Pass-123"}).json["token"]
    r = agent.patch("/extensions/8001", {"intercom": False})
    assert r.status == 200 and r.json["intercom"] is False, r
    assert "exten => *808001,1,Goto(callbox-extensions,8001,1)" in plan(box)
    assert agent.patch("/extensions/8002", {"intercom": False}).status == 403
    assert box.get("/extensions/8002").json["intercom"] is True
    assert agent.get("/speed-dials").status == 403 and agent.get("/paging-groups").status == 403


def test_only_administrators_are_offered_the_blacklist_destination(box):
    from tests.unit.test_web_session import Browser, make_user

    make_user("sam", "Super-Visor-123", "supervisor")
    pages = {}
    for username, password in (("admin", None), ("sam", "Super-Visor-123")):
        b = Browser(box)
        assert (b.sign_in(username, password) if password else b.sign_in()).status == 303
        r = b.get("/blacklist")
        assert r.status == 200, r
        pages[username] = r.body.decode()
    assert 'id="bl-dest-form"' in pages["admin"] and 'id="bl-dest-form"' not in pages["sam"]
    assert 'id="rows"' in pages["sam"]  # the list itself is the supervisor's too
