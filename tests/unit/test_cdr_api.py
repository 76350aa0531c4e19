"""GET /cdr and /cdr/{id}: records made from recorded channel events, found by each filter,
sorted only by allowed columns; bad filters are a 422 naming the parameter; agents see their own."""

from __future__ import annotations

import json
import threading
import time

import pytest

from appliance.reports.db import CallRecord, QueueCall, Recording, reports_db
from appliance.reports.manager import caller_key, caller_keys
from appliance.reports.recorder import CallRecorder
from tests.unit.test_call_records import FakeAmi, transcript
from tests.unit.test_callcenter import signed_in

KEYS = {"id", "start", "answer", "end", "direction", "from", "from_name", "to", "did", "trunk", "path", "answered_by",
        "wait_seconds", "talk_seconds", "hold_seconds", "transfers", "outcome", "recording", "survey"}
CALLS = ("answered", "busy", "blind", "attended", "outbound", "inbound-ivr-ext", "inbound-rg", "queue-answered",
         "queue-abandoned")


@pytest.fixture
def log(admin, tmp_path):
    assert admin.patch("/settings", {"country_code": "86", "timezone": "Asia/Shanghai"}).status == 200
    assert admin.post("/extensions", {"number": "8001", "name": "Desk 8001"}).status == 201
    from appliance.db import db

    recorder = CallRecorder(FakeAmi(), keys=caller_keys)
    with reports_db.connection_context(), db.connection_context():
        for name in CALLS:
            for ev in transcript(name):
                recorder.queue.put(ev)
        stop = threading.Event()
        t = threading.Thread(target=recorder.run, args=(stop,))
        t.start()
        deadline = time.monotonic() + 10
        while (not recorder.queue.empty() or recorder.pending) and time.monotonic() < deadline:
            time.sleep(0.02)
        stop.set()
        t.join()
        assert CallRecord.select().count() == len(CALLS)
        wav = tmp_path / "rec.wav"
        wav.write_bytes(b"RIFF")
        # The queue call's recording (kept by the caller's channel) and its survey score.
        Recording.create(callid="1796486412.7", path=str(wav), started_at=1796486413.9, on_demand=0)
        QueueCall.create(callid="1796486412.7", queue="500", entered_at=1796486413.0, outcome="answered",
                         ring_attempts=1, memory=0, survey=4)
    return admin


def ids(api, query=""):
    r = api.get("/cdr" + query)
    assert r.status == 200, r
    return [c["id"] for c in r.json["items"]]


def test_the_list_has_the_contract_shape_newest_first(log):
    r = log.get("/cdr")
    assert set(r.json) == {"items", "total", "page", "per_page"}
    assert (r.json["total"], r.json["page"], r.json["per_page"]) == (len(CALLS), 1, 50)
    starts = [c["start"] for c in r.json["items"]]
    assert starts == sorted(starts, reverse=True)
    for item in r.json["items"]:
        assert set(item) == KEYS
    queue = next(c for c in r.json["items"] if c["id"] == "1796486412.7")
    assert queue == {"id": "1796486412.7", "start": "2026-12-05T16:00:12.998Z", "answer": "2026-12-05T16:00:13.948Z",
                     "end": "2026-12-05T16:00:15.961Z", "direction": "inbound", "from": "provider", "from_name": None,
                     "to": "075512345678", "did": "075512345678", "trunk": 1,
                     "path": [{"kind": "ivr", "target": "1"}, {"kind": "queue", "target": "500"}],
                     "answered_by": "8003", "wait_seconds": 0.95, "talk_seconds": 2.013, "hold_seconds": 0.0,
                     "transfers": [], "outcome": "answered", "recording": "1796486412.7", "survey": 4}


def test_each_filter_finds_its_calls(log):
    assert ids(log, "?direction=outbound") == ["1796486395.0"]
    assert set(ids(log, "?direction=inbound")) == {"1796486401.2", "1796486407.4", "1796486412.7", "1796486418.9"}
    assert ids(log, "?outcome=abandoned") == ["1796486418.9"]
    assert ids(log, "?outcome=voicemail") == ["1796486437.13"]
    assert set(ids(log, "?queue=500")) == {"1796486412.7", "1796486418.9"}
    assert len(ids(log, "?trunk=1")) == 5
    assert ids(log, "?trunk=2") == []
    # 8003 took part in the transfers, the ring group and the queue calls (even one it never answered).
    assert set(ids(log, "?extension=8003")) == {"1796486442.15", "1796486447.18", "1796486407.4", "1796486412.7",
                                                "1796486418.9"}
    # A number however written: national, international, with spaces and dashes.
    for written in ("075599887766", "+86 755 9988 7766", "0755-9988-7766", "8675599887766"):
        assert ids(log, "?number=" + written.replace("+", "%2B").replace(" ", "%20")) == ["1796486395.0"], written
    assert ids(log, "?direction=inbound&outcome=answered&queue=500") == ["1796486412.7"]


