"""Tickets over the API: numbers, deadlines, a ticket's life, history, departments, the caller's lookup."""

from __future__ import annotations

import datetime as dt
import threading
from urllib.parse import urlencode

import pytest

from appliance.db.models import Ticket, TicketEvent
from appliance.reports.db import CallLeg, CallRecord, QueueCall, Recording, reports_db
from appliance.tickets import clock
from tests.api import Api
from tests.unit.test_web_session import make_user


@pytest.fixture
def box(admin):
    assert admin.patch("/settings", {"country_code": "86"}).status == 200
    yield admin
    clock.reset()


def q(path: str, params: dict) -> str:
    return f"{path}?{urlencode(params)}"


def department(api, name="Water Bureau", **body) -> dict:
    r = api.post("/departments", {"name": name, **body})
    assert r.status == 201, r
    return r.json


def category(api, name="Water supply", **body) -> dict:
    r = api.post("/ticket-categories", {"name": name, **body})
    assert r.status == 201, r
    return r.json


def ticket(api, **body) -> dict:
    r = api.post("/tickets", {"kind": "complaint", "summary": "No water since Monday", **body})
    assert r.status == 201, r
    return r.json


def signed_in(box, username: str, password: str) -> Api:
    other = Api(box.base[: -len("/api/v1")])
    r = other.post("/auth/login", {"username": username, "password": password})
    assert r.status == 200, r
    other.token = r.json["token"]
    return other


def department_user(box, username: str, department_id: int) -> Api:
    r = box.post("/users", {"username": username, "password": "Dept-Pass-12345", "role": "department",
                            "department": department_id})
    assert r.status == 201, r
    return signed_in(box, username, "Dept-Pass-12345")


# -- numbers and deadlines ------------------------------------------------------------

def test_numbers_count_up_within_the_year_of_the_box(box):
    year = dt.datetime.now(dt.timezone.utc).year
    first, second = ticket(box), ticket(box)
    assert (first["number"], second["number"]) == (f"{year}-000001", f"{year}-000002")
    assert first["status"] == "new" and first["deadline"] is None and first["channel"] == "phone"


def test_numbers_go_past_a_million_in_a_year(box):
    year = dt.datetime.now(dt.timezone.utc).year
    first = ticket(box)
    Ticket.update(number=f"{year}-999999").where(Ticket.number == first["number"]).execute()
    assert ticket(box)["number"] == f"{year}-1000000"
    assert ticket(box)["number"] == f"{year}-1000001"


