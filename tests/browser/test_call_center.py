"""The call-center pages in a real browser against a real box, with real phones: the agent's
screen pop while their phone still rings and the notes written meanwhile kept with the
call; a supervisor's wallboard following a waiting caller and ringing the supervisor's
phone to listen in; a recorded call played in the history page; every call-center page
at a laptop's and a phone's width.

Phones handle SIP only while the test waits on them (tests/phones.py), so while a call
is up the test waits on the page inside the phones' wait (`seen`), never in Playwright alone.
"""

from __future__ import annotations

import json
import re
import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pjsua2 as pj
import pytest
from playwright.sync_api import expect

from tests.audio import write_tone
from tests.browser.conftest import desk_phones, screenshot, sign_in

PASSWORD = "Call-Center-Admin-Pass-8"
AGENT_PASSWORD = "Agent-Desk-Pass-77"
SUPERVISOR_PASSWORD = "Super-Visor-Pass-77"
AGENT, CALLER, SUPERVISOR = "8001", "8002", "8009"
CUSTOMER = "Zhang Wei"


@pytest.fixture(scope="module")
def api(box):
    from tests.api import Api

    return Api(box.url).sign_in(PASSWORD)


@pytest.fixture(scope="module")
def center(api):
    """Queue 600 with one agent who logs in; a caller the customers know; a supervisor."""
    for number, name in ((AGENT, "Alice"), (CALLER, "Front desk"), (SUPERVISOR, "Sue")):
        assert api.post("/extensions", {"number": number, "name": name}).status == 201
    for body in ({"username": "alice", "password": AGENT_PASSWORD, "role": "agent", "extension": AGENT},
                 {"username": "sue", "password": SUPERVISOR_PASSWORD, "role": "supervisor", "extension": SUPERVISOR}):
        assert api.post("/users", body).status == 201
    # An extension calling has its number as caller ID: the customer's second number is that.
    r = api.post("/customers", {"name": CUSTOMER, "company": "Shenzhen Widgets", "level": "VIP",
                                "numbers": ["0755-1234567", CALLER]})
    assert r.status == 201, r
    r = api.post("/queues", {"number": "600", "name": "Support", "strategy": "ringall", "ring_timeout": 60,
                             "members": [{"extension": AGENT, "dynamic": True}]})
    assert r.status == 201, r


