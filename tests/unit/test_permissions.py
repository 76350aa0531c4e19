"""Outbound permission classes over the API: the classes, an extension's and a queue's class,
the reach of a route's patterns, and what reaches the dial plan."""

from __future__ import annotations

from appliance.permissions import service as permissions
from tests.unit.test_api import files


def route(admin, patterns):
    t = admin.post("/trunks", {"name": "Provider", "host": "192.0.2.7"}).json
    r = admin.post("/outbound-routes", {"name": "Out", "patterns": patterns, "trunks": [t["id"]]})
    assert r.status == 201, r
    return r.json


PATTERNS = [{"pattern": "_000X.", "strip": 1, "reach": "international"},
            {"pattern": "_00X.", "strip": 1, "reach": "national"},
            {"pattern": "_0X.", "strip": 1, "reach": "local"}]


def test_built_in_classes_exist_and_stay(admin):
    items = admin.get("/permission-classes").json["items"]
    assert [(c["name"], c["reach"], c["builtin"]) for c in items] == [
        ("internal", [], True), ("local", ["local"], True), ("national", ["local", "national"], True),
        ("international", ["local", "national", "international"], True)]
    r = admin.delete("/permission-classes/national")
    assert r.status == 409 and "built in" in r.json["error"], r
    r = admin.patch("/permission-classes/local", {"reach": ["local", "international"]})
    assert r.status == 409 and r.json["field"] == "reach", r
    assert admin.patch("/permission-classes/local", {"note": "city calls"}).json["note"] == "city calls"


def test_a_class_of_its_own_reaches_the_dial_plan(admin):
    r = admin.post("/permission-classes", {"name": "sales", "reach": ["international", "local"]})
    assert r.status == 201, r
    assert r.json["reach"] == ["local", "international"]  # always in this order
    conf = files(admin)["extensions.conf"]
    assert "[callbox-class-sales]\nexten => none,1,NoOp(emergency numbers only)\n" \
           "exten => local,1,NoOp(local numbers)\nexten => international,1,NoOp(international numbers)\n" in conf
    r = admin.post("/permission-classes", {"name": "sales", "reach": []})
    assert (r.status, r.json["field"]) == (409, "name"), r
    r = admin.put("/permission-classes/sales", {"name": "other", "reach": []})
    assert (r.status, r.json["field"]) == (422, "name"), r


def test_bad_classes_are_refused_and_change_nothing(admin):
    before = files(admin)
    for body, field in (({"name": "Sales", "reach": []}, "name"), ({"name": "x;y", "reach": []}, "name"),
                        ({"name": "9lives", "reach": []}, "name"), ({"name": "ok", "reach": ["mars"]}, "reach"),
                        ({"name": "ok"}, "reach"), ({"name": "ok", "reach": "local"}, "reach")):
        r = admin.post("/permission-classes", body)
        assert (r.status, r.json["field"]) == (422, field), (body, r)
    assert files(admin) == before
    assert len(admin.get("/permission-classes").json["items"]) == 4


def test_an_extension_has_a_class_that_exists(admin):
    r = admin.post("/extensions", {"number": "8001", "name": "Desk"})
    assert r.json["permission_class"] == "international"  # dials as before classes existed
    assert "exten => 8001,1,Return(international)" in files(admin)["extensions.conf"]
    r = admin.post("/extensions", {"number": "8002", "name": "Desk", "permission_class": "nowhere"})
    assert (r.status, r.json["field"]) == (422, "permission_class"), r
    assert admin.get("/extensions/8002").status == 404
    r = admin.patch("/extensions/8001", {"permission_class": "nowhere"})
    assert (r.status, r.json["field"]) == (422, "permission_class"), r
    r = admin.post("/extensions/bulk", {"extensions": [{"number": "8003", "name": "A", "permission_class": "local"},
                                                       {"number": "8004", "name": "B", "permission_class": "no"}]})
    assert r.status == 422 and r.json["errors"] == [{"index": 1, "field": "permission_class", "error": r.json["errors"][0]["error"]}], r
    assert admin.patch("/extensions/8001", {"permission_class": "local"}).json["permission_class"] == "local"
    assert "exten => 8001,1,Return(local)" in files(admin)["extensions.conf"]
    assert "8001,1,Gosub(callbox-dial-extension,s,1(8001,1,never,0,,,,local))" in files(admin)["extensions.conf"]


def test_a_class_in_use_cannot_go(admin):
    admin.post("/permission-classes", {"name": "sales", "reach": ["local"]})
    admin.post("/permission-classes", {"name": "callers", "reach": ["local"]})
    admin.post("/extensions", {"number": "8001", "name": "Desk", "permission_class": "sales"})
    assert admin.post("/queues", {"number": "600", "name": "Q", "callback_class": "callers"}).status == 201
    r = admin.delete("/permission-classes/sales")
    assert r.status == 409 and "extension 8001" in r.json["error"], r
    r = admin.delete("/permission-classes/callers")
    assert r.status == 409 and "queue 600" in r.json["error"], r
    admin.patch("/extensions/8001", {"permission_class": "local"})
    assert admin.delete("/permission-classes/sales").status == 204
    assert "callbox-class-sales" not in files(admin)["extensions.conf"]