def test_two_creates_at_once_never_get_the_same_number(box):
    numbers, errors = [], []

    def make():
        for _ in range(10):
            r = box.post("/tickets", {"kind": "report", "summary": "Street light out"})
            (numbers if r.status == 201 else errors).append(r.json.get("number") or r)

    threads = [threading.Thread(target=make) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors
    assert len(numbers) == 40 and len(set(numbers)) == 40
    assert Ticket.select().count() == 40


def test_the_deadline_comes_from_the_category_and_overdue_from_the_box_clock(box):
    water = category(box, time_limit_hours=24)
    t = ticket(box, category=water["id"])
    created = dt.datetime.fromisoformat(t["created_at"].rstrip("Z"))
    assert dt.datetime.fromisoformat(t["deadline"].rstrip("Z")) == created + dt.timedelta(hours=24)
    assert t["overdue"] is False and t["due_soon"] is False
    untimed = ticket(box, summary="A question")
    clock.move(dt.timedelta(hours=21))
    assert box.get(f"/tickets/{t['number']}").json["due_soon"] is True
    clock.move(dt.timedelta(hours=4))
    assert box.get(f"/tickets/{t['number']}").json["overdue"] is True
    late = box.get(q("/tickets", {"overdue": "1"})).json
    assert (late["total"], [x["number"] for x in late["items"]]) == (1, [t["number"]])
    # Late tickets come first on the list even though newer ones exist.
    assert [x["number"] for x in box.get("/tickets").json["items"]] == [t["number"], untimed["number"]]
    # An answered ticket is no longer late.
    assert box.patch(f"/tickets/{t['number']}", {"status": "answered"}).status == 200
    assert box.get(q("/tickets", {"overdue": "1"})).json["total"] == 0


def test_nearest_deadline_first_then_newest(box):
    slow, fast = category(box, "Noise", time_limit_hours=72), category(box, "Gas leak", time_limit_hours=2)
    plain = ticket(box, summary="plain")
    a = ticket(box, category=slow["id"])
    b = ticket(box, category=fast["id"])
    newest = ticket(box, summary="newest")
    assert [x["number"] for x in box.get("/tickets").json["items"]] == [
        b["number"], a["number"], newest["number"], plain["number"]]


def test_a_category_change_moves_the_deadline_from_the_creation_time(box):
    t = ticket(box)
    quick = category(box, "Quick", time_limit_hours=1)
    changed = box.patch(f"/tickets/{t['number']}", {"category": quick["id"]}).json
    created = dt.datetime.fromisoformat(t["created_at"].rstrip("Z"))
    assert dt.datetime.fromisoformat(changed["deadline"].rstrip("Z")) == created + dt.timedelta(hours=1)
    assert changed["category_path"] == "Quick"


# -- a ticket's life and its history ----------------------------------------------------

def test_status_changes_follow_a_tickets_life(box):
    water = department(box)
    t = ticket(box)
    n = t["number"]
    r = box.patch(f"/tickets/{n}", {"status": "reopened"})
    assert (r.status, r.json["field"]) == (422, "status")
    r = box.patch(f"/tickets/{n}", {"status": "dispatched"})  # nowhere to dispatch to
    assert (r.status, r.json["field"]) == (422, "status")
    assert box.post(f"/tickets/{n}/dispatch", {"department": water["id"]}).json["status"] == "dispatched"
    for status in ("in_progress", "answered", "closed", "reopened", "in_progress"):
        r = box.patch(f"/tickets/{n}", {"status": status})
        assert (r.status, r.json["status"]) == (200, status)
    assert box.patch(f"/tickets/{n}", {"status": "closed"}).status == 200
    for status in ("new", "in_progress", "answered", "dispatched", "finished"):
        r = box.patch(f"/tickets/{n}", {"status": status})
        assert (r.status, r.json["field"]) == (422, "status"), status
    r = box.post(f"/tickets/{n}/dispatch", {"department": water["id"]})
    assert (r.status, r.json["field"]) == (422, "department")
    assert box.get(f"/tickets/{n}").json["status"] == "closed"
    assert box.get(f"/tickets/{n}").json["next_statuses"] == ["reopened"]


def test_every_change_is_in_the_history_with_who_and_when(box):
    water, roads = department(box), department(box, "Roads Office")
    make_user("sam", "Super-Pass-1234", "supervisor")
    sam = signed_in(box, "sam", "Super-Pass-1234")
    t = ticket(box, department=water["id"], priority="high")
    n = t["number"]
    assert t["status"] == "dispatched" and t["department_name"] == "Water Bureau"
    assert sam.patch(f"/tickets/{n}", {"priority": "urgent", "assignee": "sam", "summary": "No water"}).status == 200
    assert sam.patch(f"/tickets/{n}", {"priority": "urgent"}).status == 200  # no change: no history row
    assert sam.post(f"/tickets/{n}/dispatch", {"department": roads["id"]}).status == 200
    history = box.get(f"/tickets/{n}/history").json["items"]
    assert [(h["actor"], h["field"], h["old"], h["new"]) for h in history] == [
        ("admin", "created", None, n),
        ("admin", "department", None, "Water Bureau"),
        ("sam", "summary", "No water since Monday", "No water"),
        ("sam", "priority", "high", "urgent"),
        ("sam", "assignee", None, "sam"),
        ("sam", "department", "Water Bureau", "Roads Office"),
    ]
    assert all(h["at"].endswith("Z") for h in history)
    assert TicketEvent.select().count() == 6
    c = sam.post(f"/tickets/{n}/comments", {"text": "Called the bureau.\r\nThey will send someone."})
    assert c.status == 201 and c.json["actor"] == "sam"
    assert [x["text"] for x in box.get(f"/tickets/{n}/comments").json["items"]] == [
        "Called the bureau.\nThey will send someone."]


# -- bad input --------------------------------------------------------------------------

@pytest.mark.parametrize("body, field", [
    ({"summary": "x"}, "kind"),
    ({"kind": "praise", "summary": "x"}, "kind"),
    ({"kind": "complaint"}, "summary"),
    ({"kind": "complaint", "summary": "two\nlines"}, "summary"),
    ({"kind": "complaint", "summary": "x", "category": 999}, "category"),
    ({"kind": "complaint", "summary": "x", "department": 999}, "department"),
    ({"kind": "complaint", "summary": "x", "call_id": "1700000000.99"}, "call_id"),
    ({"kind": "complaint", "summary": "x", "caller": "call me"}, "caller"),
    ({"kind": "complaint", "summary": "x", "priority": "asap"}, "priority"),
    ({"kind": "complaint", "summary": "x", "channel": "fax"}, "channel"),
    ({"kind": "complaint", "summary": "x", "status": "closed"}, "status"),
])
def test_bad_tickets_are_refused_naming_the_field_and_change_nothing(box, body, field):
    r = box.post("/tickets", body)
    assert (r.status, r.json["field"]) == (422, field), r
    assert Ticket.select().count() == 0 and TicketEvent.select().count() == 0


def test_unknown_tickets_departments_and_categories(box):
    assert box.get("/tickets/2026-999999").status == 404
    assert box.patch("/tickets/2026-999999", {"summary": "x"}).status == 404
    assert box.post("/tickets/2026-999999/comments", {"text": "x"}).status == 404
    assert box.get("/tickets/2026-999999/history").status == 404
    n = ticket(box)["number"]
    r = box.post(f"/tickets/{n}/dispatch", {"department": 42})
    assert (r.status, r.json["field"]) == (422, "department")
    r = box.patch(f"/tickets/{n}", {"category": 42})
    assert (r.status, r.json["field"]) == (422, "category")
    r = box.patch(f"/tickets/{n}", {"assignee": "nobody"})
    assert (r.status, r.json["field"]) == (422, "assignee")
    assert box.get(f"/tickets/{n}/history").json["items"][-1]["field"] == "created"


def test_kinds_are_the_boxs_setting(box):
    assert box.patch("/settings", {"ticket_kinds": ["complaint", "praise"]}).status == 200
    assert ticket(box, kind="praise")["kind"] == "praise"
    r = box.post("/tickets", {"kind": "report", "summary": "x"})
    assert (r.status, r.json["field"]) == (422, "kind")


# -- calls --------------------------------------------------------------------------------

def test_a_ticket_holds_the_live_call_and_later_its_record_and_recording(box, tmp_path):
    ami = box.box.pbx.ami
    ami.emit(Event="AgentConnect", Queue="600", Uniqueid="1700000000.5", CallerIDNum="13800138000",
             MemberName="8001", Channel="PJSIP/trunk-1", DestChannel="PJSIP/8001-2")
    t = ticket(box, call_id="1700000000.5", caller="13800138000")
    assert (t["call_id"], t["recording"]) == ("1700000000.5", None)
    wav = tmp_path / "call.wav"
    wav.write_bytes(b"RIFF")
    with reports_db.connection_context():
        CallRecord.create(id="1700000000.5", started=1.0, ended=9.0, direction="inbound", path="[]", wait=1.0,
                          talk=7.0, hold=0.0, transfers="[]", outcome="answered")
        CallLeg.create(uniqueid="1700000000.5", call_id="1700000000.5", channel="PJSIP/trunk-1", kind="trunk",
                       party="13800138000", started=1.0, ended=9.0)
        Recording.create(callid="1700000000.5", path=str(wav), started_at=1.0, on_demand=0)
    assert box.get(f"/tickets/{t['number']}").json["recording"] == "1700000000.5"
    # A department user hears the calls of their department's tickets, and no others.
    water = department(box)
    wang = department_user(box, "wang", water["id"])
    assert wang.get("/recordings/1700000000.5").status == 403
    assert box.post(f"/tickets/{t['number']}/dispatch", {"department": water["id"]}).status == 200
    r = wang.get("/recordings/1700000000.5")
    assert r.status == 200 and r.body == b"RIFF"
    # Once the call is over, its record is what a ticket links to.
    ami.emit(Event="AgentComplete", Queue="600", Uniqueid="1700000000.5", MemberName="8001")
    assert box.box.callcenter.live.call("1700000000.5") is None
    assert ticket(box, call_id="1700000000.5")["call_id"] == "1700000000.5"


def test_a_queue_call_just_ended_is_known_before_its_record_is_written(box):
    """The agent often writes the ticket after the caller hung up: the queue log has the call already."""
    with reports_db.connection_context():
        QueueCall.create(callid="1700000001.7", queue="600", caller="13800138000", entered_at=1.0,
                         outcome="answered", ring_attempts=1, memory=0)
    assert ticket(box, call_id="1700000001.7")["call_id"] == "1700000001.7"


def test_a_tickets_caller_is_matched_to_the_customer(box):
    c = box.post("/customers", {"name": "Li Na", "numbers": ["0755-1234567"]}).json
    t = ticket(box, caller="+86 755 1234567")
    assert (t["customer"], t["customer_name"]) == (c["id"], "Li Na")
    assert box.get(q("/tickets", {"q": "0755 1234567"})).json["total"] == 1


# -- the caller's lookup ----------------------------------------------------------------

def test_a_callers_number_written_any_way_finds_the_same_tickets_and_customer(box):
    """A mobile kept bare (13800138000) and a call presenting +86, 0086 or the trunk prefix are one caller:
    for the lookup, the screen pop's list (caller=), the search and the link to the customer."""
    bare = box.post("/customers", {"name": "Wang Fang", "numbers": ["13800138000"]}).json
    international = box.post("/customers", {"name": "Li Lei", "numbers": ["+86 139 0013 9000"]}).json
    mine = [ticket(box, caller="13800138000")["number"], ticket(box, caller="+8613800138000")["number"]]
    other = ticket(box, caller="13900139000")
    assert other["customer"] == international["id"]  # kept bare, the customer's number kept with +86
    for t in mine:
        assert box.get(f"/tickets/{t}").json["customer"] == bare["id"]
    for written in ("+8613800138000", "008613800138000", "013800138000", "+86 138 0013 8000", "13800138000"):
        for t in mine:
            r = box.get(q("/tickets/lookup", {"number": t, "caller": written}))
            assert (r.status, r.json.get("number")) == (200, t), (written, t)
        assert {x["number"] for x in box.get(q("/tickets", {"caller": written})).json["items"]} == set(mine), written
        assert {x["number"] for x in box.get(q("/tickets", {"q": written})).json["items"]} == set(mine), written
    assert box.get(q("/tickets/lookup", {"number": other["number"], "caller": "+8613800138000"})).status == 404
    assert [x["number"] for x in box.get(q("/tickets", {"caller": "+86 139 0013 9000"})).json["items"]] == \
        [other["number"]]
    r = box.get(q("/tickets", {"caller": "not a number"}))
    assert r.status == 422 and r.json["field"] == "caller"


def test_lookup_answers_only_the_tickets_own_caller(box):
    n = ticket(box, caller="0755-1234567", details="private details")["number"]
    r = box.get(q("/tickets/lookup", {"number": n, "caller": "+86 755 1234567"}))
    assert (r.status, r.json) == (200, {"number": n, "status": "new"})
    for params in ({"number": n, "caller": "13800138000"}, {"number": n}, {"number": "2026-999999",
                                                                         "caller": "0755-1234567"}):
        r = box.get(q("/tickets/lookup", params))
        assert r.status == 404 and "private" not in str(r.json)


# -- departments and their users ----------------------------------------------------------

def test_department_users_see_and_work_their_departments_tickets_only(box):
    water, roads = department(box, email="water@example.org", phone="12345"), department(box, "Roads Office")
    ours = ticket(box, department=water["id"])
    theirs = ticket(box, department=roads["id"], summary="Pothole")
    loose = ticket(box, summary="Not dispatched")
    wang = department_user(box, "wang", water["id"])
    listed = wang.get("/tickets").json
    assert (listed["total"], [t["number"] for t in listed["items"]]) == (1, [ours["number"]])
    assert wang.get(q("/tickets", {"department": roads["id"]})).json["total"] == 0
    for n in (theirs["number"], loose["number"]):
        assert wang.get(f"/tickets/{n}").status == 404
        assert wang.patch(f"/tickets/{n}", {"status": "in_progress"}).status == 404
        assert wang.post(f"/tickets/{n}/comments", {"text": "x"}).status == 404
    assert wang.patch(f"/tickets/{ours['number']}", {"status": "in_progress"}).json["status"] == "in_progress"
    assert wang.post(f"/tickets/{ours['number']}/comments", {"text": "On it"}).status == 201
    export = wang.get("/tickets/export")
    assert export.status == 200 and ours["number"] in export.body.decode() and "Pothole" not in export.body.decode()
    # What they may not do: make tickets, dispatch, change departments, look tickets up for callers.
    assert wang.post("/tickets", {"kind": "complaint", "summary": "x"}).status == 403
    assert wang.post(f"/tickets/{ours['number']}/dispatch", {"department": roads["id"]}).status == 403
    assert wang.post("/departments", {"name": "Mine"}).status == 403
    assert wang.get("/tickets/lookup?number=x&caller=1").status == 403
    assert wang.get("/extensions").status == 403
    assert [d["name"] for d in wang.get("/departments").json["items"]] == ["Roads Office", "Water Bureau"]


def test_a_department_user_needs_a_department(box):
    water = department(box)
    r = box.post("/users", {"username": "wu", "password": "Dept-Pass-12345", "role": "department"})
    assert (r.status, r.json["field"]) == (422, "department")
    r = box.post("/users", {"username": "wu", "password": "Dept-Pass-12345", "role": "department",
                            "department": 99})
    assert (r.status, r.json["field"]) == (422, "department")
    r = box.post("/users", {"username": "wu", "password": "Dept-Pass-12345", "role": "supervisor",
                            "department": water["id"]})
    assert (r.status, r.json["field"]) == (422, "department")


def test_departments_and_categories_in_use_are_not_deleted(box):
    water = department(box)
    parent = category(box, "Utilities", department=water["id"])
    child = category(box, "Water supply", parent=parent["id"], time_limit_hours=48)
    assert child["path"] == "Utilities / Water supply"
    assert [c["path"] for c in box.get("/ticket-categories").json["items"]] == ["Utilities",
                                                                                "Utilities / Water supply"]
    r = box.put(f"/ticket-categories/{parent['id']}", {"name": "Utilities", "parent": child["id"]})
    assert (r.status, r.json["field"]) == (422, "parent")
    r = box.post("/ticket-categories", {"name": "Water supply", "parent": parent["id"]})
    assert r.status == 409
    t = ticket(box, category=child["id"])
    assert t["department"] is None  # the child names no department; the ticket waits to be dispatched
    assert box.delete(f"/ticket-categories/{parent['id']}").status == 409
    assert box.delete(f"/ticket-categories/{child['id']}").status == 409
    assert box.delete(f"/departments/{water['id']}").status == 409
    r = box.post("/departments", {"name": "Bad", "email": "not-an-address"})
    assert (r.status, r.json["field"]) == (422, "email")


def test_a_categorys_department_takes_its_tickets(box):
    water = department(box)
    leak = category(box, "Burst pipe", department=water["id"], time_limit_hours=4)
    t = ticket(box, category=leak["id"])
    assert (t["department"], t["status"]) == (water["id"], "dispatched")


def test_export_is_csv_of_the_filtered_tickets(box):
    ticket(box, summary="=HYPERLINK(\"x\")", caller="13800138000")
    ticket(box, summary="Other")
    r = box.get(q("/tickets/export", {"q": "HYPERLINK"}))
    lines = r.body.decode().splitlines()
    assert r.status == 200 and lines[0].startswith("number,created_at,kind")
    assert len(lines) == 2 and "'=HYPERLINK" in lines[1]


# -- pages ------------------------------------------------------------------------------

def test_department_users_land_on_their_tickets_and_open_nothing_else(box):
    from tests.unit.test_web_session import Browser, where

    water = department(box)
    n = ticket(box, department=water["id"], summary="Leak on <Main> street")["number"]
    department_user(box, "wang", water["id"])
    b = Browser(box)
    r = b.sign_in("wang", "Dept-Pass-12345")
    assert r.status == 303 and where(r) == "/tickets"
    assert b.get("/").status == 303 and where(b.get("/")) == "/tickets"
    page = b.get("/tickets")
    assert page.status == 200 and 'id="add"' not in page.body.decode() and "ticket-dialog" not in page.body.decode()
    one = b.get(f"/tickets/{n}")
    assert one.status == 200 and "dispatch-form" not in one.body.decode()
    for path in ("/ticket-setup", "/agent", "/customers", "/call-log"):
        assert b.get(path).status == 403, path


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_ticket_pages_in_both_languages(box, lang):
    from tests.unit.test_web_session import Browser
    from webui.i18n import CATALOGUES

    assert box.patch("/settings", {"ticket_kinds": ["complaint", "praise"]}).status == 200
    n = ticket(box)["number"]
    b = Browser(box, accept_language=lang)
    b.sign_in()
    assert box.patch("/me", {"language": lang}).status == 200
    pages = {path: b.get(path) for path in ("/tickets", f"/tickets/{n}", "/ticket-setup", "/")}
    assert all(r.status == 200 for r in pages.values()), pages
    # The box's own kinds are offered; one without a translation shows as it is.
    assert 'value="praise">praise<' in pages["/tickets"].body.decode()
    assert CATALOGUES[lang]["tk.kind.complaint"] in pages["/tickets"].body.decode()
    assert CATALOGUES[lang]["dash.tickets_overdue"] in pages["/"].body.decode()


def test_every_ticket_string_is_in_both_languages():
    from appliance.tickets import statuses
    from appliance.tickets.schema import CHANNELS, PRIORITIES
    from appliance.tickets.service import TRACKED
    from webui.i18n import CATALOGUES

    keys = [f"tk.status.{s}" for s in statuses.STATUSES] + [f"tk.priority.{p}" for p in PRIORITIES]
    keys += [f"tk.channel.{c}" for c in CHANNELS] + [f"tk.field.{f}" for f in (*TRACKED, "created")]
    keys += [f"tk.kind.{k}" for k in ("complaint", "report", "consultation", "suggestion")]
    for lang in ("en", "zh"):
        missing = [k for k in keys if k not in CATALOGUES[lang] or "js." + k not in CATALOGUES[lang]]
        assert missing == [], lang


# -- the department is told by e-mail ---------------------------------------------------------

def test_a_dispatch_queues_one_mail_to_the_departments_address(box):
    import json

    from appliance.mail.outbox import OutgoingMail

    water = department(box, email="water@example.org")
    roads = department(box, "Roads Office")  # no address: nobody to mail
    leak = category(box, "Burst pipe", time_limit_hours=4)
    t = ticket(box, department=water["id"], category=leak["id"], caller="13800138000", details="Building 3.")
    mails = list(OutgoingMail.select())
    assert [json.loads(m.recipients) for m in mails] == [["water@example.org"]]
    assert mails[0].subject == f"Ticket {t['number']} for Water Bureau: No water since Monday"
    assert "Burst pipe" in mails[0].body and "13800138000" in mails[0].body and "Building 3." in mails[0].body
    assert box.post(f"/tickets/{t['number']}/dispatch", {"department": roads["id"]}).status == 200
    assert box.post(f"/tickets/{t['number']}/dispatch", {"department": water["id"]}).status == 200
    assert OutgoingMail.select().count() == 2  # dispatched to them again: told again
    assert box.patch(f"/tickets/{t['number']}", {"priority": "high"}).status == 200
    assert OutgoingMail.select().count() == 2
    # In the box's language.
    assert box.patch("/settings", {"language": "zh"}).status == 200
    n = ticket(box, department=water["id"])["number"]
    assert OutgoingMail.select().order_by(OutgoingMail.id.desc()).first().subject.startswith(f"工单 {n} 派至Water Bureau")


# -- reminders and escalation ---------------------------------------------------------------

def test_reminder_points_before_at_and_after_the_deadline():
    from types import SimpleNamespace

    from appliance.tickets.reminders import due_points

    s = SimpleNamespace(ticket_remind_before_minutes=(240, 60), ticket_overdue_repeat_minutes=120,
                        ticket_escalate_after_minutes=90)
    deadline = dt.datetime(2026, 12, 6, 12, 0)

    def at(h, m=0):
        return [p.key for p in due_points(deadline, dt.datetime(2026, 12, 6, h, m), s)]

    assert at(7, 59) == []
    assert at(8) == ["due-240"]
    assert at(11, 30) == ["due-60"]  # the nearest point passed, not all of them
    assert at(12) == ["overdue-0"]
    assert at(13, 29) == ["overdue-0"]
    assert at(13, 30) == ["overdue-0", "escalated"]
    assert at(14) == ["overdue-1", "escalated"]
    once = SimpleNamespace(ticket_remind_before_minutes=(), ticket_overdue_repeat_minutes=0,
                           ticket_escalate_after_minutes=0)
    assert [p.key for p in due_points(deadline, dt.datetime(2026, 12, 9), once)] == ["overdue-0"]


def test_reminders_go_to_the_department_once_each_then_escalate(box):
    import json

    from appliance.mail.outbox import OutgoingMail
    from appliance.tickets import reminders

    assert box.patch("/settings", {"ticket_remind_before_minutes": [60], "ticket_overdue_repeat_minutes": 120,
                                   "ticket_escalate_after_minutes": 30,
                                   "ticket_escalation_email": ["lead@example.org"]}).status == 200
    water = department(box, email="water@example.org")
    leak = category(box, "Burst pipe", time_limit_hours=4)
    t = ticket(box, department=water["id"], category=leak["id"])
    done = ticket(box, department=water["id"], category=leak["id"])
    assert box.patch(f"/tickets/{done['number']}", {"status": "closed"}).status == 200
    OutgoingMail.delete().execute()

    def mails():
        return [(json.loads(m.recipients), m.subject) for m in OutgoingMail.select().order_by(OutgoingMail.id)]

    def reminded():
        return [(h["old"], h["new"]) for h in box.get(f"/tickets/{t['number']}/history").json["items"]
                if h["field"] == "reminder"]

    assert reminders.run() == 0
    clock.move(dt.timedelta(hours=3, minutes=1))  # an hour before the deadline
    assert reminders.run() == 1 and reminders.run() == 0  # once
    assert mails() == [(["water@example.org"], f"Reminder: ticket {t['number']} is due in 60 minutes")]
    clock.move(dt.timedelta(hours=1))  # past it
    assert reminders.run() == 1
    assert mails()[-1][1] == f"Reminder: ticket {t['number']} is past its deadline"
    clock.move(dt.timedelta(minutes=30))  # 31 minutes late: escalated to the supervisors
    assert reminders.run() == 1
    assert mails()[-1] == (["lead@example.org"], f"Escalated: ticket {t['number']} is overdue (Water Bureau)")
    clock.move(dt.timedelta(hours=2))  # the repeat
    assert reminders.run() == 1 and reminders.run() == 0
    assert reminded() == [("water@example.org", "due-60"), ("water@example.org", "overdue-0"),
                          ("lead@example.org", "escalated"), ("water@example.org", "overdue-1")]
    # The closed ticket was never reminded; an answered one is reminded no more.
    assert box.get(f"/tickets/{done['number']}/history").json["items"][-1]["field"] != "reminder"
    assert box.patch(f"/tickets/{t['number']}", {"status": "answered"}).status == 200
    clock.move(dt.timedelta(hours=5))
    assert reminders.run() == 0


def test_a_ticket_no_department_has_is_reminded_to_the_supervisors_and_a_new_deadline_starts_afresh(box):
    import json

    from appliance.mail.outbox import OutgoingMail
    from appliance.tickets import reminders

    assert box.patch("/settings", {"ticket_escalation_email": ["lead@example.org"],
                                   "ticket_escalate_after_minutes": 0}).status == 200
    short, long_ = category(box, "Noise", time_limit_hours=1), category(box, "Parks", time_limit_hours=48)
    t = ticket(box, category=short["id"])
    OutgoingMail.delete().execute()
    clock.move(dt.timedelta(minutes=61))
    assert reminders.run() == 1
    assert json.loads(OutgoingMail.select().first().recipients) == ["lead@example.org"]
    assert box.patch(f"/tickets/{t['number']}", {"category": long_["id"]}).status == 200  # a new deadline
    assert reminders.run() == 0
    clock.move(dt.timedelta(hours=46))  # 47 h 1 min after it was made: 59 minutes before the new deadline
    assert reminders.run() == 1
    points = [h["new"] for h in box.get(f"/tickets/{t['number']}/history").json["items"] if h["field"] == "reminder"]
    assert points == ["overdue-0", "due-60"]


def test_reminder_settings_are_checked(box):
    for body, field in (({"ticket_remind_before_minutes": [0]}, "ticket_remind_before_minutes"),
                        ({"ticket_remind_before_minutes": ["soon"]}, "ticket_remind_before_minutes"),
                        ({"ticket_overdue_repeat_minutes": -1}, "ticket_overdue_repeat_minutes"),
                        ({"ticket_escalation_email": ["not an address"]}, "ticket_escalation_email")):
        r = box.patch("/settings", body)
        assert r.status == 422 and r.json["field"].startswith(field), (body, r.json)
    assert box.get("/settings").json["ticket_remind_before_minutes"] == [60]


# -- the report ------------------------------------------------------------------------------

def test_the_report_counts_answers_on_time_late_and_overdue_by_kind_category_and_department(box):
    water = department(box, "Water Bureau")
    roads = department(box, "Roads Office")
    leak = category(box, "Burst pipe", time_limit_hours=2, department=water["id"])
    hole = category(box, "Pothole", time_limit_hours=24, department=roads["id"])
    on_time = ticket(box, category=leak["id"])
    late = ticket(box, category=leak["id"])
    still_open = ticket(box, category=leak["id"], kind="report")
    ticket(box, category=hole["id"], kind="report")
    untimed = ticket(box, kind="consultation")
    assert box.patch(f"/tickets/{on_time['number']}", {"status": "answered"}).status == 200
    assert box.patch(f"/tickets/{untimed['number']}", {"status": "closed"}).status == 200
    clock.move(dt.timedelta(hours=3))  # the burst pipes are past their 2 hours now
    assert box.patch(f"/tickets/{late['number']}", {"status": "answered"}).status == 200
    assert box.patch(f"/tickets/{late['number']}", {"status": "closed"}).status == 200  # answered once, first
    today = dt.datetime.now(dt.timezone.utc).date().isoformat()

    doc = box.get(q("/tickets/report", {"from": today, "to": today, "by": "department"})).json
    rows = {r["name"]: r for r in doc["rows"]}
    assert {k: rows["Water Bureau"][k] for k in ("tickets", "open", "answered", "on_time", "late", "overdue",
                                                  "timeliness")} == \
        {"tickets": 3, "open": 1, "answered": 2, "on_time": 1, "late": 1, "overdue": 1, "timeliness": 50.0}
    assert rows["Water Bureau"]["avg_hours_to_answer"] == 1.5  # one at once, one after 3 hours
    assert rows["Roads Office"]["open"] == 1 and rows["Roads Office"]["overdue"] == 0
    assert rows[None]["answered"] == 1 and rows[None]["timeliness"] is None  # no deadline: not judged
    assert doc["totals"]["tickets"] == 5 and doc["totals"]["answered"] == 3 and doc["totals"]["timeliness"] == 50.0
    by_kind = {r["key"]: r["tickets"] for r in box.get(q("/tickets/report", {"from": today, "to": today})).json["rows"]}
    assert by_kind == {"complaint": 2, "report": 2, "consultation": 1}
    by_cat = {r["name"]: r["tickets"] for r in box.get(q("/tickets/report", {"from": today, "to": today,
                                                                             "by": "category"})).json["rows"]}
    assert by_cat == {"Burst pipe": 3, "Pothole": 1, None: 1}
    # Another day has none of them; a department user counts their department's only.
    assert box.get(q("/tickets/report", {"from": "2020-01-01", "to": "2020-01-31"})).json["rows"] == []
    roads_user = department_user(box, "roads1", roads["id"])
    assert [r["tickets"] for r in roads_user.get(q("/tickets/report", {"from": today, "to": today})).json["rows"]] == [1]
    # As a spreadsheet, with the totals last.
    r = box.request("GET", q("/tickets/report", {"from": today, "to": today, "by": "status", "format": "csv"}))
    lines = r.body.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("key,name,tickets,open") and lines[-1].startswith("total,,5,")
    assert box.request("GET", q("/tickets/report", {"from": today, "to": today, "format": "xlsx"})).body[:2] == b"PK"
    for params, field in (({"from": today, "to": today, "by": "colour"}, "by"), ({"from": "yesterday", "to": today}, "from"),
                          ({"from": today, "to": "2020-01-01"}, "from"), ({"from": today, "to": today, "x": "1"}, "x")):
        r = box.get(q("/tickets/report", params))
        assert r.status == 422 and r.json["field"] == field, (params, r.json)
    assert box.get(f"/tickets/{still_open['number']}").json["overdue"] is True


def test_a_dispatch_texts_the_departments_phone_where_an_sms_gateway_is_on(box):
    from appliance.db.models import SmsMessage

    water = department(box, "Water Bureau", phone="138 0013 8000")
    no_phone = department(box, "Roads Office")
    ticket(box, department=water["id"])  # no gateway yet: nothing to send it through
    assert SmsMessage.select().count() == 0
    assert box.post("/sms/gateways", {"name": "P", "kind": "http", "options": {"url": "http://127.0.0.1:9/"}}).status == 201
    t = ticket(box, department=water["id"])
    (sms,) = SmsMessage.select()
    assert sms.number == "13800138000" and t["number"] in sms.text and "Water Bureau" in sms.text
    assert box.post(f"/tickets/{t['number']}/dispatch", {"department": no_phone["id"]}).status == 200
    assert SmsMessage.select().count() == 1  # no phone: nobody to text
