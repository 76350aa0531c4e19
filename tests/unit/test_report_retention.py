"""Retention of the reports store: the settings decide what goes (events and legs after days,
records after months, 0 keeping them), in small batches that let writers in between."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from zoneinfo import ZoneInfo

from appliance.reports import retention
from appliance.reports.db import (CallLeg, CallParty, CallRecord, CelEvent, QueueCall, QueueEvent, reports_db,
                                  reports_write_lock)
from appliance.reports.manager import prune
from tests.reportstore import reports_store

NOW = 1_796_000_000.0
SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = 86400.0


def store_call(i: int, started: float, open_: int = 0) -> None:
    call = f"c{i}"
    start = {"time": started, "event": "CHAN_START"}
    # A done call's events are one row (the recorder's, when the call ended within a batch).
    CelEvent.create(linkedid=call, data=json.dumps(start if open_ else [start, {**start, "event": "CHAN_END"}]),
                    open=open_)
    CallRecord.create(id=call, started=started, ended=started + 60, direction="internal", path="[]", wait=0.0,
                      talk=0.0, hold=0.0, transfers="[]", outcome="answered")
    CallLeg.create(uniqueid=f"{call}.1", call_id=call, channel="PJSIP/8001-1", kind="phone", party="8001",
                   started=started)
    CallParty.create(extension="8001", call_id=call, started=started)
    QueueEvent.create(time=started, callid=call, queue="600", agent="8001", event="CONNECT", data="")
    QueueCall.create(callid=call, queue="600", entered_at=started, outcome="answered", ring_attempts=0, memory=0)


def test_the_settings_decide_what_is_pruned(admin):
    with reports_db.connection_context():
        store_call(1, NOW - 400 * DAY)   # past both limits
        store_call(2, NOW - 40 * DAY)    # past 30 days, within 12 months
        store_call(3, NOW - 1 * DAY)     # recent
        store_call(4, NOW - 50 * DAY, open_=1)  # a call still open: its events stay
        # The defaults: events 90 days, records for ever.
        assert prune(NOW)["call_record"] == 0
        assert CallRecord.select().count() == 4 and CelEvent.select().count() == 3
        assert CallLeg.select().count() == 3
    assert admin.patch("/settings", {"call_event_retention_days": 30, "call_record_retention_months": 12}).status == 200
    with reports_db.connection_context():
        done = prune(NOW)
        assert [e.linkedid for e in CelEvent.select().order_by(CelEvent.id)] == ["c3", "c4"]
        assert {q.callid for q in QueueEvent.select()} == {"c3"}
        assert {leg.call_id for leg in CallLeg.select()} == {"c3"}
        assert {r.id for r in CallRecord.select()} == {"c2", "c3", "c4"}
        assert {p.call_id for p in CallParty.select()} == {"c2", "c3", "c4"}
        assert {q.callid for q in QueueCall.select()} == {"c2", "c3", "c4"}
        assert done["call_record"] == 1 and done["cel_event"] == 1


def test_bad_retention_settings_are_refused(admin):
    for body, field in (({"call_event_retention_days": 0}, "call_event_retention_days"),
                        ({"call_record_retention_months": -1}, "call_record_retention_months"),
                        ({"call_record_retention_months": "12"}, "call_record_retention_months")):
        r = admin.patch("/settings", body)
        assert (r.status, r.json["field"]) == (422, field), r


def test_pruning_goes_in_small_batches_and_never_holds_up_a_writer(tmp_path):
    from appliance.reports.db import open_reports

    open_reports(reports_store(tmp_path))
    with reports_db.connection_context():
        with reports_db.atomic():
            for i in range(3 * retention.BATCH + 10):
                CelEvent.create(linkedid=f"x{i}", data=json.dumps({"time": NOW - 100 * DAY + i}), open=0)
        waits, stop = [], threading.Event()

        def writer():
            while not stop.is_set():
                asked = time.monotonic()
                with reports_write_lock:
                    waits.append(time.monotonic() - asked)
                time.sleep(0.001)

        t = threading.Thread(target=writer)
        t.start()
        try:
            done = retention.prune(30, 0, NOW, pause=0.05)
        finally:
            stop.set()
            t.join()
        assert done["cel_event"] == 3 * retention.BATCH + 10 and CelEvent.select().count() == 0
        # The writer got the lock between batches: never kept waiting for the whole pass.
        assert len(waits) > 4 and max(waits) < 1.0


def test_months_before_keeps_the_day_or_takes_the_months_last():
    march31 = dt.datetime(2026, 3, 31, 12, tzinfo=dt.timezone.utc).timestamp()
    assert dt.datetime.fromtimestamp(retention.months_before(march31, 1), dt.timezone.utc).date() == dt.date(2026, 2, 28)
    assert dt.datetime.fromtimestamp(retention.months_before(march31, 15), dt.timezone.utc).date() == dt.date(2024, 12, 31)


def test_traffic_comes_from_rollups_that_outlive_the_records(admin):
    from appliance.reports import reports

    day = dt_at(2026, 12, 6)
    with reports_db.connection_context():
        for i, (hours, direction, outcome, talk) in enumerate(((0.5, "inbound", "answered", 30.0),
                                                               (0.7, "inbound", "missed", 0.0),
                                                               (9.2, "outbound", "answered", 60.0),
                                                               (23.9, "inbound", "answered", 5.0))):
            CallRecord.create(id=f"t{i}", started=day + hours * 3600, ended=day + hours * 3600 + 60,
                              direction=direction, path="[]", wait=0.0, talk=talk, hold=0.0, transfers="[]",
                              outcome=outcome)
        params = {"from": "2026-12-06", "to": "2026-12-06", "by": "hour"}
        before = reports.report("traffic", params, "Asia/Shanghai")
        direct = reports.traffic(CallRecord.select(CallRecord.started, CallRecord.direction, CallRecord.outcome,
                                                   CallRecord.talk).tuples(), SHANGHAI, day, day + 86400, "hour")
        assert (before["rows"], before["totals"]) == direct
        assert before["totals"]["offered"] == 3 and before["rows"][0]["lost"] == 1
    assert admin.patch("/settings", {"call_record_retention_months": 1}).status == 200
    with reports_db.connection_context():
        prune(day + 100 * DAY)
        assert CallRecord.select().count() == 0
        assert reports.report("traffic", params, "Asia/Shanghai")["totals"] == before["totals"]


def test_a_zone_with_half_hours_counts_from_the_records(tmp_path):
    from appliance.reports import reports
    from appliance.reports.db import open_reports

    midnight = dt.datetime(2026, 12, 6, tzinfo=ZoneInfo("Asia/Kolkata")).timestamp()
    open_reports(reports_store(tmp_path))
    with reports_db.connection_context():
        # 23:50 on the 5th and 00:10 on the 6th, Kolkata: the same UTC hour (18:00).
        for i, t in enumerate((midnight - 600, midnight + 600)):
            CallRecord.create(id=f"k{i}", started=t, ended=t + 60, direction="internal", path="[]", wait=0.0,
                              talk=0.0, hold=0.0, transfers="[]", outcome="answered")
        doc = reports.report("traffic", {"from": "2026-12-05", "to": "2026-12-06"}, "Asia/Kolkata")
        assert [(r["period"], r["internal"]) for r in doc["rows"]] == [("2026-12-05", 1), ("2026-12-06", 1)]


def dt_at(*when) -> float:
    return dt.datetime(*when, tzinfo=SHANGHAI).timestamp()