@contextmanager
def crm(address: str, answer: dict):
    """The business's CRM on the host's end of the box's link: it answers every lookup with `answer`."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            body = json.dumps(answer).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer((address, 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{address}:{server.server_address[1]}/lookup"
    finally:
        server.shutdown()
        server.server_close()


def seen(phones, page, script: str, what: str, timeout: float = 15):
    """Wait until `script` (a JavaScript expression) is true in the page, the phones working meanwhile."""
    stack = next(iter(phones.values())).stack
    stack.wait(lambda: page.evaluate(script), timeout, what)


def text_of(selector: str) -> str:
    return f"(document.querySelector({selector!r}) || {{}}).textContent || ''"


def test_screen_pop_shows_the_customer_while_the_agent_phone_rings(new_page, api, box, center, tmp_path):
    page = sign_in(new_page(), "alice", AGENT_PASSWORD)
    expect(page).to_have_url(re.compile(r"/agent$"))
    expect(page.locator("#agent-heading")).to_have_text(f"Extension {AGENT}")
    expect(page.locator("#agent-state")).to_have_text("Logged out")
    page.click("#login")
    expect(page.locator("#agent-state")).to_have_text("Available")
    assert api.get(f"/agents/{AGENT}").json["queues"] == ["600"]

    untrusted = "<img src=x onerror=alert(1)>"
    with crm(box.host_ip, {"account": "A-1001", "open_tickets": 2, "note": untrusted}) as url, \
            desk_phones(box, api, tmp_path, AGENT, CALLER) as phones:
        assert api.patch("/settings", {"customer_lookup_url": url, "customer_lookup_timeout_ms": 2000}).status == 200
        agent = phones[AGENT]
        caller = phones[CALLER].call("600")
        seen(phones, page, f"{text_of('#pop .pop-name')} === {CUSTOMER!r}", "the caller's record on the desk")
        # The record is on the desk while the agent's phone rings unanswered. The page can
        # show it a moment before the phone has taken the INVITE in: the phone is waited on.
        ringing = agent.wait_incoming()
        assert len(agent.incoming) == 1
        assert ringing.getInfo().state in (pj.PJSIP_INV_STATE_INCOMING, pj.PJSIP_INV_STATE_EARLY)
        expect(page.locator("#pop-state")).to_have_text("Ringing")
        expect(page.locator("#pop-record")).to_contain_text("Shenzhen Widgets")
        expect(page.locator("#pop-record")).to_contain_text("VIP")
        expect(page.locator("#contact-form")).to_be_hidden()
        callid = page.locator("#pop").get_attribute("data-call")
        # The CRM's answer beside our record, as text: its markup is shown, never run.
        seen(phones, page, f"{text_of('#pop-external')}.includes('A-1001')", "the CRM's answer on the desk")
        external = page.locator("#pop-external-rows")
        expect(external.locator("tr", has_text="open_tickets")).to_contain_text("2")
        expect(external.locator("tr", has_text="note").locator("td")).to_have_text(untrusted)
        expect(external.locator("img")).to_have_count(0)
        screenshot(page, "agent-screen-pop")

        # Notes typed while it rings are saved by themselves, a moment after typing stops.
        page.fill("#notes", "Asks for the May invoice again.")
        seen(phones, page, "document.getElementById('notes-state').dataset.state === 'saved'", "the notes saved")
        ringing.answer_call()
        ringing.wait_confirmed()
        caller.wait_confirmed()
        seen(phones, page, f"{text_of('#pop-state')} === 'Connected'", "the desk to show the call connected")
        expect(page.locator("#agent-state")).to_have_text("On a call")
        page.fill("#notes", "Asks for the May invoice again. Sent it by e-mail.")
        page.click("#notes-save")
        seen(phones, page, f"{text_of('#notes-state')} === 'Saved'", "the notes saved with the button")
        ringing.hangup_call()
        caller.wait_disconnected()
        seen(phones, page, f"{text_of('#pop-state')} === 'Ended'", "the desk to show the call ended")
    assert api.patch("/settings", {"customer_lookup_url": ""}).status == 200

    assert api.get(f"/calls/{callid}/notes").json == {
        "call": callid, "notes": "Asks for the May invoice again. Sent it by e-mail.", "author": "alice"}
    row = wait_for_call(api, callid, lambda c: c["outcome"] == "answered" and c["talk"] is not None)
    assert (row["agent"], row["customer"], row["notes"]) == (AGENT, CUSTOMER, "Asks for the May invoice again. "
                                                                               "Sent it by e-mail.")
    # Today's figures on the desk follow.
    expect(page.locator("#call-rows tr[data-call]")).to_have_count(1)
    expect(page.locator("#today-calls")).to_have_text("1")


def wait_for_call(api, callid: str, done, timeout: float = 15) -> dict:
    """The call's row in the history once `done(row)` holds (the history follows Asterisk's queue_log)."""
    deadline = time.monotonic() + timeout
    while True:
        row = next((c for c in api.get("/history?queue=600&per_page=20").json["items"] if c["id"] == callid), None)
        if row is not None and done(row):
            return row
        assert time.monotonic() < deadline, f"call {callid} in the history: {row}"
        time.sleep(0.2)


def test_wallboard_follows_a_waiting_caller_and_rings_the_supervisor_to_listen(new_page, api, box, center, tmp_path):
    api.post(f"/agents/{AGENT}/login")  # in already if the screen-pop test ran
    page = sign_in(new_page(), "sue", SUPERVISOR_PASSWORD)
    page.goto("/wallboard")
    card = page.locator(".queue-card[data-queue='600']")
    expect(card).to_contain_text("600 · Support")
    agent_row = page.locator(f"#agent-rows tr[data-agent='{AGENT}']")
    expect(agent_row).to_contain_text("Alice")
    expect(page.locator("#spy-phone")).to_have_value(SUPERVISOR)  # the supervisor's own phone, by default

    # Pause the agent from the wallboard, with a reason.
    agent_row.get_by_role("button", name="Pause…").click()
    page.locator("#pause-reason").select_option("Lunch")
    page.locator("#pause-form button[type=submit]").click()
    expect(agent_row.locator(".state-badge")).to_have_text("Paused · Lunch")

    with desk_phones(box, api, tmp_path, AGENT, CALLER, SUPERVISOR) as phones:
        caller = phones[CALLER].call("600")
        waiting = "document.querySelector(\".queue-card[data-queue='600'] .callers li .wait\")"
        seen(phones, page, f"{waiting} !== null", "the caller waiting on the wallboard")
        expect(card.locator(".callers li")).to_contain_text(CALLER)
        expect(card.locator(".tag")).to_have_text("1 waiting")
        first = page.evaluate(f"{waiting}.textContent")
        seen(phones, page, f"{waiting}.textContent !== {first!r}", "the wait to tick")
        screenshot(page, "wallboard-waiting")

        agent_row.get_by_role("button", name="Unpause").click()
        ringing = phones[AGENT].wait_incoming(timeout=15)
        ringing.answer_call()
        ringing.wait_confirmed()
        caller.wait_confirmed()
        call_row = f"#call-rows tr[data-agent='{AGENT}']"
        seen(phones, page, f"{text_of(call_row)}.includes('On a call')", "the call on the wallboard")
        seen(phones, page, f"{waiting} === null", "nobody waiting any more")
        page.locator(call_row).get_by_role("button", name="Listen").click()
        spy = phones[SUPERVISOR].wait_incoming(timeout=10)  # the supervisor's phone rings to listen in
        expect(page.locator("#toast")).to_contain_text(f"your phone {SUPERVISOR} is ringing")
        spy.answer_call()
        spy.wait_confirmed()
        screenshot(page, "wallboard-call")
        spy.hangup_call()
        caller.hangup_call()
        ringing.wait_disconnected()
        seen(phones, page, f"document.querySelector({call_row!r}) === null", "the call gone from the wallboard")
        seen(phones, page, "Number(document.querySelector(\".queue-card[data-queue='600'] "
                           "[data-figure=answered] .figure-value\").textContent) >= 1", "today's answered calls")


def answered_with_talk(phones, workdir):
    """The caller rings queue 600, the agent answers, and the caller talks four seconds."""
    caller = phones[CALLER].call("600")
    ringing = phones[AGENT].wait_incoming(timeout=15)
    ringing.answer_call()
    ringing.wait_confirmed()
    caller.wait_confirmed()
    caller.play(write_tone(workdir / "talk.wav", 700, 4.0))
    return caller, ringing


def test_a_recorded_call_plays_in_the_history_page(new_page, api, box, center, tmp_path):
    assert api.patch("/queues/600", {"recording": "always"}).status == 200
    api.post(f"/agents/{AGENT}/login")
    api.post(f"/agents/{AGENT}/unpause")
    with desk_phones(box, api, tmp_path, AGENT, CALLER) as phones:
        caller, ringing = answered_with_talk(phones, tmp_path)
        phones[CALLER].stack.wait(caller.played, 10, "four seconds of talk")
        ringing.hangup_call()
        caller.wait_disconnected()
    newest = api.get("/history?queue=600&per_page=1").json["items"][0]
    row = wait_for_call(api, newest["id"], lambda c: c["talk"] is not None and c["recording_available"])

    page = sign_in(new_page(), "admin", PASSWORD)
    page.goto("/history")
    tr = page.locator(f"#rows tr[data-call='{row['id']}']")
    expect(tr).to_contain_text(CUSTOMER)
    expect(tr).to_contain_text("Answered")
    expect(tr.locator("audio")).to_have_count(1)
    screenshot(page, "history")
    played = page.evaluate("""async (id) => {
        const audio = document.querySelector(`#rows tr[data-call="${CSS.escape(id)}"] audio`);
        audio.muted = true;  // headless Chromium plays without a user's gesture only when muted
        await new Promise((resolve, reject) => {
            audio.addEventListener("loadedmetadata", resolve, {once: true});
            audio.addEventListener("error", () => reject(new Error("media error " + audio.error.code)), {once: true});
            audio.load();
        });
        await audio.play();
        return {duration: audio.duration, src: audio.currentSrc};
    }""", row["id"])
    assert played["duration"] > 0 and abs(played["duration"] - row["talk"]) <= 1.5, (played, row["talk"])
    page.wait_for_function("""(id) => {
        const audio = document.querySelector(`#rows tr[data-call="${CSS.escape(id)}"] audio`);
        return audio.currentTime > 0.5 && !audio.paused;
    }""", arg=row["id"], timeout=10_000)
    assert page.evaluate("""(id) => document.querySelector(`#rows tr[data-call="${CSS.escape(id)}"] audio`).error""",
                         row["id"]) is None
    download = page.request.get(tr.get_by_role("link", name="Download").get_attribute("href"))
    assert download.status == 200 and download.headers["content-type"].startswith("audio/wav")
    assert download.body()[:4] == b"RIFF" and "attachment" in download.headers["content-disposition"]

def test_recent_calls_on_the_agent_desk_and_the_extension_dialog(new_page, api, box, center, tmp_path):
    """The agent's extension takes one call from 8002 and lets the next ring out: the desk and the
    extension's dialog list them, newest first, as in and missed."""
    with desk_phones(box, api, tmp_path, AGENT, CALLER) as phones:
        call = phones[CALLER].call(AGENT)
        ringing = phones[AGENT].wait_incoming(timeout=10)
        ringing.answer_call()
        call.wait_confirmed()
        call.hangup_call()
        ringing.wait_disconnected(timeout=10)
        call = phones[CALLER].call(AGENT)
        ringing = phones[AGENT].wait_incoming(timeout=10)
        call.hangup_call()
        ringing.wait_disconnected(timeout=10)
    deadline = time.monotonic() + 15
    while [c["kind"] for c in api.get(f"/extensions/{AGENT}/calls?limit=2").json["items"]] != ["missed", "in"]:
        assert time.monotonic() < deadline, api.get(f"/extensions/{AGENT}/calls").json
        time.sleep(0.2)

    page = sign_in(new_page(), "alice", AGENT_PASSWORD)
    rows = page.locator("#recent-rows tr")
    expect(rows.nth(0)).to_have_attribute("data-kind", "missed")
    expect(rows.nth(0)).to_contain_text(f"Missed{CALLER}")
    expect(rows.nth(1)).to_have_attribute("data-kind", "in")
    screenshot(page, "agent-recent-calls")

    staff = sign_in(new_page(), "admin", PASSWORD)
    staff.goto(f"/extensions?q={AGENT}")
    staff.click(f"#ext-rows tr[data-number='{AGENT}'] button.link")
    rows = staff.locator("#ext-dialog #recent-rows tr")
    expect(rows.nth(0)).to_contain_text(f"Missed{CALLER}")
    expect(rows.nth(1)).to_contain_text(f"In{CALLER}")



