"""Do-not-disturb and forwarding: the extension's fields, the phone's codes, the BLF states."""

from __future__ import annotations

import pytest

from appliance.db.models import Change, Extension
from appliance.errors import Invalid
from appliance.extensions import service
from appliance.switchboard.codes import SettingCodes
from appliance.switchboard.hints import CustomStates
from tests.fakes.ami import RecordingAmi
from tests.unit.test_callcenter import FakeSession


def make(number, **extra):
    ext, _, _ = service.create({"number": number, "name": f"Desk {number}", **extra}, "test")
    return ext


def fields_of(number):
    return service.to_dict(*service.get(number))


def test_forward_targets_must_be_dialable_and_not_itself(config_db):
    make("8001")
    make("8002", forward={"busy": "8001"})
    assert fields_of("8002")["forward"] == {"all": None, "busy": "8001", "no_answer": None}
    for bad, field in (({"all": "8002"}, "forward.all"), ({"no_answer": "5555"}, "forward.no_answer"),
                       ({"busy": "80a1"}, "forward.busy"), ({"all": "8001#"}, "forward.all")):
        with pytest.raises(Invalid) as err:
            service.update("8002", {"forward": bad}, "test", partial=True)
        assert err.value.field == field, bad
    assert fields_of("8002")["forward"] == {"all": None, "busy": "8001", "no_answer": None}


def test_patch_changes_only_the_forwards_it_names_and_put_clears_the_rest(config_db):
    make("8001")
    make("8002", forward={"busy": "8001", "no_answer": "8001"})
    service.update("8002", {"forward": {"all": "8001"}}, "test", partial=True)
    assert fields_of("8002")["forward"] == {"all": "8001", "busy": "8001", "no_answer": "8001"}
    service.update("8002", {"forward": {"busy": None}}, "test", partial=True)
    assert fields_of("8002")["forward"] == {"all": "8001", "busy": None, "no_answer": "8001"}
    service.update("8002", {"name": "Desk"}, "test", partial=False)
    assert fields_of("8002")["forward"] == {"all": None, "busy": None, "no_answer": None}
    assert fields_of("8002")["dnd"] is False and fields_of("8002")["recording"] == "never"


def test_a_forward_all_circle_is_refused_and_changes_nothing(config_db):
    make("8001")
    make("8002", forward={"all": "8001"})
    make("8003", forward={"all": "8002"})
    revisions = Change.select().count()
    with pytest.raises(Invalid) as err:
        service.update("8001", {"forward": {"all": "8003"}}, "test", partial=True)
    assert err.value.field == "forward.all" and "8001 -> 8003 -> 8002 -> 8001" in err.value.message
    assert Extension.get(Extension.number == "8001").forward_all is None
    assert Change.select().count() == revisions


def test_a_chain_longer_than_the_dial_plan_follows_is_refused(config_db):
    for n in range(8001, 8007):
        make(str(n), forward={"all": str(n - 1)} if n > 8001 else {})
    with pytest.raises(Invalid) as err:
        make("8007", forward={"all": "8006"})
    assert "more than 5 forwards" in err.value.message
    assert not Extension.select().where(Extension.number == "8007").exists()


def test_recording_policy_is_a_choice(config_db):
    assert fields_of(make("8001", recording="always").number)["recording"] == "always"
    with pytest.raises(Invalid) as err:
        service.update("8001", {"recording": "sometimes"}, "test", partial=True)
    assert err.value.field == "recording"


def settle(revision, timeout=5.0):
    settle.seen.append(revision)


def code(number, change, to=None):
    session = FakeSession({"change": change}, variables={"endpoint": number, "CALLBOX_TO": to})
    SettingCodes(settle).setting(session)
    return session.commands


def test_dnd_codes_toggle_set_and_clear_as_the_phone_said(config_db):
    make("8001")
    settle.seen = []
    heard = code("8001", "dnd-toggle")
    assert Extension.get(Extension.number == "8001").dnd is True
    assert ("stream", "activated") in heard and len(settle.seen) == 1
    code("8001", "dnd-on")
    assert Extension.get(Extension.number == "8001").dnd is True
    assert len(settle.seen) == 1, "a code that changes nothing makes no change"
    heard = code("8001", "dnd-toggle")
    assert Extension.get(Extension.number == "8001").dnd is False and ("stream", "de-activated") in heard
    last = Change.select().order_by(Change.id.desc()).get()
    assert (last.actor, last.action, last.target) == ("phone 8001", "extension.update", "8001")


def test_forward_codes_set_say_and_cancel(config_db):
    make("8001")
    make("8002")
    settle.seen = []
    heard = code("8002", "all-set", "8001")
    assert Extension.get(Extension.number == "8002").forward_all == "8001"
    assert heard[-3:] == [("stream", "call-fwd-unconditional"), ("stream", "is-set-to"), ("say", "8001")]
    code("8002", "no_answer-set", "8001")
    code("8002", "all-off")
    ext = Extension.get(Extension.number == "8002")
    assert (ext.forward_all, ext.forward_no_answer) == (None, "8001")


def test_a_code_with_a_bad_number_beeps_and_changes_nothing(config_db):
    make("8001")
    settle.seen = []
    for to in ("9999", "", "8001", "1&change=dnd-on"):
        heard = code("8001", "busy-set", to)
        assert heard[-1] == ("stream", "beeperr"), to
    assert Extension.get(Extension.number == "8001").forward_busy is None and settle.seen == []
    assert code("7777", "dnd-on")[-1] == ("stream", "beeperr")  # no such extension
    assert code("8001", "dnd-explode")[-1] == ("stream", "beeperr")


