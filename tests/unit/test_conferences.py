"""Conference rooms: what a room accepts, its number among the box's numbers, the rooms' limit."""

from __future__ import annotations

import time

import pytest

from appliance.conferences import service
from appliance.db.models import Change, Conference
from appliance.errors import Conflict, Invalid
from appliance.extensions import service as extensions
from appliance.ivrs import service as ivrs


def make(number="8500", **extra):
    room, _ = service.create({"number": number, "name": f"Room {number}", **extra}, "test")
    return room


def refused(error, data, field):
    before = Change.select().count()
    with pytest.raises(error) as err:
        service.create({"number": "8500", "name": "Room", **data}, "test")
    assert err.value.field == field, err.value.message
    assert Change.select().count() == before and not Conference.select().where(Conference.number == "8500").exists()
    return err.value


def test_a_room_is_made_with_defaults_and_reads_back(config_db):
    room = make(pin="482915", host_pin="739164", max_parties=64, record=True, wait_for_host=True)
    assert service.to_dict(room) == {"number": "8500", "name": "Room 8500", "pin": "482915", "host_pin": "739164",
                                     "max_parties": 64, "record": True, "wait_for_host": True}
    assert service.to_dict(make("8501")) == {"number": "8501", "name": "Room 8501", "pin": None, "host_pin": None,
                                             "max_parties": 20, "record": False, "wait_for_host": False}


@pytest.mark.parametrize("data,field", [
    ({"max_parties": 65}, "max_parties"),
    ({"max_parties": 1}, "max_parties"),
    ({"max_parties": "10"}, "max_parties"),
    ({"pin": "12a4"}, "pin"),
    ({"pin": "123"}, "pin"),
    ({"pin": "1111"}, "pin"),
    ({"host_pin": "4829,1"}, "host_pin"),
    ({"pin": "482915", "host_pin": "482915"}, "host_pin"),
    ({"wait_for_host": True}, "wait_for_host"),
    ({"record": "yes"}, "record"),
    ({"number": "85a0"}, "number"),
    ({"name": "Room]\n[evil"}, "name"),
    ({"colour": "red"}, "colour"),
])
def test_bad_rooms_are_refused_naming_the_field(config_db, data, field):
    assert isinstance(refused(Invalid, data, field), Invalid)


def test_a_number_in_use_is_a_conflict_and_a_room_number_is_taken_for_others(config_db):
    extensions.create({"number": "8500", "name": "Desk"}, "test")
    error = refused(Conflict, {}, "number")
    assert "extension" in error.message
    make("8600")
    with pytest.raises(Conflict) as err:
        extensions.create({"number": "8600", "name": "Desk"}, "test")
    assert "conference room" in err.value.message
    for park_slot in ("70", "71"):
        with pytest.raises(Conflict):
            make(park_slot)


def test_the_box_holds_at_most_eight_rooms(config_db):
    for n in range(8):
        make(str(8500 + n))
    with pytest.raises(Conflict):
        make("8600")
    service.delete("8500", "test")
    make("8600")


def test_update_keeps_the_number_checks_the_whole_room_and_put_resets(config_db):
    make(pin="482915", host_pin="739164")
    with pytest.raises(Invalid) as err:
        service.update("8500", {"host_pin": "482915"}, "test", partial=True)
    assert err.value.field == "host_pin"
    with pytest.raises(Invalid) as err:
        service.update("8500", {"number": "8501"}, "test", partial=True)
    assert err.value.field == "number"
    room, revision = service.update("8500", {"max_parties": 30, "wait_for_host": True}, "test", partial=True)
    assert (room.max_parties, room.wait_for_host, room.pin) == (30, True, "482915") and revision
    assert service.update("8500", {"max_parties": 30}, "test", partial=True)[1] is None
    room, _ = service.update("8500", {"name": "Board"}, "test", partial=False)
    assert service.to_dict(room) == {"number": "8500", "name": "Board", "pin": None, "host_pin": None,
                                     "max_parties": 20, "record": False, "wait_for_host": False}