def test_days_are_the_box_time_zone_s(log):
    # The outbound call began at 15:59:55 UTC on 5 December, 23:59:55 in Shanghai; the others
    # after 16:00 UTC, already the 6th there.
    assert "1796486395.0" not in ids(log, "?from=2026-12-06&to=2026-12-06")
    assert len(ids(log, "?from=2026-12-06&to=2026-12-06")) == len(CALLS) - 1
    assert ids(log, "?to=2026-12-05") == ["1796486395.0"]
    assert ids(log, "?from=2026-12-07") == []


def test_paging_and_the_allowed_sorts(log):
    r = log.get("/cdr?per_page=4&page=3&sort=start")
    assert (r.json["total"], r.json["page"], r.json["per_page"], len(r.json["items"])) == (len(CALLS), 3, 4, 1)
    talks = [c["talk_seconds"] for c in log.get("/cdr?sort=-talk_seconds").json["items"]]
    assert talks == sorted(talks, reverse=True)
    waits = [c["wait_seconds"] for c in log.get("/cdr?sort=wait_seconds").json["items"]]
    assert waits == sorted(waits)


@pytest.mark.parametrize("query, field", [
    ("?sort=secret", "sort"), ("?sort=started;DROP TABLE call_record", "sort"), ("?per_page=100000", "per_page"),
    ("?per_page=0", "per_page"), ("?page=-1", "page"), ("?from=2026-02-30", "from"), ("?to=yesterday", "to"),
    ("?from=2026-12-07&to=2026-12-01", "from"), ("?days=7&from=2026-12-01", "days"), ("?days=0", "days"),
    ("?direction=sideways", "direction"), ("?outcome=' OR 1=1 --", "outcome"), ("?extension=8001' OR '1'='1", "extension"),
    ("?trunk=1 OR 1", "trunk"), ("?number=abc", "number"), ("?number=1; DELETE FROM call_record", "number"),
    ("?colour=red", "colour"), ("?queue=500%20UNION%20SELECT", "queue"),
])
def test_bad_filters_are_a_clear_422(log, query, field):
    r = log.get("/cdr" + query.replace(" ", "%20").replace("'", "%27").replace(";", "%3B"))
    assert (r.status, r.json["field"]) == (422, field), r
    assert log.get("/cdr").json["total"] == len(CALLS)


def test_one_call_with_its_legs_transfers_and_recording(log):
    r = log.get("/cdr/1796486447.18")
    assert r.status == 200, r
    call = r.json
    assert call["transfers"] == [{"from": "8002", "to": "8003", "kind": "attended"}]
    assert [(leg["party"], leg["kind"]) for leg in call["legs"]] == [("8001", "phone"), ("8002", "phone"),
                                                                      ("8002", "phone"), ("8003", "phone")]
    assert {"id", "channel", "start", "answer", "end", "hangup_cause", "dial_status"} <= set(call["legs"][0])
    assert log.get("/cdr/1796486412.7").json["recording"] == "1796486412.7"
    assert log.get("/cdr/nope").status == 404


def test_agents_see_their_own_calls_only(log):
    al = signed_in(log, "al", "agent", "8001")
    mine = ids(al, "")
    assert set(mine) == {"1796486432.11", "1796486437.13", "1796486442.15", "1796486447.18", "1796486395.0"}
    assert ids(al, "?extension=8001") == ids(al, "")
    assert al.get("/cdr?extension=8003").status == 403
    assert al.get("/cdr/1796486412.7").status == 404  # a queue call 8001 had no part in
    assert al.get("/cdr/1796486447.18").status == 200
    sue = signed_in(log, "sue", "supervisor")
    assert len(ids(sue, "")) == len(CALLS)


def test_days_counts_back_from_today_in_the_box_time_zone(log):
    import datetime as dt

    from appliance.db import db
    from appliance.reports import calllog

    two_am = dt.datetime(2026, 12, 6, 2, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))  # in Shanghai
    with reports_db.connection_context(), db.connection_context():
        def days(n):
            return calllog.query({"days": str(n)}, "Asia/Shanghai", caller_key, now=two_am)["total"]

        assert (days(1), days(2)) == (len(CALLS) - 1, len(CALLS))


# -- the Call log page ------------------------------------------------------------------------