def test_a_ticket_made_from_the_screen_pop_holds_the_call_and_its_recording(new_page, api, box, center, tmp_path):
    """During a recorded queue call the agent makes a ticket from the screen pop: it holds the
    caller's number and the call, whose record (once written) has the same id and whose
    recording plays on the ticket's page."""
    assert api.patch("/queues/600", {"recording": "always"}).status == 200
    water = api.post("/departments", {"name": "Water Bureau", "email": "water@example.org"}).json
    supply = api.post("/ticket-categories", {"name": "Water supply", "time_limit_hours": 24,
                                             "department": water["id"]}).json
    earlier = api.post("/tickets", {"kind": "consultation", "summary": "Opening hours", "caller": CALLER}).json
    api.post(f"/agents/{AGENT}/login")
    api.post(f"/agents/{AGENT}/unpause")
    page = sign_in(new_page(), "alice", AGENT_PASSWORD)
    expect(page).to_have_url(re.compile(r"/agent$"))
    with desk_phones(box, api, tmp_path, AGENT, CALLER) as phones:
        caller, ringing = answered_with_talk(phones, tmp_path)
        seen(phones, page, f"{text_of('#pop-state')} === 'Connected'", "the desk to show the call connected")
        seen(phones, page, "document.querySelectorAll('#pop-tickets tr').length === 1", "the caller's earlier ticket")
        expect(page.locator("#pop-tickets")).to_contain_text(earlier["number"])
        callid = page.locator("#pop").get_attribute("data-call")
        page.click("#pop-ticket")
        seen(phones, page, "document.querySelectorAll('#ticket-form select[name=category] option').length > 1",
             "the new-ticket dialog with the categories")
        expect(page.locator("#ticket-form input[name=caller]")).to_have_value(CALLER)
        page.select_option("#ticket-form select[name=kind]", "complaint")
        page.select_option("#ticket-form select[name=category]", str(supply["id"]))
        page.fill("#ticket-form input[name=summary]", "No water since Monday")
        page.fill("#ticket-form textarea[name=details]", "Building 3, all floors.")
        page.click("#ticket-form button[type=submit]")
        seen(phones, page, "!document.getElementById('pop-ticket-made').hidden", "the ticket made from the pop")
        seen(phones, page, "document.querySelectorAll('#pop-tickets tr').length === 2", "both in the caller's tickets")
        screenshot(page, "agent-ticket-from-pop")
        phones[CALLER].stack.wait(caller.played, 10, "four seconds of talk")
        ringing.hangup_call()
        caller.wait_disconnected()

    found = api.get("/tickets?q=No+water+since+Monday").json
    assert found["total"] == 1, found
    ticket = found["items"][0]
    assert page.locator("#pop-ticket-made").text_content() == f"Ticket {ticket['number']} created."
    assert (ticket["call_id"], ticket["caller"], ticket["customer_name"]) == (callid, CALLER, CUSTOMER)
    assert (ticket["department_name"], ticket["status"], ticket["created_by"]) == ("Water Bureau", "dispatched", "alice")
    assert ticket["deadline"] is not None and ticket["channel"] == "phone"
    # The call's record, once written, is the ticket's call; its recording is the ticket's.
    deadline = time.monotonic() + 20
    while True:
        record = api.get(f"/cdr/{callid}")
        shown = api.get(f"/tickets/{ticket['number']}").json
        if record.status == 200 and shown["recording"]:
            break
        assert time.monotonic() < deadline, (record, shown)
        time.sleep(0.2)
    assert record.json["id"] == ticket["call_id"] and record.json["recording"] == shown["recording"]

    staff = sign_in(new_page(), "admin", PASSWORD)
    staff.goto(f"/tickets/{ticket['number']}")
    expect(staff.locator("#fact-department")).to_have_text("Water Bureau")
    expect(staff.locator("#history tr[data-field='created']")).to_contain_text("alice")
    duration = staff.evaluate("""async () => {
        const audio = document.querySelector("#call audio");
        audio.muted = true;
        await new Promise((resolve, reject) => {
            audio.addEventListener("loadedmetadata", resolve, {once: true});
            audio.addEventListener("error", () => reject(new Error("media error " + audio.error.code)), {once: true});
            audio.load();
        });
        return audio.duration;
    }""")
    assert duration > 2, duration
    screenshot(staff, "ticket-page")
    staff.goto("/tickets")
    expect(staff.locator(f"#rows tr[data-number='{ticket['number']}']")).to_contain_text("No water since Monday")
    screenshot(staff, "tickets")
    staff.goto("/ticket-setup")
    expect(staff.locator(f"#cat-rows tr[data-key='{supply['id']}']")).to_contain_text("Water Bureau")


