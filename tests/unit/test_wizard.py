"""The setup wizard: steps are drafts; the last step applies them all as one change."""

from __future__ import annotations

import pytest

STEPS = {
    "role": {"role": "headquarters"},
    "network": {"hostname": "front-office", "mode": "static", "address": "192.168.10.5/24",
                "gateway": "192.168.10.1", "dns": ["192.168.10.1"]},
    "time": {"timezone": "Asia/Shanghai", "ntp_servers": ["cn.pool.ntp.org"]},
    "trunk": {"name": "Provider", "host": "sip.example.net", "username": "acct", "secret": "pw-123",
              "register": True, "outside_prefix": "0"},
    "extensions": {"first": "8001", "last": "8020", "name_pattern": "Desk {n}", "pin_length": 4},
    "inbound": {"kind": "ring_group", "number": "600", "members": ["8001", "8002"]},
}


def fill(api, upto=None):
    for name, body in STEPS.items():
        r = api.put(f"/wizard/steps/{name}", body)
        assert r.status == 200, (name, r)
        if name == upto:
            break


def config(api):
    return {"files": api.box.pbx.store.read(), "extensions": api.get("/extensions?per_page=1000").json,
            "settings": api.get("/settings").json}


def test_steps_are_drafts_until_applied(admin):
    before = config(admin)
    fill(admin, upto="trunk")
    state = admin.get("/wizard").json
    assert [s["done"] for s in state["steps"]] == [True, True, True, True, False, False]
    assert state["next"] == "extensions" and state["manages_host"] is False
    assert state["steps"][3]["data"]["secret"] == "(secret)"
    # Leaving now changes nothing on the box.
    assert config(admin) == before


@pytest.mark.parametrize("step, body, field", [
    ("role", {"role": "satellite"}, "role"),
    ("network", {"hostname": "Front Office", "mode": "dhcp"}, "hostname"),
    ("network", {"hostname": "box", "mode": "static"}, "address"),
    ("network", {"hostname": "box", "mode": "static", "address": "192.168.1.5/24", "gateway": "10.0.0.1"},
     "gateway"),
    ("time", {"timezone": "Mars/Olympus"}, "timezone"),
    ("trunk", {"name": "P"}, "host"),
    ("trunk", {"name": "P", "host": "sip.example.net", "register": True}, "register"),
    ("extensions", {"first": "8001"}, "first"),
    ("extensions", {"first": "8010", "last": "8001"}, "last"),
    ("extensions", {"first": "8001", "last": "8002", "name_pattern": "Desk"}, "name_pattern"),
    ("extensions", {"first": "8001", "last": "8002", "name_pattern": "Desk {n};x"}, "first"),
    ("extensions", {"csv": "number,name\n80x1,Bad\n"}, "csv"),
    ("inbound", {"kind": "extension", "extension": "9999"}, "extension"),
    ("inbound", {"kind": "ivr"}, "options"),
])
def test_each_step_is_checked_before_the_next(admin, step, body, field):
    r = admin.put(f"/wizard/steps/{step}", body)
    assert (r.status, r.json["field"]) == (422, field), r
    assert not admin.get("/wizard").json["steps"][["role", "network", "time", "trunk", "extensions",
                                                      "inbound"].index(step)]["done"]


