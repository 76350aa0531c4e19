"""Follow-me: the extension's field (checked numbers, no circle), *21 and the dial plan it makes."""

from __future__ import annotations

import pytest

from appliance.db.models import Extension
from appliance.switchboard.codes import SettingCodes
from tests.api import Api
from tests.unit.test_callcenter import FakeSession

OFF = {"enabled": False, "numbers": [], "ring": "sequential", "confirm": True}


@pytest.fixture
def box(admin):
    for n in ("8001", "8002", "8003", "8004"):
        assert admin.post("/extensions", {"number": n, "name": f"Desk {n}"}).status == 201
    trunk = admin.post("/trunks", {"name": "Provider", "host": "192.0.2.7"}).json
    r = admin.post("/outbound-routes", {"name": "Out", "patterns": [{"pattern": "_0X."}], "trunks": [trunk["id"]]})
    assert r.status == 201, r
    return admin


def dialplan(api) -> str:
    return api.box.pbx.store.read()["extensions.conf"]


def section(text: str, name: str) -> str:
    return text.split(f"[{name}]\n", 1)[1].split("\n\n", 1)[0]


def test_an_extension_starts_without_follow_me_and_takes_one(box):
    assert box.get("/extensions/8001").json["follow_me"] == OFF
    assert "[callbox-follow-8001]" not in dialplan(box)
    body = {"enabled": True, "numbers": ["8002", "013800138000"], "ring": "together", "confirm": False}
    r = box.patch("/extensions/8001", {"follow_me": body})
    assert r.status == 200, r
    assert r.json["follow_me"] == body
    follow = section(dialplan(box), "callbox-follow-8001")
    assert "Dial(Local/1@callbox-follow-8001&Local/2@callbox-follow-8001)" in follow
    assert "exten => 1,1,Dial(PJSIP/8002,${CALLBOX_RING_TIMEOUT})" in follow
    # The outside leg is placed for 8001, within 8001's permission class; no "press 1" asked.
    assert "exten => 2,1,Set(_CALLBOX_FOR_CLASS=international)\nsame => n,Set(_CALLBOX_FOR=8001)" in follow
    assert "Dial(Local/013800138000@callbox-dial-for,${CALLBOX_RING_TIMEOUT})" in follow


def test_patch_changes_only_what_it_names_and_confirm_asks_for_1(box):
    box.patch("/extensions/8001", {"follow_me": {"enabled": True, "numbers": ["013800138000", "8002"]}})
    r = box.patch("/extensions/8001", {"follow_me": {"ring": "sequential"}})
    assert r.json["follow_me"] == {"enabled": True, "numbers": ["013800138000", "8002"], "ring": "sequential",
                                   "confirm": True}
    text = dialplan(box)
    follow = section(text, "callbox-follow-8001")
    # In turn: the second number only when the first did not take the call.
    assert follow.index("Dial(Local/1@callbox-follow-8001)") < follow.index("Dial(Local/2@callbox-follow-8001)")
    assert "Dial(Local/013800138000@callbox-dial-for,${CALLBOX_RING_TIMEOUT},U(callbox-follow-confirm))" in follow
    assert "Read(CALLBOX_ACCEPT,followme/no-recording&followme/options,1,,1,1)" in section(text,
                                                                                          "callbox-follow-confirm")
    # Switched off, the numbers stay for the next *21 but nothing rings them.
    r = box.patch("/extensions/8001", {"follow_me": {"enabled": False}})
    assert r.json["follow_me"]["numbers"] == ["013800138000", "8002"]
    assert "[callbox-follow-8001]" not in dialplan(box)


def test_a_phone_on_do_not_disturb_is_left_out(box):
    box.patch("/extensions/8002", {"dnd": True})
    box.patch("/extensions/8001", {"follow_me": {"enabled": True, "numbers": ["8002", "8003"]}})
    follow = section(dialplan(box), "callbox-follow-8001")
    assert "PJSIP/8002" not in follow and "exten => 1,1,Dial(PJSIP/8003," in follow
    box.patch("/extensions/8001", {"follow_me": {"numbers": ["8002"]}})
    assert "[callbox-follow-8001]" not in dialplan(box)


@pytest.mark.parametrize("follow_me, message", [
    ({"numbers": ["8002", "8003", "8004", "013800138000"]}, "at most 3 numbers"),
    ({"numbers": ["8001"]}, "the extension itself"),
    ({"numbers": ["5555"]}, "neither an extension of this box nor dialled by an outbound route"),
    ({"numbers": ["8002", "8002"]}, "given twice"),
    ({"numbers": ["80a2"]}, "digits"),
    ({"numbers": ["70"]}, "call park"),
    ({"numbers": [], "enabled": True}, "at least one number"),
    ({"ring": "random"}, None),
    ({"confirm": "yes"}, None),
])
def test_bad_follow_me_is_a_422_naming_the_field_and_changes_nothing(box, follow_me, message):
    before = box.get("/extensions/8001").json["follow_me"]
    text = dialplan(box)
    r = box.patch("/extensions/8001", {"follow_me": follow_me})
    assert r.status == 422, r
    assert r.json["field"] == "follow_me." + next(iter(follow_me)), r.json
    if message:
        assert message in r.json["error"], r.json
    assert box.get("/extensions/8001").json["follow_me"] == before and dialplan(box) == text


