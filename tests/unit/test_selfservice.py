"""Self-service IVR steps: what the API accepts, the dial plan they make, and the FastAGI answers
(a ticket's status, the HTTP lookup against a real server on loopback, a complaint's ticket)."""

from __future__ import annotations

import json
import logging
import subprocess
import time

import pytest

from appliance import httpjson
from appliance.db.models import Ticket
from appliance.ivrs import lookup
from appliance.ivrs.selfservice import SelfService
from tests.unit.test_callcenter import FakeSession
from tests.webservice import WebService
from tests.unit.test_resources import files, ivr
from tests.unit.test_tickets import department, department_user, ticket


@pytest.fixture
def box(admin):
    assert admin.patch("/settings", {"country_code": "86"}).status == 200
    for n in ("8001", "8002"):
        assert admin.post("/extensions", {"number": n, "name": f"Desk {n}"}).status == 201
    return admin


@pytest.fixture
def prompt(box, tmp_path):
    wav = tmp_path / "p.wav"
    subprocess.run(["sox", "-n", "-r", "8000", "-c", "1", str(wav), "synth", "0.5", "sine", "440"], check=True)

    def make(name: str) -> dict:
        r = box.upload("/prompts", {"name": name}, "file", "p.wav", wav.read_bytes())
        assert r.status == 201, r
        return r.json
    return make


def context(box, ivr_id: int) -> str:
    return files(box)["extensions.conf"].split(f"[callbox-ivr-{ivr_id}]\n")[1].split("\n\n")[0]


DIGITS = {"kind": "digits", "min_digits": 10, "max_digits": 11}


def test_steps_are_kept_with_their_defaults_and_rendered(box, prompt):
    ask, gold = prompt("Ask"), prompt("Gold")
    steps = [{**DIGITS, "prompt": ask["id"]}, {"kind": "ticket_status"},
             {"kind": "http_lookup", "url": "http://127.0.0.1:9/points", "choices": [{"name": "gold", "prompt": gold["id"]}],
              "fallback": {"kind": "extension", "target": "8001"}},
             {"kind": "say", "say_as": "number", "value": "points"}, {"kind": "complaint", "max_seconds": 60}]
    menu = ivr(box, steps=steps)
    assert menu["steps"] == [
        {"kind": "digits", "prompt": ask["id"], "min_digits": 10, "max_digits": 11, "timeout": 5},
        {"kind": "ticket_status"},
        {"kind": "http_lookup", "url": "http://127.0.0.1:9/points", "timeout_ms": 3000,
         "choices": [{"name": "gold", "prompt": gold["id"]}], "fallback": {"kind": "extension", "target": "8001"}},
        {"kind": "say", "say_as": "number", "value": "points"},
        {"kind": "complaint", "max_seconds": 60, "silence_seconds": 5}]
    plan = context(box, menu["id"])
    assert f"Read(CALLBOX_DIGITS,/data/prompts/prompt-{ask['id']},12,,1,5)" in plan
    assert "AGI(agi://127.0.0.1:4573/ticket-status)" in plan
    assert f"AGI(agi://127.0.0.1:4573/ivr-lookup?ivr={menu['id']}&step=2)" in plan
    assert "exten => lookup-failed-3,1,Goto(callbox-extensions,8001,1)" in plan
    assert "SayNumber(${CALLBOX_V_POINTS})" in plan
    assert "Record(${CALLBOX_COMPLAINT}.wav,5,60,k)" in plan
    assert "127.0.0.1:9/points" not in files(box)["extensions.conf"]  # the URL stays in the database
    # In use: neither the prompts nor the fallback's extension can go.
    assert box.delete(f"/prompts/{gold['id']}").status == 409
    r = box.delete("/extensions/8001")
    assert r.status == 409 and "lookup" in r.json["error"], r
    # A menu without keys goes on once its steps are done.
    assert "same => n,Hangup()\nsame => n(menu)" in plan
    r = box.patch(f"/ivrs/{menu['id']}", {"steps": []})
    assert r.status == 200 and r.json["steps"] == [] and "step1" not in context(box, menu["id"])
    assert box.delete(f"/prompts/{gold['id']}").status == 204


