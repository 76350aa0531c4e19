"""The reports per extension, trunk, trunk occupancy, queue, agent and survey, on a known set of
generated records: the figures each definition promises, the short-abandon threshold, and time
zone day boundaries (an agent logged in across local midnight; a call crossing it)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from appliance.reports import reports
from appliance.reports.db import CallLeg, CallRecord, QueueCall, QueueEvent, open_reports, reports_db
from tests.reportstore import reports_store

ZONE = "Asia/Shanghai"
SHANGHAI = ZoneInfo(ZONE)
CONFIG = {"queues": {"600": {"name": "Sales", "service_level": 20, "wrapup": 30}},
          "trunks": {"1": {"name": "Carrier", "max_channels": 4}}}


def at(day, h, m=0, s=0) -> float:
    return dt.datetime(2026, 12, day, h, m, s, tzinfo=SHANGHAI).timestamp()


def leg(uid, call, kind, party, started, answered, ended):
    CallLeg.create(uniqueid=uid, call_id=call, channel=f"PJSIP/{party}-{uid}", kind=kind, party=party,
                   started=started, answered=answered, ended=ended)


def record(call, started, direction, outcome, queue=None):
    CallRecord.create(id=call, started=started, ended=started + 60, direction=direction, path="[]", wait=0.0,
                      talk=0.0, hold=0.0, transfers="[]", outcome=outcome, queue=queue)


def qcall(callid, day, h, m, outcome, wait, agent=None, talk=None, survey=None):
    entered = at(day, h, m)
    connected = entered + wait if outcome == "answered" else None
    # As the ingester writes them: an answered call with its queue's wrap-up (30 s; none cut short here).
    QueueCall.create(callid=callid, queue="600", entered_at=entered, outcome=outcome, wait=wait, agent=agent,
                     talk=talk, connected_at=connected, ended_at=(connected or entered + wait) + (talk or 0),
                     survey=survey, ring_attempts=0, memory=0, wrapup=30.0 if outcome == "answered" else None)


def qevent(t, queue, agent, event, data=""):
    QueueEvent.create(time=t, callid="NONE", queue=queue, agent=agent, event=event, data=data)


@pytest.fixture
def store(tmp_path):
    open_reports(reports_store(tmp_path))
    reports_db.connect(reuse_if_open=True)
    # A: in on trunk 1 to 8001, 10:00:10-10:30:10. B: 8002 out on trunk 1, 10:15:20-11:15:20 (two hours).
    # C: 8001 calls 8002 at 23:50, talking until 00:20:05 the next day. D: a trunk call up across midnight.
    record("A", at(6, 10), "inbound", "answered")
    leg("A1", "A", "trunk", "1", at(6, 10), at(6, 10, 0, 10), at(6, 10, 30, 10))
    leg("A2", "A", "phone", "8001", at(6, 10, 0, 2), at(6, 10, 0, 10), at(6, 10, 30, 10))
    record("B", at(6, 10, 15), "outbound", "answered")
    leg("B1", "B", "phone", "8002", at(6, 10, 15), at(6, 10, 15, 20), at(6, 11, 15, 20))
    leg("B2", "B", "trunk", "1", at(6, 10, 15, 2), at(6, 10, 15, 20), at(6, 11, 15, 20))
    record("C", at(6, 23, 50), "internal", "answered")
    leg("C1", "C", "phone", "8001", at(6, 23, 50), at(6, 23, 50, 5), at(7, 0, 20, 5))
    leg("C2", "C", "phone", "8002", at(6, 23, 50, 1), at(6, 23, 50, 5), at(7, 0, 20, 5))
    record("D", at(5, 23), "inbound", "answered")
    leg("D1", "D", "trunk", "1", at(5, 23), at(5, 23, 0, 5), at(6, 1))
    yield
    reports_db.close()


def run(name, frm="2026-12-06", to="2026-12-06", by="day", **options):
    return reports.report(name, {"from": frm, "to": to, "by": by, **options}, ZONE, CONFIG)


def test_per_extension_calls_talk_and_busy_hour(store):
    doc = run("extensions")
    rows = {r["extension"]: r for r in doc["rows"]}
    a, b = rows["8001"], rows["8002"]
    assert (a["calls"], a["inbound"], a["internal"], a["answered"], a["talk_seconds"]) == (2, 1, 1, 2, 3600.0)
    assert (a["busy_hour"], a["busy_hour_erlang"]) == ("2026-12-06 10:00", 0.5)
    # B's hour of talk spans 10:15:20-11:15:20: 2680 s fall in the 10 o'clock hour.
    assert (b["calls"], b["outbound"], b["talk_seconds"], b["busy_hour"], b["busy_hour_erlang"]) == \
        (2, 1, 5400.0, "2026-12-06 10:00", round(2680 / 3600, 3))
    assert doc["totals"]["calls"] == 4 and doc["totals"]["busy_hour_erlang"] == round((1800 + 2680) / 3600, 3)
    assert set(doc["definitions"]) >= {"calls", "talk_seconds", "busy_hour_erlang", "period"}
    # C began on the 6th: the 7th has none of its calls, only the load of its last 20 minutes.
    assert run("extensions", "2026-12-07", "2026-12-07")["rows"] == []


def test_per_trunk_and_its_occupancy(store):
    trunk = run("trunks")["rows"]
    assert [(r["trunk"], r["trunk_name"], r["calls"], r["inbound"], r["outbound"], r["talk_seconds"])
            for r in trunk] == [("1", "Carrier", 2, 1, 1, 5400.0)]
    occupancy = run("trunk_occupancy")
    # D is still up when the day begins; A and B overlap from 10:15:02.
    assert occupancy["rows"] == [{"period": "2026-12-06", "trunk": "1", "trunk_name": "Carrier", "peak_channels": 2,
                                  "capacity": 4, "peak_percent": 50.0, "peak_at": "2026-12-06T02:15:02Z"}]
    hours = {r["period"]: r["peak_channels"] for r in run("trunk_occupancy", by="hour")["rows"]}
    assert hours == {"2026-12-06 00:00": 1, "2026-12-06 10:00": 2, "2026-12-06 11:00": 1}


@pytest.fixture
def queue_history(store):
    qcall("q1", 6, 9, 0, "answered", 10.0, "8001", 100.0, 5)
    qcall("q2", 6, 9, 5, "answered", 30.0, "8001", 60.0, 3)
    qcall("q3", 6, 9, 10, "abandoned", 3.0)
    qcall("q4", 6, 9, 20, "abandoned", 40.0)
    qcall("q5", 6, 9, 30, "timed_out", 60.0)
    qcall("q6", 6, 9, 40, "overflowed", 0.0)
    qcall("q7", 6, 9, 50, "called_back", 20.0)
    qcall("q8", 6, 9, 55, "answered", 5.0, "8002", 200.0)
    for i, outcome in enumerate(("answered", "answered", "abandoned", "missed")):
        record(f"Q{i}", at(6, 9, i), "inbound", outcome, queue="600")


def test_queue_figures_and_the_short_abandon_threshold(queue_history):
    doc = run("queues")
    row = doc["rows"][0]
    assert (row["queue"], row["queue_name"], row["entered"], row["offered"], row["answered"], row["abandoned"],
            row["short_abandoned"], row["timed_out"], row["overflowed"], row["called_back"]) == \
        ("600", "Sales", 8, 6, 3, 1, 1, 1, 1, 1)
    assert (row["service_level"], row["average_speed_of_answer"], row["average_wait"], row["longest_wait"]) == \
        (33.3, 15.0, 24.2, 60.0)
    assert (row["talk_seconds"], row["loss_rate"]) == (360.0, 50.0)
    assert doc["short_abandon"] == 5 and doc["totals"]["offered"] == 6
    # No threshold: the 3-second hang-up is an abandoned call the queue had to serve.
    row = run("queues", short_abandon="0")["rows"][0]
    assert (row["offered"], row["abandoned"], row["short_abandoned"], row["service_level"]) == (7, 2, 0, 28.6)
    row = run("queues", short_abandon="2")["rows"][0]
    assert (row["abandoned"], row["short_abandoned"]) == (2, 0)


def test_agents_logged_in_across_local_midnight_paused_wrapup_and_survey(queue_history):
    qevent(at(6, 8), "600", "8001", "ADDMEMBER")
    qevent(at(6, 12), "600", "8001", "PAUSE", "Lunch")
    qevent(at(6, 13), "600", "8001", "UNPAUSE")
    qevent(at(6, 17), "600", "8001", "REMOVEMEMBER")
    qevent(at(6, 9, 30), "600", "8001", "RINGNOANSWER", "15000")
    qevent(at(6, 9, 31), "600-memory", "8001", "RINGNOANSWER", "15000")
    qevent(at(5, 20), "600", "8002", "ADDMEMBER")
    qevent(at(6, 1), "601", "8002", "ADDMEMBER")
    qevent(at(6, 2), "600", "8002", "REMOVEMEMBER")
    qevent(at(6, 3), "601", "8002", "REMOVEMEMBER")
    rows = {r["agent"]: r for r in run("agents")["rows"]}
    a, b = rows["8001"], rows["8002"]
    assert (a["logged_in_seconds"], a["paused_seconds"], a["paused_by_reason"]) == (32400.0, 3600.0, {"Lunch": 3600.0})
    # q1 ends 09:01:50 and q2 is answered 09:05:30: a full wrap-up each.
    assert (a["calls"], a["talk_seconds"], a["wrapup_seconds"], a["missed"], a["survey_average"], a["surveys"]) == \
        (2, 160.0, 60.0, 2, 4.0, 2)
    assert (b["logged_in_seconds"], b["calls"], b["talk_seconds"], b["survey_average"]) == (10800.0, 1, 200.0, None)
    # By day over two days: the evening before midnight (Shanghai) is the 5th's.
    days = {(r["period"], r["agent"]): r["logged_in_seconds"] for r in run("agents", "2026-12-05")["rows"]}
    assert days[("2026-12-05", "8002")] == 14400.0 and days[("2026-12-06", "8002")] == 10800.0


def test_survey_by_queue_and_agent(queue_history):
    doc = run("survey")
    assert [(r["queue"], r["agent"], r["answered"], r["surveys"], r["average"], r["score_5"], r["score_3"],
             r["response_rate"]) for r in doc["rows"]] == [("600", "8001", 2, 2, 4.0, 1, 1, 100.0),
                                                           ("600", "8002", 1, 0, None, 0, 0, 0.0)]
    assert (doc["totals"]["surveys"], doc["totals"]["average"]) == (2, 4.0)


@pytest.mark.parametrize("name, params, field", [
    ("queues", {"short_abandon": "-1"}, "short_abandon"),
    ("queues", {"short_abandon": "5 OR 1=1"}, "short_abandon"),
    ("agents", {"short_abandon": "5"}, "short_abandon"),
    ("trunks", {"trunk": "1; DROP TABLE call_leg"}, "trunk"),
])
def test_bad_options_name_the_parameter(store, name, params, field):
    from appliance.errors import Invalid

    with pytest.raises(Invalid) as e:
        run(name, **params)
    assert e.value.field == field