@pytest.mark.parametrize("width", [1366, 390])
def test_every_call_center_page_fits_the_screen(new_page, api, center, width):
    page = sign_in(new_page(), "admin", PASSWORD)
    page.set_viewport_size({"width": width, "height": 860})
    for path, ready in (("/agent?ext=" + AGENT, "#agent-state .state-badge"), ("/wallboard", ".queue-card"),
                        ("/queues", "#rows tr"), ("/customers", "#rows tr"), ("/history", "#rows tr"),
                        ("/music", "#default-used"), ("/callcenter-settings", "#rows tr"), ("/", "#box-status"),
                        ("/tickets", "#filter"), ("/ticket-setup", "#dep-add")):
        page.goto(path)
        expect(page.locator(ready).first).to_be_visible()
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{path} is {overflow} px wider than a {width} px screen"
        screenshot(page, f"cc-{width}{path.split('?')[0].replace('/', '-') or '-dashboard'}")
    # The queue's form, every setting in it, fits too.
    page.goto("/queues")
    page.locator("#rows tr[data-key='600']").get_by_role("button", name="Edit").click()
    expect(page.locator("#edit-dialog select[name=strategy]")).to_have_value("ringall")
    assert page.evaluate("document.querySelector('#edit-dialog').scrollWidth <= window.innerWidth")
    screenshot(page, f"cc-{width}-queue-form")


