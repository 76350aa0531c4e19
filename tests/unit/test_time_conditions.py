"""Time conditions: checks, what the schedule says at a given moment, *28N, iCalendar holidays."""

from __future__ import annotations

import datetime as dt

import pytest

from appliance import box_settings
from appliance.db import change
from appliance.db.models import Change, TimeCondition
from appliance.errors import Conflict, Invalid
from appliance.timeconditions import ical, service

HANGUP = {"kind": "hangup", "target": None}
WEEKDAYS = [{"days": ["mon", "tue", "wed", "thu", "fri"], "from": "09:00", "to": "18:00"}]


def make(name="Office", **extra):
    body = {"name": name, "rules": WEEKDAYS, "matched": HANGUP, "unmatched": HANGUP, **extra}
    tc, _ = service.create(body, "test")
    return tc


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def set_timezone(name: str) -> None:
    with change("test", "settings.update", "timezone") as cs:
        box_settings.save(cs, {"timezone": name})


def test_the_schedule_is_read_in_the_box_time_zone(config_db):
    set_timezone("Asia/Shanghai")
    tc = make()
    # Monday 2026-12-07 09:00 in Shanghai is 01:00 UTC.
    assert service.state_now(tc, at("2026-12-07T00:59:00+00:00")) == "unmatched"
    assert service.state_now(tc, at("2026-12-07T01:00:00+00:00")) == "matched"
    assert service.state_now(tc, at("2026-12-07T09:59:59+00:00")) == "matched"  # 17:59:59 local
    assert service.state_now(tc, at("2026-12-07T10:00:00+00:00")) == "unmatched"  # 18:00: closed
    assert service.state_now(tc, at("2026-12-05T03:00:00+00:00")) == "unmatched"  # Saturday


def test_closed_days_once_and_every_year(config_db):
    tc = make(holidays=[{"date": "2026-12-07", "yearly": False, "name": "Stocktaking"},
                        {"date": "2020-12-25", "yearly": True, "name": "Christmas"}])
    assert service.state_now(tc, at("2026-12-07T10:00:00+00:00")) == "unmatched"
    assert service.state_now(tc, at("2027-12-07T10:00:00+00:00")) == "matched"  # a Tuesday, not that year
    assert service.state_now(tc, at("2026-12-25T10:00:00+00:00")) == "unmatched"  # Friday, yearly holiday
    assert service.to_dict(tc)["holidays"][0] == {"date": "2026-12-07", "yearly": False, "name": "Stocktaking"}


def test_bad_time_conditions_are_refused_and_change_nothing(config_db):
    before = Change.select().count()
    for body, field in (({"rules": []}, "rules"), ({"rules": [{"days": ["mon"], "from": "18:00", "to": "09:00"}]},
                                                    "rules"),
                        ({"rules": [{"days": ["moon"], "from": "09:00", "to": "10:00"}]}, "rules"),
                        ({"rules": [{"days": ["mon"], "from": "9am", "to": "10:00"}]}, "rules"),
                        ({"unmatched": {"kind": "queue", "target": "600"}}, "unmatched"),
                        ({"code": 100}, "code")):
        with pytest.raises(Invalid) as err:
            make(**body)
        assert err.value.field.startswith(field), (body, err.value.field)
    with pytest.raises(Invalid):
        service.create({"name": "No way", "rules": WEEKDAYS, "matched": HANGUP}, "test")
    assert Change.select().count() == before and not TimeCondition.select().exists()


def test_codes_are_given_out_and_unique(config_db):
    assert make("A").code == 1
    assert make("B", code=5).code == 5
    assert make("C").code == 2
    with pytest.raises(Conflict) as err:
        make("D", code=5)
    assert err.value.field == "code"


def test_a_chain_of_time_conditions_may_not_lead_back(config_db):
    first = make("Hours")
    holidays = make("Holidays", unmatched={"kind": "time_condition", "target": str(first.id)})
    with pytest.raises(Invalid) as err:
        service.update(first.id, {"matched": {"kind": "time_condition", "target": str(holidays.id)}}, "test",
                       partial=True)
    assert "leads back" in err.value.message
    with pytest.raises(Conflict):  # in use by the other one
        service.delete(first.id, "test")


def test_star28_forces_the_other_way_then_goes_back(config_db):
    tc = make()
    now = service.state_now(TimeCondition.get_by_id(tc.id))
    forced, _ = service.toggle_override(tc.code, "phone 8001")
    assert forced.override == ("unmatched" if now == "matched" else "matched")
    assert service.state_now(TimeCondition.get_by_id(tc.id)) != now
    back, _ = service.toggle_override(tc.code, "phone 8001")
    assert TimeCondition.get_by_id(tc.id).override is None


ICS = (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20261001\r\n"
       b"SUMMARY:National Day \\, \xe5\x9b\xbd\xe5\xba\x86\r\nRRULE:FREQ=YEARLY\r\nEND:VEVENT\r\n"
       b"BEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20270206\r\nSUMMARY:Spring\r\n  Festival\r\nEND:VEVENT\r\n"
       b"BEGIN:VEVENT\r\nDTSTART:20270101T090000Z\r\nSUMMARY:A meeting\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")


def test_ical_all_day_events_become_holidays():
    assert ical.holidays(ICS) == [{"date": "2026-10-01", "yearly": True, "name": "National Day , 国庆"},
                                  {"date": "2027-02-06", "yearly": False, "name": "Spring Festival"}]
    for bad in (b"hello", b"\xff\xfe", b"BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART;VALUE=DATE:20261341\nEND:VEVENT"):
        with pytest.raises(ical.CalendarError):
            ical.holidays(bad)


def test_import_adds_only_new_days(config_db):
    tc = make()
    tc, _, added = service.import_holidays(tc.id, ICS, "test")
    assert added == 2 and len(service.holidays_of(tc)) == 2
    _, revision, added = service.import_holidays(tc.id, ICS, "test")
    assert added == 0 and revision is None


def test_time_condition_api_and_destination(admin):
    r = admin.post("/time-conditions", {"name": "Office", "rules": WEEKDAYS, "matched": HANGUP,
                                        "unmatched": HANGUP})
    assert r.status == 201 and r.headers["Callbox-Applied"] == "true", r
    tc = r.json
    assert set(tc) == {"id", "name", "code", "rules", "holidays", "matched", "unmatched", "override", "state"}
    r = admin.post("/inbound-routes", {"name": "Main", "destination": {"kind": "time_condition",
                                                                       "target": str(tc["id"])}})
    assert r.status == 201, r
    assert admin.delete(f"/time-conditions/{tc['id']}").status == 409
    r = admin.post(f"/time-conditions/{tc['id']}/holidays", raw=ICS, content_type="text/calendar")
    assert r.status == 200 and r.json["added"] == 2, r
    assert admin.post(f"/time-conditions/{tc['id']}/holidays", raw=b"nope", content_type="text/calendar").status == 422
