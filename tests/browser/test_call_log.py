"""The Call log page in a real browser against a real box, with real phones: a recorded call
between two desks is listed with its path, who answered and its outcome, its recording plays
in the page, its details show its channels; the filters narrow the list the way the API does;
an agent sees their own calls, in Chinese.

Phones handle SIP only while the test waits on them (tests/phones.py): calls are made and
ended before the browser looks.
"""

from __future__ import annotations

import time

import pjsua2 as pj
import pytest
from playwright.sync_api import expect

from tests.audio import write_tone
from tests.browser.conftest import desk_phones, screenshot, sign_in
from tests.browser.test_call_center import seen, text_of
from tests.integration.test_webcall import desk_calls_desk

PASSWORD = "Call-Log-Admin-Pass-8"
AGENT_PASSWORD = "Call-Log-Agent-Pass-8"


@pytest.fixture(scope="module")
def api(box):
    from tests.api import Api

    return Api(box.url).sign_in(PASSWORD)


@pytest.fixture(scope="module")
def calls(api, box, tmp_path_factory):
    """A recorded call 8001 -> 8002, answered, and a call 8003 -> 8002 refused busy; their ids."""
    for number in ("8001", "8002", "8003"):
        body = {"number": number, "name": f"Desk {number}"}
        if number == "8002":
            body.update(recording="always", voicemail_enabled=False)
        assert api.post("/extensions", body).status == 201
    assert api.post("/users", {"username": "alice", "password": AGENT_PASSWORD, "role": "agent",
                               "extension": "8003", "language": "zh"}).status == 201
    workdir = tmp_path_factory.mktemp("sip")
    before = {c["id"] for c in api.get("/cdr").json["items"]}
    with desk_phones(box, api, workdir, "8001", "8002", "8003") as phones:
        call = phones["8001"].call("8002")
        ringing = phones["8002"].wait_incoming(timeout=10)
        ringing.answer_call()
        ringing.wait_confirmed()
        call.wait_confirmed()
        call.play(write_tone(workdir / "talk.wav", 700, 3.0))
        phones["8001"].stack.wait(call.played, 10, "three seconds of talk")
        call.hangup_call()
        ringing.wait_disconnected()
        busy = phones["8003"].call("8002")
        ringing = phones["8002"].wait_incoming(timeout=10)
        refuse = pj.CallOpParam()
        refuse.statusCode = 486
        ringing.hangup(refuse)
        busy.wait_disconnected()
    deadline = time.monotonic() + 15
    while True:
        items = [c for c in api.get("/cdr").json["items"] if c["id"] not in before]
        if len(items) == 2 and any(c["recording"] for c in items):
            break
        assert time.monotonic() < deadline, items
        time.sleep(0.2)
    answered = next(c for c in items if c["outcome"] == "answered")
    refused = next(c for c in items if c["outcome"] == "busy")
    return answered, refused