@pytest.mark.parametrize("steps, message", [
    ([{"kind": "sing"}], "Must be one of: digits"),
    ([{"kind": "digits", "url": "http://x.example"}], "a digits step takes no url"),
    ([{"kind": "digits", "min_digits": 5, "max_digits": 4}], "min_digits must not be more"),
    ([{"kind": "digits", "max_digits": 21}], "less than or equal to 20"),
    ([{"kind": "ticket_status"}], "step 1 needs a digits step"),
    ([{"kind": "say", "value": "entered"}], "step 1 needs a digits step"),
    ([{"kind": "say", "value": "points"}], "step 1 says a lookup's variable"),
    ([{"kind": "say", "value": "Points;x"}], "must be entered (the digits)"),
    ([{"kind": "say", "say_as": "time"}], "Must be one of: digits, number, date"),
    ([{"kind": "http_lookup"}], "url is required"),
    ([{"kind": "http_lookup", "url": "file:///etc/passwd"}], "url must be an http"),
    ([{"kind": "http_lookup", "url": "http://x.example", "choices": [{"name": "A B", "prompt": 1}]}], "lower-case"),
    ([{"kind": "http_lookup", "url": "http://x.example", "choices": [{"name": "a", "prompt": 999}]}],
     "step 1 plays prompt 999"),
    ([{"kind": "http_lookup", "url": "http://x.example", "fallback": {"kind": "extension", "target": "9999"}}],
     "there is no extension 9999"),
    ([{"kind": "complaint", "max_seconds": 1000}], "less than or equal to 600"),
    ([{"kind": "digits", "prompt": 999}], "step 1 plays prompt 999"),
    ([{"kind": "digits"}] * 11, "Longer than maximum length 10"),
])
def test_bad_steps_are_refused_and_change_nothing(box, steps, message):
    before = files(box)
    r = box.post("/ivrs", {"name": "Self-service", "steps": steps})
    assert r.status == 422 and r.json["field"] == "steps" and message in r.json["error"], r
    assert box.get("/ivrs").json["items"] == [] and files(box) == before


# -- the lookup's answer ---------------------------------------------------------------

@pytest.mark.parametrize("body", [
    {"prompt": "silver"}, {"prompt": 1}, {}, {"prompt": "gold", "variables": []},
    {"prompt": "gold", "variables": {"Points": "1"}}, {"prompt": "gold", "variables": {"points": "12a"}},
    {"prompt": "gold", "variables": {"points": -1}}, {"prompt": "gold", "variables": {"due": "2026-02-30"}},
    {"prompt": "gold", "variables": {"points": "1" * 21}},
    {"prompt": "gold", "variables": {f"v{i}": "1" for i in range(11)}},
])
def test_a_lookup_answer_that_is_not_what_the_step_can_play_is_refused(body):
    with pytest.raises(httpjson.Failed):
        lookup.answer(json.dumps(body).encode(), ["gold"])


def test_a_good_lookup_answer():
    body = {"prompt": "gold", "variables": {"points": 1200, "due": "2026-12-24", "order_no": "0042"}}
    assert lookup.answer(json.dumps(body).encode(), ["gold", "silver"]) == (
        "gold", {"points": "1200", "due": "2026-12-24", "order_no": "0042"})


@pytest.fixture
def shop():
    s = WebService()
    s.url += "?key=s3cret"  # an access key in the address: never logged
    yield s
    s.close()


def service(tmp_path) -> SelfService:
    (tmp_path / "spool" / "callbox-complaints").mkdir(parents=True, exist_ok=True)
    return SelfService("/sounds", "/data/prompts", tmp_path / "spool", tmp_path / "audio")