def test_dnd_states_are_pushed_when_they_differ_and_all_again_after_a_start():
    ami = RecordingAmi()
    states = CustomStates(ami)
    states.sync({"Custom:DND8001": False, "Custom:DND8002": True})
    assert ami.sent == [("Setvar", {"Variable": "DEVICE_STATE(Custom:DND8001)", "Value": "NOT_INUSE"}),
                        ("Setvar", {"Variable": "DEVICE_STATE(Custom:DND8002)", "Value": "BUSY"})]
    ami.sent.clear()
    states.sync({"Custom:DND8001": True, "Custom:DND8002": True})
    assert ami.sent == [("Setvar", {"Variable": "DEVICE_STATE(Custom:DND8001)", "Value": "BUSY"})]
    ami.sent.clear()
    ami.fail["Setvar"] = "Asterisk went away"
    states.forget()
    states.sync({"Custom:DND8001": True, "Custom:DND8002": True})
    del ami.fail["Setvar"]
    ami.sent.clear()
    states.sync({"Custom:DND8001": True, "Custom:DND8002": True})
    assert len(ami.sent) == 2, "states not pushed because of a failure are pushed next time"


def test_park_numbers_belong_to_the_park(config_db):
    from appliance import box_settings
    from appliance.db import change
    from appliance.errors import Conflict

    for number in ("70", "71", "78"):
        with pytest.raises(Conflict) as err:
            make(number)
        assert "call park" in err.value.message
    make("79")
    make("82")
    with pytest.raises(Conflict) as err:
        with change("test", "settings.update", "park_slots") as cs:
            box_settings.save(cs, {"park_slots": 12})
    assert err.value.field == "park_slots" and "79" in err.value.message
    assert box_settings.load().park_slots == 8
    with change("test", "settings.update", "park_slots") as cs:
        box_settings.save(cs, {"park_slots": 4})
    make("76")  # no longer a slot


def test_park_lists_every_slot_with_the_call_in_it(admin):
    from appliance.ami.protocol import Message

    ami = admin.box.pbx.ami
    parked = Message([("Event", "ParkedCall"), ("ParkingSpace", "72"), ("ParkeeCallerIDNum", "075512345678"),
                      ("ParkeeCallerIDName", "张三"), ("ParkerDialString", "PJSIP/8002"),
                      ("ParkingDuration", "12"), ("ParkingTimeout", "33")])
    ami.action_list = lambda name, fields=None, **kw: (Message([("Response", "Success")]), [parked])
    doc = admin.get("/park").json
    assert doc["lot"] == "70" and [s["slot"] for s in doc["items"]] == [str(n) for n in range(71, 79)]
    assert doc["items"][1]["call"] == {"caller": "075512345678", "caller_name": "张三", "parked_by": "8002",
                                       "seconds": 12, "rings_back_in": 33}
    assert all(s["call"] is None for s in doc["items"] if s["slot"] != "72")
    ami.connected = False
    assert admin.get("/park").status == 503


def test_deleting_an_extension_ends_the_forwards_to_it(config_db):
    make("8001")
    make("8002", forward={"all": "8001", "no_answer": "8001"})
    service.delete("8001", "test")
    assert fields_of("8002")["forward"] == {"all": None, "busy": None, "no_answer": None}


def test_blacklist_keeps_one_entry_per_number_however_written(config_db):
    from appliance import box_settings
    from appliance.blacklist import service as blacklist
    from appliance.db import change
    from appliance.errors import Conflict

    with change("test", "settings.update", "country") as cs:
        box_settings.save(cs, {"country_code": "86", "national_prefix": "0"})
    entry, _ = blacklist.create({"number": "0755-1234 5678"}, "test")
    assert entry.number == "8675512345678"
    for same in ("+86 755 12345678", "0086755１２３４５６７８"):
        with pytest.raises(Conflict):
            blacklist.create({"number": same}, "test")
    with pytest.raises(Invalid) as err:
        blacklist.create({"number": "call me"}, "test")
    assert err.value.field == "number"
    assert blacklist.forms_of("8675512345678", "86", "0") == ["8675512345678", "+8675512345678",
                                                              "008675512345678", "075512345678"]
    assert blacklist.forms_of("13800138000", "86", "0") == ["13800138000", "8613800138000", "+8613800138000",
                                                            "008613800138000", "013800138000"]
    assert blacklist.add_number("075512345678", "phone 8001") is None  # already there
    assert blacklist.remove_number("+8675512345678", "phone 8001") is not None
    assert blacklist.listing() == []


def test_blacklist_codes_add_the_last_caller_and_take_numbers_off(config_db):
    from appliance.blacklist import service as blacklist

    make("8001")
    settle.seen = []
    session = FakeSession({"change": "last"}, variables={"endpoint": "8001"})
    session.command = lambda text: __import__("appliance.agi.protocol", fromlist=["Answer"]).Answer(
        200, 1, "8001" if "endpoint" in text else "13800138000")
    SettingCodes(settle).blacklist(session)
    assert [e.number for e in blacklist.listing()] == ["13800138000"] and len(settle.seen) == 1
    assert session.commands[-1] == ("stream", "activated")
    heard = code_blacklist("8001", "remove", "13800138000")
    assert blacklist.listing() == [] and heard[-1] == ("stream", "de-activated")
    assert code_blacklist("8001", "add", "x")[-1] == ("stream", "beeperr")


def code_blacklist(number, change, to):
    session = FakeSession({"change": change}, variables={"endpoint": number, "CALLBOX_TO": to})
    SettingCodes(settle).blacklist(session)
    return session.commands