def test_a_recorded_call_is_listed_plays_and_opens(new_page, api, calls):
    answered, refused = calls
    page = sign_in(new_page(), "admin", PASSWORD)
    page.goto("/call-log")
    tr = page.locator(f"#rows tr[data-call='{answered['id']}']")
    expect(tr).to_contain_text("Internal")
    expect(tr).to_contain_text("Desk 8001")
    expect(tr).to_contain_text("Extension 8002")
    expect(tr).to_contain_text("Answered")
    expect(tr.locator("audio")).to_have_count(1)
    expect(page.locator(f"#rows tr[data-call='{refused['id']}']")).to_contain_text("Busy")
    screenshot(page, "call-log")
    played = page.evaluate("""async (id) => {
        const audio = document.querySelector(`#rows tr[data-call="${CSS.escape(id)}"] audio`);
        audio.muted = true;  // headless Chromium plays without a user's gesture only when muted
        await new Promise((resolve, reject) => {
            audio.addEventListener("loadedmetadata", resolve, {once: true});
            audio.addEventListener("error", () => reject(new Error("media error " + audio.error.code)), {once: true});
            audio.load();
        });
        await audio.play();
        return {duration: audio.duration};
    }""", answered["id"])
    assert abs(played["duration"] - answered["talk_seconds"]) <= 1.5, (played, answered)

    tr.get_by_role("button", name="Details").click()
    dialog = page.locator("#call-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.locator("#call-legs tr")).to_have_count(2)
    expect(dialog.locator("#call-path li")).to_have_text(["Extension 8002"])
    expect(dialog.locator("#call-recording audio")).to_have_count(1)
    expect(dialog.locator("#call-facts")).to_contain_text("8002")
    screenshot(page, "call-log-detail")
    dialog.get_by_role("button", name="Close").click()

    # Filters: the page asks the API and shows what it answers.
    page.select_option("select[name=outcome]", "busy")
    page.click("#filter button[type=submit]")
    expect(page.locator("#rows tr")).to_have_count(1)
    expect(page.locator("#rows tr")).to_have_attribute("data-call", refused["id"])
    page.fill("input[name=number]", "no digits")
    page.click("#filter button[type=submit]")
    expect(page.locator("[data-error-for=number]")).to_be_visible()


def test_an_agent_sees_their_own_calls_in_chinese(new_page, calls):
    answered, refused = calls
    page = sign_in(new_page(), "alice", AGENT_PASSWORD)  # her language is Chinese
    page.goto("/call-log")
    expect(page.locator("h1")).to_have_text("呼叫记录")
    expect(page.locator("#rows tr")).to_have_count(1)
    tr = page.locator(f"#rows tr[data-call='{refused['id']}']")
    expect(tr).to_contain_text("忙")
    expect(tr).to_contain_text("内部")
    expect(page.locator("input[name=extension]")).to_have_count(0)
    screenshot(page, "call-log-agent-zh")


def test_numbers_are_called_with_one_click(new_page, api, box, calls, tmp_path):
    """Click-to-call (the one widget every page uses): alice's desk phone (8003) rings showing the
    number she clicked in the call log, and once she answers, 8002 rings. A customer's number
    carries the same button."""
    answered, refused = calls
    assert api.post("/customers", {"name": "Wang Fang", "numbers": ["138 0013 8000"]}).status == 201
    page = sign_in(new_page(), "alice", AGENT_PASSWORD)
    page.goto("/customers")
    expect(page.locator(".call-button[data-number='13800138000']")).to_have_count(1)
    page.goto("/call-log")
    tr = page.locator(f"#rows tr[data-call='{refused['id']}']")
    expect(tr.locator(".call-button")).to_have_count(1)  # 8002's; none for her own 8003
    with desk_phones(box, api, tmp_path, "8002", "8003") as phones:
        tr.locator(".call-button[data-number='8002']").click()
        # What happens is said by the button, from the box's events: her phone rings, then 8002 answers.
        status = text_of(f"#rows tr[data-call='{refused['id']}'] .c2c-status")
        seen(phones, page, f"{status}.includes('8003') && {status}.includes('正在响铃')", "her phone said ringing")
        # Said while they talk: once the call is over the list shows it afresh.
        desk_calls_desk(phones["8003"], phones["8002"],
                        talking=lambda: seen(phones, page, f"{status} === '已与 8002 接通。'", "the call said connected"))
    screenshot(page, "click-to-call")


def test_the_reports_page_draws_its_charts_from_the_api_and_downloads(new_page, api, calls):
    import csv
    import io

    from openpyxl import load_workbook

    page = sign_in(new_page(), "admin", PASSWORD)
    page.goto("/reports")
    expect(page.locator("body[data-report]")).to_have_count(1)
    name, first, last, by = page.locator("body").get_attribute("data-report").split()
    assert (name, by) == ("traffic", "day")
    doc = api.get(f"/reports/traffic?from={first}&to={last}&by=day").json
    assert doc["totals"]["internal"] >= 2  # the answered call and the busy one

    def chart(canvas):
        return page.evaluate(f"Chart.getChart(document.getElementById('{canvas}')).data")

    kinds = ("inbound", "outbound", "internal")
    assert chart("chart-types")["datasets"][0]["data"] == [doc["totals"][k] for k in kinds]
    assert chart("chart-outcomes")["datasets"][0]["data"] == [doc["totals"]["answered"], doc["totals"]["lost"]]
    bars = chart("chart-periods")
    assert bars["labels"] == [r["period"] for r in doc["rows"]]
    assert [d["data"] for d in bars["datasets"]] == [[r[k] for r in doc["rows"]] for k in kinds]
    trend = chart("chart-trend")
    months = api.get(f"/reports/traffic?from={trend['labels'][0]}-01&to={last}&by=month").json
    assert len(trend["labels"]) == 12 and trend["labels"] == [r["period"] for r in months["rows"]]
    assert trend["datasets"][0]["data"] == [r["offered"] for r in months["rows"]]
    expect(page.locator("#rows tr")).to_have_count(len(doc["rows"]))
    expect(page.locator("#definitions")).to_contain_text("呼损率")
    screenshot(page, "reports")

    with page.expect_download() as download:
        page.click("#export-csv")
    table = list(csv.DictReader(io.StringIO(open(download.value.path(), encoding="utf-8-sig").read())))
    assert [row["period"] for row in table] == [r["period"] for r in doc["rows"]] + ["total"]
    assert int(table[-1]["internal"]) == doc["totals"]["internal"]
    with page.expect_download() as download:
        page.click("#export-xlsx")
    assert download.value.suggested_filename == f"traffic-{first}-{last}-day.xlsx"
    sheet = list(load_workbook(io.BytesIO(download.value.path().read_bytes()), read_only=True).active.values)
    assert sheet[-1][0] == "total" and sheet[-1][sheet[0].index("internal")] == doc["totals"]["internal"]

    page.select_option("select[name=report]", "extensions")
    page.click("#report-form button[type=submit]")
    expect(page.locator("#head")).to_contain_text("Busy hour load (Erlang)")
    expect(page.locator("#rows td[data-col=extension]").filter(has_text="8001")).not_to_have_count(0)
    page.fill("input[name=from]", "2026-13-01")
    page.click("#report-form button[type=submit]")
    expect(page.locator("[data-error-for=from]")).to_be_visible()

    # A report of more rows than a page (10 days by hour: 240) is read a page at a time.
    page.select_option("select[name=report]", "traffic")
    page.select_option("select[name=by]", "hour")
    page.fill("input[name=from]", "2026-11-01")
    page.fill("input[name=to]", "2026-11-10")
    page.click("#report-form button[type=submit]")
    hours = api.get("/reports/traffic?from=2026-11-01&to=2026-11-10&by=hour").json["rows"]
    assert len(hours) == 240
    expect(page.locator("#rows tr")).to_have_count(200)
    expect(page.locator("#page-info")).to_be_visible()
    expect(page.locator("#prev")).to_be_disabled()
    page.click("#next")
    expect(page.locator("#rows tr")).to_have_count(40)
    expect(page.locator("#rows tr").first.locator("td[data-col=period]")).to_have_text(hours[200]["period"])
    expect(page.locator("#next")).to_be_disabled()


def test_the_reports_page_in_chinese(new_page, api, calls):
    page = sign_in(new_page("zh-CN"), "alice", AGENT_PASSWORD)
    assert page.goto("/reports").status == 403  # agents have no reports
    assert api.post("/users", {"username": "wang", "password": AGENT_PASSWORD, "role": "supervisor",
                               "language": "zh"}).status == 201
    page = sign_in(new_page("zh-CN"), "wang", AGENT_PASSWORD)
    page.goto("/reports")
    expect(page.locator("h1")).to_have_text("统计报表")
    expect(page.locator("#head")).to_contain_text("呼损率 %")
    # The definitions too are in the reader's language, not the API's English.
    expect(page.locator("#definitions")).to_contain_text("始终未接通到人的呼入通话")
    expect(page.locator("#definitions")).not_to_contain_text("inbound calls that never reached a person")
    expect(page.locator("#export-xlsx")).to_have_text("下载 Excel")
