"""The call log's `total`: added up from the hourly traffic rollup where the filters allow (the same
number as counting the records, also after retention deleted the oldest mid-hour), counted up to
a cap otherwise and said to be capped."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from appliance.reports import calllog
from appliance.reports.db import CallParty, CallRecord, open_reports, reports_db
from tests.reportstore import reports_store

ZONE = "Asia/Shanghai"
FIRST = dt.datetime(2026, 11, 1, tzinfo=dt.timezone(dt.timedelta(hours=8))).timestamp()
NOW = dt.datetime(2026, 12, 1, 12, tzinfo=dt.timezone.utc)


@pytest.fixture
def store(tmp_path):
    open_reports(reports_store(tmp_path))
    reports_db.connect(reuse_if_open=True)
    rnd = random.Random(7)
    with reports_db.atomic():
        for i in range(1500):
            started = FIRST + rnd.uniform(0, 30 * 86400)
            CallRecord.create(id=f"r{i}", started=started, ended=started + 30, path="[]", wait=0.0, talk=0.0,
                              hold=0.0, transfers="[]", direction=rnd.choice(("inbound", "outbound", "internal")),
                              outcome=rnd.choice(("answered", "answered", "missed", "busy")))
            CallParty.create(extension=rnd.choice(("8001", "8002")), call_id=f"r{i}", started=started)
    yield
    reports_db.close()


FILTERS = [{}, {"direction": "inbound"}, {"direction": "inbound", "outcome": "missed"}, {"outcome": "busy"},
           {"days": "7"}, {"from": "2026-11-03", "to": "2026-11-09", "direction": "outbound"},
           {"from": "2026-11-30", "to": "2026-12-31"}, {"from": "2025-01-01", "to": "2025-01-02"},
           {"days": "3", "page": "2", "sort": "talk_seconds"}]


def counted(params: dict) -> int:
    q, _ = calllog.filtered(params, ZONE, str, now=NOW)
    return q.count()


def test_the_total_from_the_rollup_is_the_number_of_matching_records(store):
    for params in FILTERS:
        doc = calllog.query(params, ZONE, str, now=NOW)
        assert doc["total"] == counted(params) and "total_capped" not in doc, params
    # Retention deletes the oldest records first, up to a moment within an hour: the rollup keeps them.
    cutoff = FIRST + 9.5 * 86400 + 1234.5
    CallParty.delete().where(CallParty.started < cutoff).execute()
    CallRecord.delete().where(CallRecord.started < cutoff).execute()
    for params in FILTERS:
        assert calllog.query(params, ZONE, str, now=NOW)["total"] == counted(params), params


def test_other_filters_count_up_to_the_cap(store, monkeypatch):
    monkeypatch.setattr(calllog, "COUNT_CAP", 100)
    doc = calllog.query({"extension": "8001"}, ZONE, str, now=NOW)
    assert (doc["total"], doc["total_capped"], len(doc["items"])) == (100, True, 50)
    few = {"extension": "8001", "from": "2026-11-02", "to": "2026-11-02"}
    doc = calllog.query(few, ZONE, str, now=NOW)
    assert doc["total"] == counted(few) < 100 and "total_capped" not in doc
    # An agent's own calls are counted too (the rollup does not know who took part).
    assert calllog.query({}, ZONE, str, own="8002", now=NOW)["total_capped"] is True