def test_the_website_callback_button_on_the_demo_page(new_page, api, box, center, tmp_path):
    """Set up on the settings page (this box's own address allowed, queue 610 offered with a
    topic); on the demo page a visitor leaves a number; the queue's agent (8002) answers the
    callback first, then the visitor's phone (a provider behind a trunk) rings."""
    import subprocess

    r = api.post("/queues", {"number": "610", "name": "Web", "strategy": "ringall", "members": [{"extension": CALLER}]})
    assert r.status == 201, r
    ip = box.host_ip.rsplit(".", 1)[0] + ".9"
    dev = box.state()["host_if"]
    subprocess.run(["ip", "addr", "add", f"{ip}/24", "dev", dev], check=True)
    try:
        trunk = api.post("/trunks", {"name": "Provider", "host": ip, "port": 5090}).json
        r = api.post("/outbound-routes", {"name": "Out", "trunks": [trunk["id"]],
                                          "patterns": [{"pattern": "_0X.", "strip": 0, "reach": "national"}]})
        assert r.status == 201, r
        page = sign_in(new_page(), "admin", PASSWORD)
        page.goto("/webcall-settings")
        form = page.locator("#webcall-form")
        expect(form.locator("input[name=queue][value='610']")).to_have_count(1)
        form.locator("input[name=enabled]").check()
        form.locator("textarea[name=origins]").fill(box.url.rstrip("/"))
        form.locator("input[name=queue][value='610']").check()
        form.locator("textarea[name=topics]").fill("Support = 610")
        form.locator("button[type=submit]").click()
        expect(page.locator("#toast")).to_contain_text("saved")
        assert api.get("/webcall/settings").json["topics"] == [{"name": "Support", "queue": "610"}]
        screenshot(page, "webcall-settings")

        page.goto("/webcall/demo")
        demo = page.locator("form.callbox-webcall")
        expect(demo.locator("select[name=topic] option")).to_have_text(["Support"])
        with desk_phones(box, api, tmp_path, CALLER) as phones:
            provider = phones[CALLER].stack.provider(ip, 5090)
            demo.locator("input[name=number]").fill("0755 1234 567")
            demo.locator("button[type=submit]").click()
            expect(demo).to_have_attribute("data-state", "queued", timeout=30_000)
            expect(demo.locator(".callbox-webcall-status")).to_contain_text("number 1 in line")
            screenshot(page, "webcall-demo")
            agent = phones[CALLER].wait_incoming(timeout=15)
            agent.answer_call()
            agent.wait_confirmed()
            visitor = provider.wait_incoming(timeout=15)
            assert "sip:07551234567@" in visitor.getInfo().localUri, visitor.getInfo().localUri
            visitor.answer_call()
            visitor.wait_confirmed()
            agent.hangup_call()
            visitor.wait_disconnected(timeout=10)
    finally:
        subprocess.run(["ip", "addr", "del", f"{ip}/24", "dev", dev], check=False)
