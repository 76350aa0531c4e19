"""Outgoing mail from a real box to a real SMTP server the test runs on the host side of the
box's link: the test message with wrong and right credentials, a voicemail left by a SIP phone
arriving as an e-mail with its WAV after the relay first refused it (451), a ticket's dispatch, and
the reminder of a ticket whose deadline passed (the box's tickets' time moved by the test)."""

from __future__ import annotations

import io
import time
import wave

import pytest

from tests.audio import goertzel_ratio, write_tone
from tests.integration.conftest import running_box
from tests.integration.test_phones import leave_voicemail, make_extension
from tests.smtpserver import MailServer

MESSAGE_HZ = 1100


@pytest.fixture(scope="module")
def box():
    # The tickets' time moves on request (BOX_TEST_CLOCK=1): a deadline passes without waiting.
    with running_box(("BOX_TEST_CLOCK=1",)) as instance:
        yield instance


@pytest.fixture(scope="module")
def relay(box):
    with MailServer(host=box.host_ip, user="callbox", password="Relay-Pass-1") as server:
        yield server


@pytest.fixture(scope="module")
def configured(api, relay):
    r = api.put("/system/mail", {"host": relay.host, "port": relay.port, "security": "none", "username": "callbox",
                                 "password": "wrong-pass", "from_address": "callbox@example.com",
                                 "from_name": "Front desk"})
    assert r.status == 200, r.json
    return r.json


def test_the_test_message_reports_the_relays_refusal_then_arrives(api, relay, configured):
    r = api.post("/system/mail/test", {"to": "ops@example.com"})
    assert r.status == 200 and r.json["sent"] is False, r.json
    assert r.json["stage"] == "login" and r.json["code"] == 535, r.json
    assert api.put("/system/mail", {"password": "Relay-Pass-1"}).json["password_set"] is True
    r = api.post("/system/mail/test", {"to": "ops@example.com"})
    assert r.json["sent"] is True and r.json["answer"].startswith("250"), r.json
    (rcpts, msg), = relay.wait(1, timeout=10)
    assert rcpts == ["ops@example.com"] and msg["Subject"].startswith("Test message from")
    assert msg["From"].addresses[0].addr_spec == "callbox@example.com"
    with relay.lock:
        relay.received.clear()


def test_a_voicemail_arrives_by_mail_with_its_recording_after_a_refusal(api, sip, box, relay, configured,
                                                                        tmp_path):
    api.put("/system/mail", {"password": "Relay-Pass-1"})
    make_extension(api, "8001", "Alice")
    b = api.post("/extensions", {"number": "8002", "name": "Bob", "email": "bob@example.com"})
    assert b.status == 201, b.json
    a = api.get("/extensions/8001").json
    pa = sip.phone("8001", a["secret"], box.sip).register()
    pb = sip.phone("8002", b.json["secret"], box.sip).register()
    with relay.lock:
        relay.received.clear()
        relay.refuse.append("451 4.7.1 greylisted, try again later")
    tone = write_tone(tmp_path / "message.wav", MESSAGE_HZ, 3.0)
    left = time.monotonic()
    leave_voicemail(sip, pa, pb, "8002", tone, busy=True)
    (rcpts, msg), = relay.wait(1, timeout=90)
    took = time.monotonic() - left
    assert rcpts == ["bob@example.com"]
    assert msg["Subject"] == "New voicemail from Alice <8001> for mailbox 8002", msg["Subject"]
    text = msg.get_body(("plain",)).get_content()
    assert "From:     Alice <8001>" in text and "Received: " in text and "(UTC)" in text
    (part,) = list(msg.iter_attachments())
    assert part.get_content_type() == "audio/wav" and part.get_filename().startswith("voicemail-8002-")
    with wave.open(io.BytesIO(part.get_content())) as w:
        assert (w.getframerate(), w.getsampwidth(), w.getnchannels()) == (8000, 2, 1)
        seconds = w.getnframes() / 8000
        frames = w.readframes(w.getnframes())
    assert 2.0 <= seconds <= 5.0, seconds
    samples = [int.from_bytes(frames[i:i + 2], "little", signed=True) for i in range(0, len(frames), 2)]
    assert goertzel_ratio(samples[8000:8160], MESSAGE_HZ) > 0.6, "the attachment is not the caller's message"
    length = text.split("Length:", 1)[1].split()[0]
    assert length in (f"0:{int(seconds):02d}", f"0:{int(seconds) + 1:02d}", f"0:{int(seconds) - 1:02d}"), length
    # The relay's 451 was retried: the outbox says two attempts, and the mail came after the backoff.
    # The relay has the message before the box has its 250 and marks the row: wait for that.
    deadline = time.monotonic() + 10
    while True:
        item = next(m for m in api.get("/system/mail/outbox").json["items"] if m["to"] == ["bob@example.com"])
        if item["state"] != "queued" or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert (item["state"], item["attempts"]) == ("sent", 2), item
    assert took >= 30, took
    # Queued as Asterisk said the mailbox has a new message, not found later by a periodic look.
    (vm,) = api.get("/extensions/8002/voicemail").json["items"]
    stamp = lambda text: time.mktime(time.strptime(text, "%Y-%m-%dT%H:%M:%SZ"))  # noqa: E731
    assert 0 <= stamp(item["created_at"]) - stamp(vm["received_at"]) <= 3 + vm["duration"] + 5, (item, vm)