def test_a_follow_me_circle_is_a_422_naming_it(box):
    assert box.patch("/extensions/8002", {"follow_me": {"numbers": ["8003"]}}).status == 200
    assert box.patch("/extensions/8003", {"follow_me": {"numbers": ["8001", "013800138000"]}}).status == 200
    r = box.patch("/extensions/8001", {"follow_me": {"enabled": True, "numbers": ["8002"]}})
    assert (r.status, r.json["field"]) == (422, "follow_me.numbers"), r
    assert "8001 -> 8002 -> 8003 -> 8001" in r.json["error"], r.json
    assert box.get("/extensions/8001").json["follow_me"] == OFF
    # The shortest circle, straight back: A follows to B follows to A.
    r = box.patch("/extensions/8002", {"follow_me": {"numbers": ["8003", "8001"]}})
    assert r.status == 200, r
    r = box.post("/extensions", {"number": "8005", "name": "Desk 8005", "follow_me": {"numbers": ["8002"]}})
    assert r.status == 201, r
    r = box.patch("/extensions/8001", {"follow_me": {"numbers": ["8002"]}})
    assert r.status == 422 and "8001 -> 8002 -> 8001" in r.json["error"], r.json


def test_deleting_an_extension_takes_it_off_follow_me_lists(box):
    box.patch("/extensions/8001", {"follow_me": {"enabled": True, "numbers": ["8002", "8003"]}})
    box.patch("/extensions/8004", {"follow_me": {"enabled": True, "numbers": ["8002"]}})
    assert box.delete("/extensions/8002").status == 204
    assert box.get("/extensions/8001").json["follow_me"]["numbers"] == ["8003"]
    assert box.get("/extensions/8004").json["follow_me"] == {**OFF, "enabled": False}
    assert "[callbox-follow-8004]" not in dialplan(box)


def test_an_agent_sets_their_own_follow_me(box):
    assert box.post("/users", {"username": "al", "password": "Agent-Pass-4411", "role": "agent",
                               "extension": "8001"}).status == 201
    al = Api(box.base.rsplit("/api/v1", 1)[0])
    al.token = al.post("/auth/login", {"username": "al", "password": "Agent-Pass-4411"}).json["token"]
    r = al.patch("/extensions/8001", {"follow_me": {"enabled": True, "numbers": ["013800138000"]}})
    assert r.status == 200, r
    assert al.patch("/extensions/8002", {"follow_me": {"enabled": False}}).status == 403


def star21(box, number, settled):
    """Dial *21 from `number`'s phone; the answer comes once the PBX runs the change."""
    def settle(revision, timeout=5.0):
        settled.append(revision)
        box.box.pbx.wait_settled(revision, timeout)

    session = FakeSession({"change": "follow_me-toggle"}, variables={"endpoint": number})
    SettingCodes(settle, "/sounds").setting(session)
    return session.commands


def test_star21_toggles_follow_me_and_says_so(box):
    settled = []
    assert star21(box, "8001", settled)[-1] == ("stream", "beeperr"), "no numbers: nothing to switch on"
    assert Extension.get(Extension.number == "8001").follow_me_enabled is False and settled == []
    box.patch("/extensions/8001", {"follow_me": {"numbers": ["8002"]}})
    assert star21(box, "8001", settled)[-1] == ("stream", "/sounds/en/follow-me-on")
    assert box.get("/extensions/8001").json["follow_me"]["enabled"] is True and len(settled) == 1
    assert "[callbox-follow-8001]" in dialplan(box)
    assert star21(box, "8001", settled)[-1] == ("stream", "/sounds/en/follow-me-off")
    assert "[callbox-follow-8001]" not in dialplan(box)
    assert box.get("/extensions/8001").json["follow_me"]["enabled"] is False
    assert box.get("/audit").json["items"][0]["actor"] == "phone 8001"


def test_a_new_outside_number_must_be_within_the_extension_s_class(box):
    assert box.patch("/extensions/8001", {"permission_class": "local"}).status == 200
    r = box.patch("/extensions/8001", {"follow_me": {"enabled": True, "numbers": ["8002", "013800138000"]}})
    assert (r.status, r.json["field"]) == (422, "follow_me.numbers"), r
    assert "international numbers are not allowed to class local" in r.json["error"], r.json
    assert box.get("/extensions/8001").json["follow_me"] == OFF
    # Set while it could dial there, then restricted: kept, and its leg carries the class that
    # the outbound route's check then refuses.
    assert box.patch("/extensions/8001", {"permission_class": "international"}).status == 200
    assert box.patch("/extensions/8001", {"follow_me": {"enabled": True, "numbers": ["013800138000"]}}).status == 200
    assert box.patch("/extensions/8001", {"permission_class": "local"}).status == 200
    assert box.patch("/extensions/8001", {"follow_me": {"ring": "together"}}).status == 200
    assert "exten => 1,1,Set(_CALLBOX_FOR_CLASS=local)\nsame => n,Set(_CALLBOX_FOR=8001)" in \
        section(dialplan(box), "callbox-follow-8001")
