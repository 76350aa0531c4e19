"""Reports on generated call records: the traffic report's counts per period in the box's time
zone (local midnight is the day boundary), every period listed, the loss rate, and bad
parameters refused with a 422 naming them."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest

from appliance.reports import reports
from appliance.reports.db import CallRecord, reports_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(*when, zone=SHANGHAI) -> float:
    return dt.datetime(*when, tzinfo=zone).timestamp()


def make(i: int, started: float, direction: str, outcome: str, talk: float = 0.0) -> dict:
    return {"id": f"r{i}", "started": started, "answered": started + 1 if outcome == "answered" else None,
            "ended": started + 1 + talk, "direction": direction, "path": "[]", "wait": 1.0, "talk": talk,
            "hold": 0.0, "transfers": "[]", "outcome": outcome}


# Shanghai days: 23:30 on the 5th is 15:30 UTC on the 5th; 00:30 on the 6th is 16:30 UTC on the 5th.
GENERATED = [
    make(1, at(2026, 12, 5, 23, 30), "inbound", "answered", 60),
    make(2, at(2026, 12, 5, 23, 59, 59), "inbound", "abandoned"),
    make(3, at(2026, 12, 6, 0, 0, 0), "inbound", "answered", 30),
    make(4, at(2026, 12, 6, 0, 30), "inbound", "voicemail"),
    make(5, at(2026, 12, 6, 9, 15), "outbound", "answered", 120),
    make(6, at(2026, 12, 6, 9, 45), "internal", "missed"),
    make(7, at(2026, 12, 6, 9, 50), "inbound", "busy"),
    make(8, at(2026, 12, 7, 10, 0), "inbound", "answered", 10),
    make(9, at(2026, 12, 31, 23, 0), "inbound", "failed"),
    make(10, at(2027, 1, 1, 1, 0), "outbound", "busy"),
]


def test_traffic_by_day_splits_at_local_midnight():
    records = [(r["started"], r["direction"], r["outcome"], r["talk"]) for r in GENERATED]
    start, end = at(2026, 12, 5), at(2026, 12, 8)
    rows, totals = reports.traffic(records[:8], SHANGHAI, start, end, "day")
    assert [r["period"] for r in rows] == ["2026-12-05", "2026-12-06", "2026-12-07"]
    day5, day6, day7 = rows
    assert (day5["inbound"], day5["offered"], day5["answered"], day5["lost"], day5["loss_rate"]) == (2, 2, 1, 1, 50.0)
    assert (day6["inbound"], day6["outbound"], day6["internal"]) == (3, 1, 1)
    assert (day6["offered"], day6["answered"], day6["lost"], day6["talk_seconds"]) == (3, 1, 2, 150.0)
    assert (day7["answered"], day7["loss_rate"]) == (1, 0.0)
    assert totals == {"inbound": 6, "outbound": 1, "internal": 1, "offered": 6, "answered": 3, "lost": 3,
                      "talk_seconds": 220.0, "loss_rate": 50.0}
    # The same calls in UTC days fall differently: the time zone is what decides.
    utc_rows, _ = reports.traffic(records[:8], ZoneInfo("UTC"), at(2026, 12, 5, zone=ZoneInfo("UTC")),
                                  at(2026, 12, 8, zone=ZoneInfo("UTC")), "day")
    assert [r["inbound"] for r in utc_rows] == [4, 1, 1]


def test_traffic_by_hour_lists_every_hour_with_zeros():
    records = [(r["started"], r["direction"], r["outcome"], r["talk"]) for r in GENERATED[4:7]]
    rows, totals = reports.traffic(records, SHANGHAI, at(2026, 12, 6), at(2026, 12, 7), "hour")
    assert len(rows) == 24 and rows[0]["period"] == "2026-12-06 00:00"
    nine = rows[9]
    assert (nine["period"], nine["outbound"], nine["internal"], nine["inbound"], nine["lost"]) == \
        ("2026-12-06 09:00", 1, 1, 1, 1)
    assert sum(r["outbound"] + r["internal"] + r["inbound"] for r in rows) == 3
    assert rows[10]["loss_rate"] is None  # nothing offered


def test_a_day_with_a_clock_change_has_its_25_hours():
    paris = ZoneInfo("Europe/Paris")
    rows, _ = reports.traffic([], paris, at(2026, 10, 25, zone=paris), at(2026, 10, 26, zone=paris), "hour")
    assert len(rows) == 24  # 02:00 comes twice: one period of that label
    assert rows[2]["period"] == "2026-10-25 02:00" and rows[3]["period"] == "2026-10-25 03:00"


def test_weeks_start_on_monday_and_months_cross_the_year():
    records = [(r["started"], r["direction"], r["outcome"], r["talk"]) for r in GENERATED]
    rows, _ = reports.traffic(records, SHANGHAI, at(2026, 12, 1), at(2027, 1, 2), "week")
    assert rows[0]["period"] == "2026-11-30"  # the Monday of 1 December's week
    assert {r["period"]: r["offered"] for r in rows}["2026-12-07"] == 1
    months, totals = reports.traffic(records, SHANGHAI, at(2026, 12, 1), at(2027, 1, 2), "month")
    assert [(m["period"], m["inbound"], m["outbound"]) for m in months] == [("2026-12", 7, 1), ("2027-01", 0, 1)]


@pytest.fixture
def staff(admin):
    assert admin.patch("/settings", {"timezone": "Asia/Shanghai"}).status == 200
    with reports_db.connection_context():
        for r in GENERATED:
            CallRecord.create(**r)
    return admin


def test_the_traffic_report_over_the_api(staff):
    names = [item["name"] for item in staff.get("/reports").json["items"]]
    assert names == ["traffic", "extensions", "trunks", "trunk_occupancy", "queues", "agents", "survey"]
    r = staff.get("/reports/traffic?from=2026-12-06&to=2026-12-06&by=day")
    assert r.status == 200, r
    doc = r.json
    assert (doc["name"], doc["from"], doc["to"], doc["by"]) == ("traffic", "2026-12-06", "2026-12-06", "day")
    assert doc["rows"] == [{"period": "2026-12-06", "inbound": 3, "outbound": 1, "internal": 1, "offered": 3,
                            "answered": 1, "lost": 2, "talk_seconds": 150.0, "loss_rate": 66.7}]
    assert doc["totals"]["offered"] == 3 and set(doc["definitions"]) >= {"offered", "answered", "lost", "loss_rate"}
    month = staff.get("/reports/traffic?from=2026-12-01&to=2027-01-31&by=month").json
    assert [(m["period"], m["inbound"]) for m in month["rows"]] == [("2026-12", 7), ("2027-01", 0)]
    assert (month["page"], month["per_page"], month["total_rows"]) == (1, 1000, 2)


def test_a_report_read_a_page_at_a_time(staff):
    every = staff.get("/reports/traffic?from=2026-12-01&to=2026-12-03&by=hour").json  # 72 rows: all of them
    assert len(every["rows"]) == 72
    for page, per_page in ((1, 30), (3, 30), (4, 30), (1, 100)):
        doc = staff.get(f"/reports/traffic?from=2026-12-01&to=2026-12-03&by=hour&page={page}&per_page={per_page}").json
        assert doc["rows"] == every["rows"][(page - 1) * per_page:page * per_page]
        assert (doc["page"], doc["per_page"], doc["total_rows"]) == (page, per_page, 72)
        assert doc["totals"] == every["totals"]  # of every row, not the page's
    assert staff.get("/reports/traffic?from=2026-12-01&to=2026-12-03&page=2").json["per_page"] == 100


def test_a_report_in_json_lists_at_most_its_first_1000_rows_and_an_export_every_row(staff, monkeypatch):
    from appliance.reports import reports
    monkeypatch.setattr(reports, "FIRST_ROWS", 50)  # the same bound, reached with 72 hours
    doc = staff.get("/reports/traffic?from=2026-12-01&to=2026-12-03&by=hour").json
    assert (len(doc["rows"]), doc["page"], doc["per_page"], doc["total_rows"]) == (50, 1, 50, 72)
    every = staff.get("/reports/traffic?from=2026-12-01&to=2026-12-03&by=hour&page=1&per_page=100").json
    assert doc["rows"] == every["rows"][:50] and doc["totals"] == every["totals"]
    lines = staff.get("/reports/traffic?from=2026-12-01&to=2026-12-03&by=hour&format=csv").body.decode("utf-8-sig")
    assert len(lines.strip().splitlines()) == 1 + 72 + 1  # columns, every hour, the totals
    r = staff.get("/reports/traffic?from=2026-12-01&to=2026-12-03&by=hour&format=csv&page=2")
    assert r.status == 422, r
    assert r.json["field"] == "page"


@pytest.mark.parametrize("query, field", [
    ("?from=2026-12-06", "to"), ("?from=2026-12-07&to=2026-12-06", "from"), ("?from=2026-02-30&to=2026-03-01", "from"),
    ("?from=2026-12-01&to=2026-12-02&by=fortnight", "by"), ("?from=2026-01-01&to=2026-12-31&by=hour", "to"),
    ("?from=2026-12-01&to=2026-12-02&group=1", "group"), ("?from=2026-12-01%27%20OR%201=1&to=2026-12-02", "from"),
    ("?from=2026-12-01&to=2026-12-02&page=0", "page"), ("?from=2026-12-01&to=2026-12-02&per_page=1001", "per_page"),
    ("?from=2026-12-01&to=2026-12-02&page=1%20OR%201=1", "page"), ("?from=2026-12-01&to=2026-12-02&per_page=-5", "per_page"),
])
def test_bad_report_parameters_are_a_422(staff, query, field):
    r = staff.get("/reports/traffic" + query)
    assert (r.status, r.json["field"]) == (422, field), r


def test_reports_are_for_staff(staff):
    from tests.unit.test_callcenter import signed_in

    assert staff.post("/extensions", {"number": "8001", "name": "Al"}).status == 201
    al = signed_in(staff, "al", "agent", "8001")
    assert al.get("/reports").status == 403
    assert al.get("/reports/traffic?from=2026-12-06&to=2026-12-06").status == 403
    assert staff.get("/reports/nothing?from=2026-12-06&to=2026-12-06").status == 404


def test_every_report_answers_over_the_api_and_checks_its_options(staff):
    for name in reports.REPORTS:
        doc = staff.get(f"/reports/{name}?from=2026-12-06&to=2026-12-07&by=hour").json
        assert (doc["name"], doc["by"]) == (name, "hour") and "totals" in doc and doc["definitions"], name
    traffic = staff.get("/reports/traffic?from=2026-12-06&to=2026-12-06").json
    assert traffic["totals"]["offered"] == 3
    r = staff.get("/reports/queues?from=2026-12-06&to=2026-12-06&short_abandon=1%27%20OR%201=1")
    assert (r.status, r.json["field"]) == (422, "short_abandon")
    r = staff.get("/reports/traffic?from=2026-12-06&to=2026-12-06&short_abandon=5")
    assert (r.status, r.json["field"]) == (422, "short_abandon")


def test_every_report_downloads_as_csv_and_xlsx(staff):
    import csv
    import io

    from openpyxl import load_workbook

    for name in reports.REPORTS:
        r = staff.get(f"/reports/{name}?from=2026-12-05&to=2026-12-07&format=csv")
        assert r.status == 200 and r.headers["Content-Type"].startswith("text/csv"), (name, r)
        assert f'filename="{name}-2026-12-05-2026-12-07-day.csv"' in r.headers["Content-Disposition"]
        assert next(csv.reader(io.StringIO(r.body.decode("utf-8-sig"))))[0] == "period"
    rows = list(csv.DictReader(io.StringIO(
        staff.get("/reports/traffic?from=2026-12-05&to=2026-12-07&format=csv").body.decode("utf-8-sig"))))
    doc = staff.get("/reports/traffic?from=2026-12-05&to=2026-12-07").json
    assert [row["period"] for row in rows] == [r["period"] for r in doc["rows"]] + ["total"]
    assert [int(row["offered"]) for row in rows] == [r["offered"] for r in doc["rows"]] + [doc["totals"]["offered"]]
    r = staff.get("/reports/traffic?from=2026-12-05&to=2026-12-07&by=day&format=xlsx")
    sheet = load_workbook(io.BytesIO(r.body), read_only=True).active
    table = list(sheet.values)
    assert table[0][0] == "period" and table[-1][0] == "total"
    assert [t[table[0].index("answered")] for t in table[1:-1]] == [r["answered"] for r in doc["rows"]]
    assert staff.get("/reports/traffic?from=2026-12-05&to=2026-12-07&format=doc").json["field"] == "format"


def test_text_a_spreadsheet_would_run_is_quoted():
    from appliance.reports import export

    _, body = export.stream("csv", "t", ["name", "number"], iter([{"name": "=cmd|' /C calc'!A0", "number": "+8613"}]))
    assert b"".join(body).decode("utf-8-sig").splitlines()[1] == "'=cmd|' /C calc'!A0,+8613"