def test_a_room_is_a_destination_and_cannot_go_while_an_ivr_sends_calls_there(config_db):
    make()
    ivr, _ = ivrs.create({"name": "Main", "options": [{"digit": "1", "kind": "conference", "target": "8500"}]},
                         "test")
    with pytest.raises(Conflict) as err:
        service.delete("8500", "test")
    assert "IVR 'Main'" in err.value.message
    with pytest.raises(Invalid):
        ivrs.create({"name": "Other", "options": [{"digit": "1", "kind": "conference", "target": "8599"}]}, "test")
    ivrs.delete(ivr.id, "test")
    service.delete("8500", "test")
    extensions.create({"number": "8500", "name": "Desk"}, "test")  # the number is free again


def join(ami, uid, caller, host=False, room="8500"):
    ami.emit(Event="ConfbridgeJoin", Conference=room, Channel=f"PJSIP/{caller}-0000000{uid[-1]}", Uniqueid=uid,
             CallerIDNum=caller, CallerIDName=f"Desk {caller}", Admin="Yes" if host else "No", Muted="No")


def test_the_api_makes_rooms_and_refuses_taken_numbers_and_oversized_rooms(admin):
    r = admin.post("/conferences", {"number": "8500", "name": "Board", "host_pin": "739164", "max_parties": 64})
    assert r.status == 201 and r.json["max_parties"] == 64, r
    assert r.headers["Location"] == "/api/v1/conferences/8500"
    assert "[callbox-room-8500]" in admin.box.pbx.store.read()["confbridge.conf"]
    assert "exten => 8500,1,Goto(callbox-conf-8500,s,1)" in admin.box.pbx.store.read()["extensions.conf"]
    admin.post("/extensions", {"number": "8001", "name": "Desk"})
    r = admin.post("/conferences", {"number": "8001", "name": "Clash"})
    assert r.status == 409 and r.json["field"] == "number", r
    r = admin.post("/conferences", {"number": "8501", "name": "Big", "max_parties": 65})
    assert r.status == 422 and r.json["field"] == "max_parties", r
    r = admin.post("/conferences", {"number": "8501", "name": "Bad", "pin": "12345x"})
    assert r.status == 422 and r.json["field"] == "pin", r
    assert admin.patch("/conferences/8500", {"record": True}).json["record"] is True
    assert [c["number"] for c in admin.get("/conferences").json["items"]] == ["8500"]
    assert admin.delete("/conferences/8500").status == 204
    assert admin.get("/conferences/8500").status == 404


def test_live_state_follows_confbridge_events_and_actions_name_the_channel(admin):
    admin.post("/conferences", {"number": "8500", "name": "Board"})
    admin.post("/extensions", {"number": "8001", "name": "Desk"})
    ami = admin.box.pbx.ami
    assert admin.get("/conferences/8500/live").json == {"parties": [], "locked": False, "recording": False}
    assert admin.post("/conferences/8500/lock").status == 409  # nobody in it
    ami.emit(Event="ConfbridgeStart", Conference="8500")
    join(ami, "1700000000.1", "8001", host=True)
    join(ami, "1700000000.2", "8002")
    ami.emit(Event="ConfbridgeTalking", Conference="8500", Uniqueid="1700000000.2", TalkingStatus="on")
    parties = admin.get("/conferences/8500/live").json["parties"]
    assert [(p["id"], p["caller"], p["host"], p["talking"], p["muted"]) for p in parties] == [
        ("1700000000.1", "8001", True, False, False), ("1700000000.2", "8002", False, True, False)]

    assert admin.post("/conferences/8500/parties/1700000000.2/mute").status == 204
    assert ami.actions("ConfbridgeMute")[-1] == {"Conference": "8500", "Channel": "PJSIP/8002-00000002"}
    ami.emit(Event="ConfbridgeMute", Conference="8500", Uniqueid="1700000000.2", Channel="PJSIP/8002-00000002")
    assert admin.get("/conferences/8500/live").json["parties"][1]["muted"] is True
    assert admin.post("/conferences/8500/parties/1700000000.2/unmute").status == 204
    assert ami.actions("ConfbridgeUnmute")[-1]["Channel"] == "PJSIP/8002-00000002"
    assert admin.post("/conferences/8500/parties/1700000000.9/kick").status == 404
    assert admin.post("/conferences/8500/parties/1700000000.2/kick").status == 204
    assert ami.actions("ConfbridgeKick")[-1] == {"Conference": "8500", "Channel": "PJSIP/8002-00000002"}
    # A talker who leaves sends no talking-off: the Leave ends both.
    ami.emit(Event="ConfbridgeLeave", Conference="8500", Uniqueid="1700000000.2")
    assert [p["id"] for p in admin.get("/conferences/8500/live").json["parties"]] == ["1700000000.1"]

    # ConfBridge sends no lock event: the box reads the lock back from the room list.
    ami.lists["ConfbridgeListRooms"] = [{"Event": "ConfbridgeListRooms", "Conference": "8500", "Parties": "1",
                                         "Locked": "Yes"}]
    assert admin.post("/conferences/8500/lock").status == 204
    assert ami.actions("ConfbridgeLock")[-1] == {"Conference": "8500"}
    assert admin.get("/conferences/8500/live").json["locked"] is True
    ami.fail["ConfbridgeUnlock"] = "No Conference by that name found."
    assert admin.post("/conferences/8500/unlock").status == 409

    r = admin.post("/conferences/8500/invite", {"number": "8001"})
    assert r.status == 202 and r.json == {"calling": "8001"}
    originate = ami.actions("Originate")[-1]
    assert (originate["Channel"], originate["Context"], originate["Exten"]) == ("PJSIP/8001", "callbox-conf-join",
                                                                                 "8500")
    for bad in ("9999", "80a1", "8500"):
        r = admin.post("/conferences/8500/invite", {"number": bad})
        assert r.status == 422 and r.json["field"] == "number", (bad, r)
    assert len(ami.actions("Originate")) == 1

    ami.emit(Event="ConfbridgeEnd", Conference="8500")
    assert admin.get("/conferences/8500/live").json == {"parties": [], "locked": False, "recording": False}