def test_a_ticket_dispatched_to_a_department_arrives_by_mail(api, relay, configured):
    """A ticket made for a department with an e-mail address is mailed to it through the relay."""
    assert api.put("/system/mail", {"password": "Relay-Pass-1"}).json["password_set"] is True
    with relay.lock:
        relay.received.clear()
    water = api.post("/departments", {"name": "Water Bureau", "email": "water@example.org"}).json
    supply = api.post("/ticket-categories", {"name": "Water supply", "time_limit_hours": 24}).json
    r = api.post("/tickets", {"kind": "complaint", "summary": "No water since Monday", "details": "Building 3.",
                              "caller": "13800138000", "category": supply["id"], "department": water["id"]})
    assert r.status == 201, r
    (rcpts, msg), = relay.wait(1, timeout=30)
    assert rcpts == ["water@example.org"]
    assert msg["Subject"] == f"Ticket {r.json['number']} for Water Bureau: No water since Monday"
    text = msg.get_body(("plain",)).get_content()
    assert "Water supply" in text and "13800138000" in text and "Building 3." in text
    with relay.lock:
        relay.received.clear()


def test_a_ticket_past_its_deadline_comes_first_and_its_department_is_reminded(api, relay, configured):
    assert api.put("/system/mail", {"password": "Relay-Pass-1"}).json["password_set"] is True
    assert api.patch("/settings", {"ticket_remind_before_minutes": [], "ticket_escalate_after_minutes": 0}).status == 200
    roads = api.post("/departments", {"name": "Roads Office", "email": "roads@example.org"}).json
    potholes = api.post("/ticket-categories", {"name": "Potholes", "time_limit_hours": 2}).json
    parks = api.post("/ticket-categories", {"name": "Park benches", "time_limit_hours": 72}).json
    late = api.post("/tickets", {"kind": "report", "summary": "Pothole on Main Street", "category": potholes["id"],
                                 "department": roads["id"]}).json
    api.post("/tickets", {"kind": "report", "summary": "Broken bench", "category": parks["id"],
                          "department": roads["id"]})
    relay.wait(2, timeout=30)  # the two dispatch mails
    with relay.lock:
        relay.received.clear()
    assert api.post("/testing/clock", {"advance_seconds": -5}).status == 422
    r = api.post("/testing/clock", {"advance_seconds": 2 * 3600 + 60})
    assert r.status == 200, r.json
    (rcpts, msg), = relay.wait(1, timeout=30)
    assert rcpts == ["roads@example.org"]
    assert msg["Subject"] == f"Reminder: ticket {late['number']} is past its deadline"
    assert "Pothole on Main Street" in msg.get_body(("plain",)).get_content()
    first = api.get("/tickets").json["items"][0]
    assert (first["number"], first["overdue"]) == (late["number"], True)
    history = api.get(f"/tickets/{late['number']}/history").json["items"]
    assert [(h["actor"], h["old"], h["new"]) for h in history if h["field"] == "reminder"] == [
        ("box", "roads@example.org", "overdue-0")]
    deadline = time.monotonic() + 10  # counted once the round that sent it ends
    while api.get("/health").json["tickets"]["reminders_sent"] != 1:
        assert time.monotonic() < deadline, api.get("/health").json["tickets"]
        time.sleep(0.1)