def test_the_call_log_page_for_each_role_in_both_languages(admin):
    import re as _re
    from pathlib import Path as _Path

    from tests.unit.test_web_callcenter_pages import menu_links
    from tests.unit.test_web_session import Browser, boot_data, make_user
    from webui.i18n import CATALOGUES

    assert admin.post("/extensions", {"number": "8001", "name": "Alice"}).status == 201
    make_user("alice", "Role-Pages-Pass-12", "agent", "8001")
    make_user("sue", "Role-Pages-Pass-12", "supervisor")
    pages = {}
    for name in ("alice", "sue"):
        b = Browser(admin)
        assert b.sign_in(name, "Role-Pages-Pass-12").status == 303
        r = b.get("/call-log")
        assert r.status == 200, r
        pages[name] = (b, r.body.decode())
        assert '<script src="/static/js/cdr.js"' in pages[name][1] and "/call-log" in menu_links(pages[name][1])
    # Staff filter by extension, queue and trunk; an agent's log is their own, so those are left out.
    assert 'name="extension"' in pages["sue"][1] and 'name="trunk"' in pages["sue"][1]
    assert 'name="extension"' not in pages["alice"][1]
    sue = pages["sue"][0]
    assert sue.api("PATCH", "/me", {"language": "zh"}).status == 200
    r = sue.get("/call-log")
    assert "呼叫记录" in r.body.decode() and boot_data(r)["strings"]["cdr.outcome.abandoned"] == "放弃"
    # Every word the page's script asks for is in both catalogues.
    script = (_Path(__file__).parents[2] / "webui" / "static" / "js" / "cdr.js").read_text()
    keys = {k for k in _re.findall(r'\bt\("([\w.]+)"', script) if not k.endswith(".")}
    keys |= {f"cdr.kind.{k}" for k in ("ivr", "ring_group", "queue", "extension", "voicemail", "external")}
    keys |= {f"cdr.transfer.{k}" for k in ("blind", "attended")}
    from appliance.reports.calls import DIRECTIONS, OUTCOMES
    keys |= {f"cdr.direction.{d}" for d in DIRECTIONS} | {f"cdr.outcome.{o}" for o in OUTCOMES}
    for lang in ("en", "zh"):
        assert sorted(k for k in keys if "js." + k not in CATALOGUES[lang]) == [], lang


def test_the_dashboard_says_when_calls_are_not_logged(admin):
    from tests.unit.test_web_session import Browser, make_user

    make_user("ada", "Role-Pages-Pass-12", "admin")
    b = Browser(admin)
    assert b.sign_in("ada", "Role-Pages-Pass-12").status == 303
    page = b.get("/").body.decode()
    assert 'id="cdr-alert"' in page and "Calls are not being logged." in page


def test_the_call_log_downloads_as_csv_and_xlsx_with_its_filters(log):
    import csv
    import io

    from openpyxl import load_workbook

    r = log.get("/cdr?format=csv&direction=inbound&per_page=1")
    assert r.status == 200 and r.headers["Content-Type"].startswith("text/csv"), r
    assert 'filename="call-log.csv"' in r.headers["Content-Disposition"]
    table = list(csv.DictReader(io.StringIO(r.body.decode("utf-8-sig"))))
    # Every call the filters find, not one page, newest first as in the list.
    assert [row["id"] for row in table] == ids(log, "?direction=inbound")
    queue = next(row for row in table if row["id"] == "1796486412.7")
    assert (queue["from"], queue["answered_by"], queue["survey"], queue["talk_seconds"]) == \
        ("provider", "8003", "4", "2.013")
    r = log.get("/cdr?format=xlsx&sort=start")
    assert r.headers["Content-Type"].startswith("application/vnd.openxmlformats"), r
    sheet = load_workbook(io.BytesIO(r.body), read_only=True).active
    rows = list(sheet.values)
    assert rows[0][:5] == ("id", "start", "answer", "end", "direction")
    assert [row[0] for row in rows[1:]] == ids(log, "?sort=start")
    al = signed_in(log, "al", "agent", "8001")
    mine = list(csv.DictReader(io.StringIO(al.get("/cdr?format=csv").body.decode("utf-8-sig"))))
    assert {row["id"] for row in mine} == set(ids(al, ""))


@pytest.mark.parametrize("query, field", [
    ("?format=pdf", "format"), ("?format=csv&direction=sideways", "direction"),
    ("?format=xlsx&columns=id", "columns"), ("?format=csv%27;--", "format"),
])
def test_a_bad_download_is_a_422(log, query, field):
    r = log.get("/cdr" + query)
    assert (r.status, r.json["field"]) == (422, field), r


def test_pages_past_the_middle_are_the_same_read_from_the_other_end(log):
    for sort in ("-start", "start", "talk_seconds", "-from", "outcome"):
        whole = ids(log, f"?sort={sort}&per_page=500")
        for per_page in (1, 2, 4):
            paged = []
            for page in range(1, len(whole) // per_page + 2):
                paged += ids(log, f"?sort={sort}&per_page={per_page}&page={page}")
            assert paged == whole, (sort, per_page)