def test_a_room_set_to_record_is_recorded_where_the_calls_recordings_are(admin):
    admin.post("/conferences", {"number": "8500", "name": "Board", "record": True})
    admin.post("/conferences", {"number": "8501", "name": "Quiet"})
    ami = admin.box.pbx.ami
    for room in ("8501", "8500"):
        ami.emit(Event="ConfbridgeStart", Conference=room)
    deadline = time.monotonic() + 5
    while not ami.actions("ConfbridgeStartRecord") and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.2)  # room 8501's turn came first: it must not have been recorded
    sent = ami.actions("ConfbridgeStartRecord")
    assert [s["Conference"] for s in sent] == ["8500"]
    path = sent[0]["RecordFile"]
    assert path.startswith(str(admin.box.runtime.paths.recordings) + "/") and "/conference-8500-" in path
    assert path.endswith(".wav")


def test_after_a_restart_the_rooms_are_read_back_from_confbridge(admin):
    admin.post("/conferences", {"number": "8500", "name": "Board"})
    ami = admin.box.pbx.ami
    ami.lists["ConfbridgeListRooms"] = [{"Event": "ConfbridgeListRooms", "Conference": "8500", "Parties": "2",
                                         "Locked": "Yes"}]
    ami.lists["ConfbridgeList"] = [
        {"Event": "ConfbridgeList", "Conference": "8500", "Channel": "PJSIP/8001-00000001",
         "Uniqueid": "1700000000.1", "CallerIDNum": "8001", "CallerIDName": "Desk", "Admin": "Yes", "Muted": "No",
         "Talking": "Yes"},
        {"Event": "ConfbridgeList", "Conference": "8500", "Channel": "PJSIP/8002-00000002",
         "Uniqueid": "1700000000.2", "CallerIDNum": "8002", "CallerIDName": "<unknown>", "Admin": "No",
         "Muted": "Yes", "Talking": "No"}]
    admin.box.conferences._resync()
    doc = admin.get("/conferences/8500/live").json
    assert doc["locked"] is True
    assert sorted((p["caller"], p["name"], p["host"], p["muted"], p["talking"]) for p in doc["parties"]) == [
        ("8001", "Desk", True, False, True), ("8002", "", False, True, False)]
    assert admin.post("/conferences/8500/parties/1700000000.2/kick").status == 204
    assert ami.actions("ConfbridgeKick")[-1]["Channel"] == "PJSIP/8002-00000002"