def test_a_queue_calls_back_within_its_class(admin):
    r = admin.post("/queues", {"number": "600", "name": "Q"})
    assert r.json["callback_class"] == "national"  # never abroad unless set
    assert "exten => 600,1,Gosub(callbox-on-behalf,s,1(national,${CALLBOX_CALLBACK_NUMBER},queue-600))" \
           in files(admin)["extensions.conf"]
    r = admin.patch("/queues/600", {"callback_class": "abroad"})
    assert (r.status, r.json["field"]) == (422, "callback_class"), r
    assert admin.patch("/queues/600", {"callback_class": "international"}).status == 200
    assert "1(international,${CALLBOX_CALLBACK_NUMBER},queue-600)" in files(admin)["extensions.conf"]


def test_a_patterns_reach_is_checked_where_the_call_enters_the_route(admin):
    r = admin.post("/trunks", {"name": "P", "host": "192.0.2.7"}).json
    bad = admin.post("/outbound-routes", {"name": "Out", "patterns": [{"pattern": "_0X.", "reach": "galactic"}],
                                          "trunks": [r["id"]]})
    assert (bad.status, bad.json["field"]) == (422, "patterns"), bad
    made = admin.post("/outbound-routes", {"name": "Out", "patterns": [{"pattern": "_0X."}], "trunks": [r["id"]]})
    assert made.json["patterns"] == [{"pattern": "_0X.", "strip": 0, "prefix": "", "reach": "international"}]
    conf = files(admin)["extensions.conf"]
    assert "exten => _0X.,1,Set(CALLBOX_DIAL=${EXTEN:0})\nsame => n,Gosub(callbox-permit,s,1(international," \
           "${EXTEN}))\nsame => n,Goto(callbox-route-" in conf
    # Emergency numbers dialled as they are go out through the route, whatever the class.
    assert "exten => 110,1,Set(CALLBOX_DIAL=110)" in conf
    assert 'GotoIf(${REGEX("^(110|112|119|120|122)$" ${CALLBOX_DIAL})}?emergency)' in conf
    assert admin.patch("/settings", {"emergency_numbers": ["999", "112"]}).status == 200
    conf = files(admin)["extensions.conf"]
    assert "exten => 999,1,Set(CALLBOX_DIAL=999)" in conf and "exten => 110,1" not in conf
    r = admin.patch("/settings", {"emergency_numbers": ["11a"]})
    assert r.status == 422 and r.json["field"].startswith("emergency_numbers"), r


def test_check_says_what_a_class_may_dial(admin):
    route(admin, PATTERNS)
    assert permissions.check("international", "000441234567") is None
    assert permissions.check("national", "000441234567") == "international numbers are not allowed to class national"
    assert permissions.check("national", "00755123456") is None
    assert permissions.check("local", "00755123456") == "national numbers are not allowed to class local"
    assert permissions.check("local", "083331234") is None
    assert permissions.check("internal", "083331234") == "local numbers are not allowed to class internal"
    assert permissions.check("internal", "110") is None  # emergency
    assert permissions.check("international", "99") == "no outbound route dials it"
    assert permissions.check("international", "0+1") == "not a phone number"


def test_a_forward_outside_the_extensions_class_is_refused(admin):
    route(admin, PATTERNS)
    admin.post("/extensions", {"number": "8001", "name": "Desk", "permission_class": "national"})
    r = admin.patch("/extensions/8001", {"forward": {"all": "000441234567"}})
    assert (r.status, r.json["field"]) == (422, "forward.all"), r
    assert "international numbers are not allowed" in r.json["error"]
    assert admin.patch("/extensions/8001", {"forward": {"all": "00755123456"}}).status == 200


def test_a_conference_invite_outside_is_dialled_within_the_inviters_class(admin):
    from tests.api import Api

    route(admin, PATTERNS)
    assert admin.post("/conferences", {"number": "8500", "name": "Board"}).status == 201
    admin.post("/extensions", {"number": "8009", "name": "Sue", "permission_class": "national"})
    assert admin.post("/users", {"username": "sue", "password": "Super-Visor-77", "role": "supervisor",
                                 "extension": "8009"}).status == 201
    ami = admin.box.pbx.ami
    r = admin.post("/conferences/8500/invite", {"number": "000441234567"})
    assert r.status == 202, r
    originate = ami.actions("Originate")[-1]
    # Through the one way in for calls placed for someone: the dial plan checks the class again.
    assert (originate["Channel"], originate["Context"]) == ("Local/000441234567@callbox-dial-for", "callbox-conf-join")
    assert "_X.,1,Gosub(callbox-on-behalf,s,1(${CALLBOX_FOR_CLASS},${EXTEN},${CALLBOX_FOR}))" in \
        files(admin)["extensions.conf"]
    sue = Api(admin.base.rsplit("/api/v1", 1)[0])
    sue.token = sue.post("/auth/login", {"username": "sue", "password": "Super-Visor-77"}).json["token"]
    sent = len(ami.actions("Originate"))
    r = sue.post("/conferences/8500/invite", {"number": "000441234567"})
    assert (r.status, r.json["field"]) == (422, "number") and "international" in r.json["error"], r
    assert len(ami.actions("Originate")) == sent
    assert sue.post("/conferences/8500/invite", {"number": "00755123456"}).status == 202


def test_a_patch_of_a_routes_patterns_fills_their_defaults(admin):
    made = route(admin, PATTERNS)
    r = admin.patch(f"/outbound-routes/{made['id']}", {"patterns": [{"pattern": "_0X."}]})
    assert r.status == 200, r
    assert r.json["patterns"] == [{"pattern": "_0X.", "strip": 0, "prefix": "", "reach": "international"}]