def test_apply_makes_everything_in_one_change(admin):
    fill(admin)
    summary = admin.get("/wizard/summary").json
    assert summary["extensions"] == {"count": 20, "first": "8001", "last": "8020"}
    events = admin.box.events.subscribe(lambda e: e.topic == "wizard")
    r = admin.post("/wizard/apply")
    assert r.status == 200 and r.json["applied"], r
    assert [(e.data["stage"], e.data["percent"]) for e in events.get(0)] == \
        [("checking", 10), ("saving", 30), ("applying", 60), ("done", 100)]
    audit = admin.get("/audit?per_page=5").json["items"]
    assert audit[0]["action"] == "wizard.apply" and audit[0]["status"] == "applied"
    assert admin.get("/extensions").json["total"] == 20
    assert admin.get("/extensions/8005").json["voicemail_pin"].isdigit()
    assert len(admin.get("/extensions/8005").json["voicemail_pin"]) == 4
    assert admin.get("/ring-groups/600").json["members"] == ["8001", "8002"]
    routes = admin.get("/inbound-routes").json["items"]
    assert routes[0]["destination"] == {"kind": "ring_group", "target": "600"}
    out = admin.get("/outbound-routes").json["items"]
    # Behind the prefix 0: abroad, another city or a mobile, local; each with what it reaches.
    assert out[0]["patterns"] == [{"pattern": "_000X.", "strip": 1, "prefix": "", "reach": "international"},
                                  {"pattern": "_00X.", "strip": 1, "prefix": "", "reach": "national"},
                                  {"pattern": "_01X.", "strip": 1, "prefix": "", "reach": "national"},
                                  {"pattern": "_0X.", "strip": 1, "prefix": "", "reach": "local"}]
    settings = admin.get("/settings").json
    assert (settings["hostname"], settings["timezone"], settings["wizard_done"]) == ("front-office", "Asia/Shanghai",
                                                                                       True)
    # The wizard's one port in the network document (the unit box found no port: eth0).
    assert settings["network"]["interfaces"] == [{"name": "eth0", "mode": "static", "addresses": ["192.168.10.5/24"]}]
    assert admin.get("/network").json["routes"][0]["destination"] == "0.0.0.0/0"
    assert admin.get("/wizard").json["steps"][0]["done"] is False  # drafts are gone
    files = admin.box.pbx.store.read()
    assert "[8020]" in files["pjsip.conf"] and "type = registration" in files["pjsip.conf"]


def test_apply_refused_by_asterisk_leaves_nothing_and_keeps_the_drafts(admin):
    fill(admin)
    before = config(admin)
    admin.box.pbx.asterisk.refuse["res_pjsip.so"] = "boom"
    r = admin.post("/wizard/apply")
    assert r.status == 422 and "refused" in r.json["error"], r
    assert config(admin) == before
    assert all(s["done"] for s in admin.get("/wizard").json["steps"])
    admin.box.pbx.asterisk.refuse.clear()
    assert admin.post("/wizard/apply").status == 200


def test_apply_needs_every_step(admin):
    fill(admin, upto="time")
    r = admin.post("/wizard/apply")
    assert (r.status, r.json["field"]) == (422, "trunk"), r


def test_extensions_from_csv_and_a_menu(admin):
    fill(admin, upto="trunk")
    csv = "number,name\n9001,Front desk\n9002,Sales\n"
    assert admin.put("/wizard/steps/extensions", {"csv": csv}).status == 200
    r = admin.put("/wizard/steps/inbound", {"kind": "ivr", "number": "700", "options": [
        {"digit": "1", "extension": "9001"}, {"digit": "2", "extension": "9002"}]})
    assert r.status == 200, r
    assert admin.put("/wizard/steps/trunk", {"skip": True}).status == 200
    assert admin.post("/wizard/apply").status == 200
    menu = admin.get("/ivrs").json["items"][0]
    assert menu["number"] == "700" and [o["target"] for o in menu["options"]] == ["9001", "9002"]
    assert admin.get("/trunks").json["items"] == []


def test_restart_clears_the_drafts(admin):
    fill(admin, upto="time")
    assert admin.delete("/wizard").status == 204
    assert not any(s["done"] for s in admin.get("/wizard").json["steps"])


def test_the_wizard_runs_again_on_a_set_up_box(admin):
    fill(admin)
    assert admin.post("/wizard/apply").status == 200
    again = dict(STEPS, extensions={"first": "8101", "last": "8102", "name_pattern": "Desk {n}"},
                 inbound={"kind": "extension", "extension": "8101"})
    for name, body in again.items():
        assert admin.put(f"/wizard/steps/{name}", body).status == 200, name
    r = admin.post("/wizard/apply")
    assert r.status == 200, r
    routes = admin.get("/inbound-routes").json["items"]
    assert [(r["name"], r["destination"]) for r in routes] == [("All calls", {"kind": "extension", "target": "8101"})]
    trunks = admin.get("/trunks").json["items"]
    assert [t["name"] for t in trunks] == ["Provider", "Provider 2"]
    routes = admin.get("/outbound-routes").json["items"]
    assert len(routes) == 1 and routes[0]["trunks"] == [t["id"] for t in trunks]


def test_a_saved_trunk_secret_is_kept_when_the_step_comes_back_unchanged(admin):
    fill(admin, upto="trunk")
    shown = admin.get("/wizard").json["steps"][3]["data"]
    assert shown["secret"] == "(secret)"
    assert admin.put("/wizard/steps/trunk", shown).status == 200
    from appliance.wizard.service import drafts

    assert drafts()["trunk"]["secret"] == "pw-123"