def test_the_lookup_step_sets_the_choice_and_variables_or_nothing(box, prompt, shop, tmp_path, caplog):
    gold = prompt("Gold")
    menu = ivr(box, steps=[{**DIGITS, "min_digits": 4}, {"kind": "http_lookup", "url": shop.url, "timeout_ms": 1500,
                                                         "choices": [{"name": "gold", "prompt": gold["id"]}]}])
    selfservice = service(tmp_path)

    def ask(digits="12345") -> FakeSession:
        session = FakeSession({"ivr": str(menu["id"]), "step": "1"}, caller="+86 138-0013-8000",
                              variables={"CALLBOX_DIGITS": digits})
        selfservice.lookup(session)
        return session

    shop.answer = json.dumps({"prompt": "gold", "variables": {"points": "1200"}}).encode()
    assert ask().commands == [("set", "CALLBOX_V_POINTS", "1200"),
                              ("set", "CALLBOX_LOOKUP_PROMPT", f"/data/prompts/prompt-{gold['id']}")]
    assert shop.asked[-1] == {"key": ["s3cret"], "digits": ["12345"], "caller": ["+8613800138000"]}
    # Digits that are not digits are never sent.
    ask("12#45")
    assert shop.asked[-1].get("digits") is None
    shop.answer = b"<html>busy</html>"
    assert ask().commands == []
    shop.answer = json.dumps({"prompt": "platinum"}).encode()
    assert ask().commands == []
    shop.answer, shop.delay = json.dumps({"prompt": "gold"}).encode(), 5.0
    started = time.monotonic()
    assert ask().commands == []
    assert time.monotonic() - started < 3.5  # the step's 1.5 s, not the server's 5 s
    logged = str([r.__dict__ for r in caplog.records])
    assert "no answer within 1500 ms" in logged and "not JSON" in logged and "s3cret" not in logged
    # A step that is not a lookup (the menu changed since) looks nothing up.
    session = FakeSession({"ivr": str(menu["id"]), "step": "0"}, variables={"CALLBOX_DIGITS": "1234"})
    selfservice.lookup(session)
    assert session.commands == []


def test_ticket_status_by_its_number_and_the_callers_number(box, tmp_path):
    made = ticket(box, caller="0138 0013 8000")
    digits = made["number"].replace("-", "")
    selfservice = service(tmp_path)

    def status(digits, caller="+8613800138000", language="en") -> list:
        session = FakeSession({}, caller=caller, variables={"CALLBOX_DIGITS": digits, "language": language})
        selfservice.ticket_status(session)
        return session.commands

    assert status(digits) == [("stream", "/sounds/en/ticket-status-new")]
    assert status(digits, language="zh") == [("stream", "/sounds/zh/ticket-status-new")]
    assert box.patch(f"/tickets/{made['number']}", {"status": "answered"}).status == 200
    assert status(digits) == [("stream", "/sounds/en/ticket-status-answered")]
    # Another caller, another number, digits that are not digits: all "not found".
    for asked in (status(digits, caller="13900139000"), status(digits[:-1] + "9"), status(digits[:4] + "*"),
                  status("")):
        assert asked == [("stream", "/sounds/en/ticket-not-found")]


def test_the_status_by_phone_knows_a_caller_whose_number_the_ticket_keeps_bare(box, tmp_path, caplog):
    """A ticket typed in with the mobile bare; the trunk presents it with +86, 0086 or its prefix 0.
    What is not found is logged with the reason."""
    made = ticket(box, caller="13800138000")
    digits = made["number"].replace("-", "")

    def status(caller: str, digits: str = digits) -> list:
        session = FakeSession({}, caller=caller, variables={"CALLBOX_DIGITS": digits, "language": "en"})
        service(tmp_path).ticket_status(session)
        return session.commands

    for caller in ("+8613800138000", "008613800138000", "013800138000", "13800138000"):
        assert status(caller) == [("stream", "/sounds/en/ticket-status-new")], caller
    caplog.set_level(logging.INFO, logger="appliance.ivrs.selfservice")
    caplog.clear()
    assert status("+8613900139000") == status("+8613800138000", "2026") == [("stream", "/sounds/en/ticket-not-found")]
    reasons = [r.fields.get("reason") for r in caplog.records if r.getMessage() == "ticket status asked by phone"]
    assert reasons == ["no ticket of that number for that caller", "not a ticket number"]


def test_a_complaint_becomes_a_ticket_with_its_audio(box, tmp_path):
    selfservice = service(tmp_path)
    recorded = tmp_path / "spool" / "callbox-complaints" / "1733.7.wav"
    recorded.write_bytes(b"RIFF-the-callers-voice")
    session = FakeSession({}, caller="13800138000", uniqueid="1733.7")
    session.command = lambda text: type("A", (), {"data": "1733.5"})()  # the call's linkedid
    selfservice.complaint(session)
    made = Ticket.select().order_by(Ticket.id.desc()).first()
    assert (made.kind, made.caller, made.call_id, made.channel, made.created_by) == (
        "complaint", "13800138000", "1733.5", "phone", "phone")
    year, sequence = made.number.split("-")
    assert session.commands == [("set", "CALLBOX_COMPLAINT", ""), ("stream", "/sounds/en/complaint-recorded"),
                                ("say", year), ("say", sequence)]
    assert not recorded.exists() and (tmp_path / "audio" / f"{made.number}.wav").read_bytes() == b"RIFF-the-callers-voice"
    # Run again (the caller hung up afterwards): nothing more.
    selfservice.complaint(session)
    assert Ticket.select().count() == 1


