"""Outgoing mail: the outbox, the templates, composing, sending to a real SMTP server on
loopback (retries, giving up, the alert), and the /system/mail API."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from appliance import mail
from appliance.db import change, db
from appliance.mail import compose, config, outbox, smtp, templates
from appliance.mail.manager import MailManager
from appliance.mail.outbox import OutgoingMail
from tests.smtpserver import MailServer
from tests.reportstore import reports_store

T0 = dt.datetime(2026, 12, 5, 8, 0, 0)


def test_the_outbox_table_matches_its_migration(config_db):
    columns = {row[1]: row for row in db.execute_sql("PRAGMA table_info(outgoing_mail)").fetchall()}
    fields = {f.column_name: f for f in OutgoingMail._meta.sorted_fields}
    assert set(columns) == set(fields)
    for name, field in fields.items():
        assert bool(columns[name][3]) == (not field.null) or field.primary_key, name


def test_a_key_is_queued_once(config_db):
    assert outbox.add(["a@example.com"], "S", "T", key="vm:1", now=T0) is not None
    assert outbox.add(["a@example.com"], "S", "T", key="vm:1", now=T0) is None
    assert OutgoingMail.select().count() == 1


def test_failed_attempts_back_off_and_give_up_after_a_day(config_db):
    m = outbox.add(["a@example.com"], "S", "T", now=T0)
    now = T0
    waits = []
    while True:
        m = OutgoingMail.get_by_id(m.id)
        assert outbox.due(now) == [m] and outbox.due(now - dt.timedelta(seconds=1)) == [] or m.attempts == 0
        gave_up = outbox.failed_attempt(m, "connect: refused", now=now)
        m = OutgoingMail.get_by_id(m.id)
        if gave_up:
            break
        waits.append((m.next_try - now).total_seconds())
        now = m.next_try
    assert waits[:6] == [30, 60, 120, 300, 600, 1800] and set(waits[6:]) == {1800}
    assert m.state == "failed" and m.last_error == "connect: refused"
    assert dt.timedelta(hours=23) < now - T0 <= dt.timedelta(days=1)
    assert outbox.given_up_since_last_sent() == 1
    assert outbox.retry(m.id, now=now) and OutgoingMail.get_by_id(m.id).state == "queued"


def test_a_permanent_refusal_gives_up_at_once(config_db):
    m = outbox.add(["nobody@example.com"], "S", "T", now=T0)
    assert outbox.failed_attempt(m, "recipients: 550 no such user", permanent=True, now=T0)
    assert smtp.SendError("recipients", "no such user", 550).permanent
    assert not smtp.SendError("login", "auth failed", 535).permanent
    assert not smtp.SendError("data", "try later", 451).permanent


def test_old_sent_and_failed_messages_are_pruned_queued_ones_kept(config_db):
    sent = outbox.add(["a@example.com"], "S", "T", now=T0)
    outbox.sent(sent, "250 OK", now=T0)
    kept = outbox.add(["a@example.com"], "S", "T", now=T0)
    assert outbox.prune(now=T0 + dt.timedelta(days=31)) == 1
    assert [m.id for m in OutgoingMail.select()] == [kept.id]


def test_templates_follow_the_language():
    subject, text = templates.render("test", "en", box="callbox")
    assert subject == "Test message from callbox" and "outgoing mail works" in text
    subject, text = templates.render("test", "zh", box="callbox")
    assert subject == "来自 callbox 的测试邮件" and "测试邮件" in text
    assert templates.render("test", "zh-CN", box="x") == templates.render("test", "zh", box="x")
    for name, langs in templates.TEMPLATES.items():
        assert set(langs) == {"en", "zh"}, name


def test_queue_template_takes_the_box_language(config_db):
    from appliance import box_settings

    with change("t", "settings.update", "language") as cs:
        box_settings.save(cs, {"language": "zh"})
    m = mail.queue_template("a@example.com", "test", {"box": "callbox"})
    assert m.subject == "来自 callbox 的测试邮件" and json.loads(m.recipients) == ["a@example.com"]


SETTINGS = config.MailSettings(host="127.0.0.1", port=25, security="none", from_address="box@example.com",
                               from_name="Call\r\nBcc: victim@example.com")


def test_no_header_injection_through_names_subjects_or_file_names(tmp_path):
    wav = tmp_path / "msg.wav"
    wav.write_bytes(b"RIFF")
    msg = compose.build(SETTINGS, ["a@example.com"], "Hello\r\nBcc: victim@example.com\nX-Evil: 1", "Body",
                        [{"path": str(wav), "name": "a\r\nX-Evil: 1.wav"}])
    raw = msg.as_bytes()
    header = raw.split(b"\r\n\r\n", 1)[0]
    assert b"\r\nBcc:" not in header and b"\r\nX-Evil:" not in raw
    assert msg["Subject"] == "Hello Bcc: victim@example.com X-Evil: 1"


def test_attachments_are_read_at_send_time_and_a_missing_one_is_named(tmp_path):
    wav = tmp_path / "msg0000.wav"
    msg = compose.build(SETTINGS, ["a@example.com"], "S", "Body\n", [{"path": str(wav)}])
    assert "msg0000.wav: no longer on the box" in msg.get_body().get_content()
    wav.write_bytes(b"RIFF....WAVE")
    msg = compose.build(SETTINGS, ["a@example.com"], "S", "Body\n", [{"path": str(wav)}])
    (part,) = list(msg.iter_attachments())
    assert part.get_filename() == "msg0000.wav" and part.get_content_type() == "audio/x-wav"
    assert part.get_content() == b"RIFF....WAVE"


class Clock:
    def __init__(self, now):
        self.now = now

    def __call__(self):
        return self.now


class Box:
    def __init__(self, runtime):
        from appliance.events import EventBus

        self.runtime = runtime
        self.events = EventBus()


@pytest.fixture
def sender(config_db, tmp_path):
    from appliance.settings import Runtime

    runtime = Runtime.from_environ({"BOX_DATA": str(tmp_path / "data"), "BOX_RUN": str(tmp_path / "run")})
    manager = MailManager(Box(runtime))
    manager.load()
    manager.clock = Clock(outbox.utcnow() + dt.timedelta(seconds=1))
    alerts = []
    manager.box.events.publish = lambda topic, **ev: alerts.append((topic, ev))
    manager.alerts = alerts
    return manager


def _relay(server, **more):
    with change("t", "mail.update", "") as cs:
        config.save(cs, {"host": "127.0.0.1", "port": server.port, "security": "none",
                         "from_address": "box@example.com", "from_name": "呼叫中心", **more}, sender_secrets())


_SECRETS = []


def sender_secrets():
    return _SECRETS[-1]


@pytest.fixture(autouse=True)
def _secrets(tmp_path):
    _SECRETS.append(tmp_path / "data" / "secrets")
    yield
    _SECRETS.pop()


def test_a_refusal_is_retried_and_the_message_arrives(sender, tmp_path):
    with MailServer() as server:
        _relay(server)
        wav = tmp_path / "m.wav"
        wav.write_bytes(b"RIFF-audio")
        m = mail.queue(["a@example.com", "b@example.com"], "你好", "Text", attachments=[wav])
        server.refuse.append("451 4.3.0 try again later")
        t0 = sender.clock.now
        assert sender.round() > 0
        m = OutgoingMail.get_by_id(m.id)
        assert (m.state, m.attempts) == ("queued", 1) and "451" in m.last_error and not server.received
        assert m.next_try == t0 + dt.timedelta(seconds=30)
        sender.round()
        assert OutgoingMail.get_by_id(m.id).attempts == 1  # not due yet
        sender.clock.now = t0 + dt.timedelta(seconds=30)
        sender.round()
        (rcpts, msg), = server.wait(1)
        assert rcpts == ["a@example.com", "b@example.com"] and msg["Subject"] == "你好"
        assert msg["From"].addresses[0].display_name == "呼叫中心"
        assert [p.get_content() for p in msg.iter_attachments()] == [b"RIFF-audio"]
        m = OutgoingMail.get_by_id(m.id)
        assert (m.state, m.attempts, m.last_error) == ("sent", 2, None)


def test_a_message_given_up_raises_the_alert_and_a_later_success_clears_it(sender):
    with MailServer() as server:
        _relay(server)
        m = mail.queue("a@example.com", "S", "T")
        server.refuse.extend(["451 busy"] * 100)
        while OutgoingMail.get_by_id(m.id).state == "queued":
            sender.round()
            sender.clock.now = OutgoingMail.get_by_id(m.id).next_try
        assert sender.alerts[-1] == ("alert", {"kind": "mail", "active": True,
                                               "message": "an e-mail could not be sent and was given up: S"})
        assert sender.health()["mail"]["given_up"] == 1
        server.refuse.clear()
        mail.queue("a@example.com", "S2", "T")
        sender.round()
        server.wait(1)
        assert sender.alerts[-1] == ("alert", {"kind": "mail", "active": False, "message": None})
        assert sender.health()["mail"] == {"configured": True, "queued": 0, "sent": 1, "failed": 1, "given_up": 0}


def test_without_a_relay_mail_waits_in_the_outbox(sender):
    m = mail.queue("a@example.com", "S", "T")
    sender.round()
    m = OutgoingMail.get_by_id(m.id)
    assert m.state == "queued" and "no mail relay" in m.last_error


def test_a_relay_that_never_answers_times_out(sender, monkeypatch):
    import socket

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)  # accepts, never greets
    try:
        with change("t", "mail.update", "") as cs:
            config.save(cs, {"host": "127.0.0.1", "port": silent.getsockname()[1], "security": "none",
                             "from_address": "box@example.com"}, sender_secrets())
        monkeypatch.setattr(smtp, "TIMEOUT", 0.5)
        m = mail.queue("a@example.com", "S", "T")
        sender.round()
        assert "no answer from the server in time" in OutgoingMail.get_by_id(m.id).last_error
    finally:
        silent.close()


# The API


def test_mail_settings_never_show_the_password(admin):
    r = admin.put("/system/mail", {"host": "mail.example.com", "port": 465, "security": "tls", "username": "box",
                                   "password": "s3cret pass", "from_address": "box@example.com",
                                   "from_name": "Front desk"})
    assert r.status == 200, r.json
    assert r.json == {"host": "mail.example.com", "port": 465, "security": "tls", "username": "box",
                      "from_address": "box@example.com", "from_name": "Front desk", "password_set": True}
    assert admin.get("/system/mail").json["password_set"] is True
    secrets = admin.box.runtime.paths.secrets
    assert config.password(secrets) == "s3cret pass"
    assert "s3cret" not in json.dumps(admin.get("/audit").json)
    assert admin.put("/system/mail", {"port": 587}).json["password_set"] is True  # left out: kept
    assert admin.put("/system/mail", {"password": ""}).json["password_set"] is False
    assert admin.put("/system/mail", {"host": None, "from_name": None}).json["host"] == ""  # emptied: no relay
    assert admin.get("/system/mail").json["from_name"] == "Callbox"


@pytest.mark.parametrize("body, field", [
    ({"from_address": "not-an-address"}, "from_address"),
    ({"from_name": "Desk\r\nBcc: x@example.com"}, "from_name"),
    ({"security": "ssl"}, "security"),
    ({"port": 0}, "port"),
    ({"host": "bad host"}, "host"),
    ({"username": "a\nb"}, "username"),
    ({"password": "a\r\nRSET"}, "password"),
    ({"relay": "x"}, "relay"),
])
def test_bad_mail_settings_are_refused_and_change_nothing(admin, body, field):
    before = admin.get("/system/mail").json
    r = admin.put("/system/mail", body)
    assert r.status == 422 and r.json["field"] == field, r.json
    assert admin.get("/system/mail").json == before


def test_the_test_message_reports_the_servers_answer(admin):
    with MailServer(user="box", password="right") as server:
        admin.put("/system/mail", {"host": "127.0.0.1", "port": server.port, "security": "none",
                                   "username": "box", "password": "wrong", "from_address": "box@example.com"})
        r = admin.post("/system/mail/test", {"to": "ops@example.com"})
        assert r.status == 200 and r.json["sent"] is False and r.json["stage"] == "login", r.json
        assert r.json["code"] == 535 and "535" in r.json["error"]
        assert not server.received
        admin.put("/system/mail", {"password": "right"})
        r = admin.post("/system/mail/test", {"to": "ops@example.com"})
        assert r.json["sent"] is True and r.json["answer"].startswith("250"), r.json
        (rcpts, msg), = server.wait(1)
        assert rcpts == ["ops@example.com"] and msg["Subject"] == "Test message from callbox"
    assert admin.post("/system/mail/test", {"to": "ops@\nexample.com"}).json["field"] == "to"


def test_the_outbox_is_listed_and_a_given_up_message_retried(admin):
    m = mail.queue("a@example.com", "S", "T")
    outbox.failed_attempt(m, "x", permanent=True)
    items = admin.get("/system/mail/outbox").json
    assert items["counts"]["failed"] == 1 and items["items"][0]["state"] == "failed"
    assert admin.post(f"/system/mail/outbox/{m.id}/retry").status == 200
    assert OutgoingMail.get_by_id(m.id).state == "queued"
    assert admin.post(f"/system/mail/outbox/{m.id}/retry").status == 404


def test_agents_may_not_touch_mail_settings(admin):
    from tests.api import Api

    admin.post("/extensions", {"number": "8001", "name": "Alice"})
    admin.post("/users", {"username": "alice", "password": "Agent-Pass-123", "role": "agent", "extension": "8001"})
    agent = Api(admin.base.rsplit("/api/v1", 1)[0])
    agent.token = agent.post("/auth/login", {"username": "alice", "password": "Agent-Pass-123"}).json["token"]
    assert agent.get("/system/mail").status == 403
    assert agent.put("/system/mail", {"port": 25}).status == 403
    assert agent.post("/system/mail/test", {"to": "a@example.com"}).status == 403


# Voicemail to e-mail


def _mailbox(number, email, name="Bob 张"):
    from appliance.db.models import Extension, Mailbox

    now = dt.datetime(2026, 1, 1)
    ext = Extension.create(number=number, name=name, secret="Secret-12345", email=email, created_at=now,
                           updated_at=now)
    return Mailbox.create(number=number, name=name, pin="480213", email=email, extension=ext)


def test_a_new_voicemail_is_mailed_once_with_caller_time_length_and_recording(config_db, tmp_path):
    import threading

    from appliance import box_settings
    from appliance.ami.protocol import Message
    from appliance.voicemail.mailer import VoicemailMailer
    from tests.unit.test_spool import put

    with change("t", "settings.update", "timezone") as cs:
        box_settings.save(cs, {"timezone": "Asia/Shanghai", "language": "zh"})
    _mailbox("8002", "bob@example.com")
    _mailbox("8003", None)
    root = tmp_path / "voicemail"
    origtime = 1796009472  # 2026-11-30 03:31:12 UTC
    now = dt.datetime(2026, 11, 30, 4, 0, 0)
    msg_id = put(root, "8002", "INBOX", 0, callerid='"Alice" <8001>', origtime=origtime, duration=75)
    put(root, "8002", "Old", 0, origtime=origtime)  # heard already: not mailed
    put(root, "8002", "INBOX", 1, origtime=origtime - 2 * 86400)  # older than a day: not mailed
    put(root, "8003", "INBOX", 0, origtime=origtime)  # no address
    wake = threading.Event()
    mailer = VoicemailMailer(root, wake)
    assert mailer(now) == 1
    (m,) = OutgoingMail.select()
    assert m.key == f"voicemail:8002:{msg_id}" and json.loads(m.recipients) == ["bob@example.com"]
    assert m.subject == "Alice <8001> 给信箱 8002 留了新语音留言"
    assert "时间：2026-11-30 11:31:12 (Asia/Shanghai)" in m.body and "时长：1:15" in m.body
    assert "信箱 8002（Bob 张）" in m.body
    (att,) = json.loads(m.attachments)
    assert att == {"path": str(root / "default/8002/INBOX/msg0000.wav"), "name": "voicemail-8002-20261130-113112.wav",
                   "type": "audio/wav", "remove": False}
    assert mailer(now + dt.timedelta(minutes=1)) == 0  # no event: nothing looked at
    put(root, "8002", "INBOX", 2, origtime=origtime + 60)
    mailer.on_event(Message({"Event": "MessageWaiting", "Mailbox": "8002@default", "Waiting": "1", "New": "2"}))
    assert wake.is_set()
    assert mailer(now + dt.timedelta(minutes=2)) == 1
    assert OutgoingMail.select().count() == 2
    # A later full look finds nothing new: each message is mailed once.
    assert mailer(now + dt.timedelta(minutes=10)) == 0


# Scheduled report e-mail


def test_report_periods_follow_the_box_time_zone_and_hour():
    from appliance.reports.mailing import ReportMail, due

    both = ReportMail(daily=True, weekly=True, recipients=["a@example.com"], hour=7)
    # Tuesday 2026-12-08 06:59 in Shanghai (22:59 UTC Monday): not yet Tuesday's turn.
    assert due(dt.datetime(2026, 12, 7, 22, 59), "Asia/Shanghai", both) == [
        ("daily", dt.date(2026, 12, 6), dt.date(2026, 12, 6)),
        ("weekly", dt.date(2026, 11, 30), dt.date(2026, 12, 6))]
    assert due(dt.datetime(2026, 12, 7, 23, 0), "Asia/Shanghai", both) == [
        ("daily", dt.date(2026, 12, 7), dt.date(2026, 12, 7)),
        ("weekly", dt.date(2026, 11, 30), dt.date(2026, 12, 6))]
    assert due(dt.datetime(2026, 12, 7, 23, 0), "UTC", ReportMail(daily=True, hour=7)) == [
        ("daily", dt.date(2026, 12, 6), dt.date(2026, 12, 6))]


def test_the_daily_and_weekly_reports_go_out_when_due_by_the_senders_clock(sender, tmp_path):
    from appliance import box_settings
    from appliance.reports import mailing
    from appliance.reports.db import CallRecord, open_reports, reports_db
    open_reports(reports_store(tmp_path))
    reports_db.connect(reuse_if_open=True)
    assert [name for name, _ in sender._jobs] == ["reports"]  # the manager's own job (no AMI here: no voicemail)
    zone = __import__("zoneinfo").ZoneInfo("Asia/Shanghai")
    call = dt.datetime(2026, 12, 7, 10, 15, tzinfo=zone).timestamp()  # Monday 10:15 local
    for n, (direction, outcome, talk) in enumerate([("inbound", "answered", 60.0), ("inbound", "missed", 0.0),
                                                    ("outbound", "answered", 30.0)]):
        CallRecord.create(id=f"c{n}", started=call + n, ended=call + n + talk, direction=direction, path="[]",
                          wait=0, talk=talk, hold=0, transfers="[]", outcome=outcome)
    with change("t", "settings.update", "") as cs:
        box_settings.save(cs, {"timezone": "Asia/Shanghai"})
    with MailServer() as server:
        _relay(server)
        with change("t", "mail.reports", "") as cs:
            mailing.save(cs, {"daily": True, "weekly": False, "recipients": ["boss@example.com", "ops@example.com"],
                              "hour": 7})
        # Tuesday 06:30 local: yesterday's (Monday's) report is not due yet; Sunday's is.
        sender.clock.now = dt.datetime(2026, 12, 7, 22, 30)
        sender.round()
        (rcpts, msg), = server.wait(1)
        assert msg["Subject"] == "Daily traffic report, 2026-12-06 to 2026-12-06"
        # 07:00 local: Monday's report, with Monday's calls.
        sender.clock.now = dt.datetime(2026, 12, 7, 23, 0)
        sender.round()
        (_, _), (rcpts, msg) = server.wait(2)
        assert rcpts == ["boss@example.com", "ops@example.com"]
        assert msg["Subject"] == "Daily traffic report, 2026-12-07 to 2026-12-07"
        text = msg.get_body(("plain",)).get_content()
        assert "(Asia/Shanghai)" in text
        ten = next(line for line in text.splitlines() if line.startswith("2026-12-07 10:00"))
        assert ten.split() == ["2026-12-07", "10:00", "2", "1", "0", "2", "1", "1", "50.0", "90.0"], ten
        total = next(line for line in text.splitlines() if line.startswith("Total"))
        assert total.split()[1:4] == ["2", "1", "0"]
        (csv_part,) = list(msg.iter_attachments())
        assert csv_part.get_filename() == "traffic-2026-12-07-2026-12-07.csv"
        lines = csv_part.get_content().lstrip("\ufeff").splitlines()
        assert lines[0].startswith("period,inbound,outbound,internal") and len(lines) == 1 + 24 + 1
        assert not list((tmp_path / "data" / "mail-attachments").iterdir()), "the CSV made for the mail is left behind"
        # Later rounds the same day send nothing more; the next day's turn comes at 07:00 again.
        sender.clock.now = dt.datetime(2026, 12, 8, 12, 0)
        sender.round()
        assert len(server.received) == 2
        # Weekly, in Chinese: last week, Monday to Sunday, by day.
        with change("t", "settings.update", "") as cs:
            box_settings.save(cs, {"language": "zh"})
        with change("t", "mail.reports", "") as cs:
            mailing.save(cs, {"daily": False, "weekly": True})
        sender.clock.now = dt.datetime(2026, 12, 13, 23, 30)  # Monday 2026-12-14 07:30 local
        sender.round()
        msg = server.wait(3)[2][1]
        assert msg["Subject"] == "每周话务报表：2026-12-07 至 2026-12-13"
        text = msg.get_body(("plain",)).get_content()
        assert "时段" in text and "合计" in text
        monday = next(line for line in text.splitlines() if line.startswith("2026-12-07"))
        assert monday.split()[1:4] == ["2", "1", "0"]
    reports_db.close()


def test_report_mail_settings_through_the_api(admin):
    assert admin.get("/system/mail/reports").json == {"daily": False, "weekly": False, "recipients": [], "hour": 7}
    r = admin.put("/system/mail/reports", {"daily": True, "recipients": ["boss@example.com"], "hour": 6})
    assert r.status == 200 and r.json == {"daily": True, "weekly": False, "recipients": ["boss@example.com"],
                                          "hour": 6}
    for body, field in (({"recipients": ["boss@example.com\r\nBcc: x@example.com"]}, "recipients"),
                        ({"hour": 24}, "hour"), ({"daily": "yes"}, "daily"), ({"monthly": True}, "monthly")):
        r = admin.put("/system/mail/reports", body)
        assert r.status == 422 and r.json["field"] == field, r.json
    assert admin.get("/system/mail/reports").json["hour"] == 6