def test_a_tickets_audio_is_served_to_who_may_see_the_ticket(box):
    made = ticket(box)
    assert box.get(f"/tickets/{made['number']}").json["audio"] is False
    assert box.get(f"/tickets/{made['number']}/audio").status == 404
    root = box.box.runtime.paths.ticket_audio
    root.mkdir(parents=True, exist_ok=True)
    (root / f"{made['number']}.wav").write_bytes(b"RIFF-voice")
    assert box.get(f"/tickets/{made['number']}").json["audio"] is True
    r = box.get(f"/tickets/{made['number']}/audio")
    assert r.status == 200 and r.body == b"RIFF-voice" and r.headers["Content-Type"].startswith("audio/wav")
    water, roads = department(box), department(box, "Roads")
    assert box.post(f"/tickets/{made['number']}/dispatch", {"department": water["id"]}).status == 200
    assert department_user(box, "water", water["id"]).get(f"/tickets/{made['number']}/audio").status == 200
    assert department_user(box, "roads", roads["id"]).get(f"/tickets/{made['number']}/audio").status == 404


# -- a mailbox whose messages become tickets ----------------------------------------------

def leave_message(root, mailbox: str, msg_id: str, caller: str, audio: bytes = b"RIFF-a-message") -> None:
    """A message as Asterisk leaves it in the spool."""
    inbox = root / "default" / mailbox / "INBOX"
    inbox.mkdir(parents=True, exist_ok=True)
    n = len(list(inbox.glob("*.txt")))
    (inbox / f"msg{n:04d}.txt").write_text(
        f"[message]\ncallerid=\"Citizen\" <{caller}>\norigtime={int(time.time())}\nduration=7\nmsg_id={msg_id}\n")
    (inbox / f"msg{n:04d}.wav").write_bytes(audio)


def test_messages_of_a_ticket_mailbox_become_tickets_once_with_their_audio(box, tmp_path):
    import datetime as dt

    from appliance.ivrs.mailbox_tickets import MailboxTickets

    r = box.patch("/settings", {"ticket_mailboxes": ["8002"], "ticket_mailbox_kind": "suggestion"})
    assert r.status == 200 and r.json["ticket_mailboxes"] == ["8002"], r
    spool_root, audio_root = tmp_path / "voicemail", tmp_path / "audio"
    leave_message(spool_root, "8002", "1733-1", "013800138000", b"RIFF-more-buses")
    leave_message(spool_root, "8001", "1733-2", "013900139000")  # not a ticket mailbox
    watcher = MailboxTickets(spool_root, audio_root)
    assert watcher.scan(dt.datetime.utcnow()) == 1
    made = Ticket.select().order_by(Ticket.id.desc()).first()
    assert (made.kind, made.channel, made.caller, made.created_by) == ("suggestion", "voicemail", "013800138000",
                                                                       "mailbox 8002")
    assert "8002" in made.summary and "7 s" in made.details
    assert (audio_root / f"{made.number}.wav").read_bytes() == b"RIFF-more-buses"
    assert (spool_root / "default/8002/INBOX/msg0000.wav").exists()  # the message stays in the mailbox
    assert watcher.scan(dt.datetime.utcnow()) == 0 and Ticket.select().count() == 1
    leave_message(spool_root, "8002", "1733-3", "013800138000")
    assert watcher.scan(dt.datetime.utcnow()) == 1 and Ticket.select().count() == 2


@pytest.mark.parametrize("body, field", [
    ({"ticket_mailboxes": ["9999"]}, "ticket_mailboxes"),
    ({"ticket_mailboxes": ["80a"]}, "ticket_mailboxes"),
    ({"ticket_mailbox_kind": "praise"}, "ticket_mailbox_kind"),
])
def test_ticket_mailbox_settings_are_checked(box, body, field):
    r = box.patch("/settings", body)
    assert r.status == 422 and r.json["field"] == field, r
    assert box.get("/settings").json["ticket_mailboxes"] == []
