"""SMS: template fields, the HTTP gateway adapter against a real HTTP server on loopback, the outbox
(retries, giving up, delivery reports), the sender's pace, broadcasts and opt-out, and the /sms API."""

from __future__ import annotations

import base64
import datetime as dt
import time

import pytest
from marshmallow import ValidationError

from appliance.db import change
from appliance.db.models import SmsMessage
from appliance.sms import gateways, http_gateway, inbound, outbox, templates
from appliance.sms.adapters import SendError, number_for
from appliance.sms.manager import SmsManager
from tests.smsgateway import SmsGateway
from tests.unit.test_mail import Box

T0 = dt.datetime(2026, 12, 5, 8, 0, 0)
URL = "/send?user={username}&pwd={password}&to={to}&msg={text}&ref={id}"


def test_template_fields_are_names_from_the_list():
    assert templates.fields_of("Hi {name}, ticket {ticket} is {status}") == ["name", "ticket", "status"]
    assert templates.check("{name} {{literal}}", templates.MESSAGE_FIELDS)
    with pytest.raises(ValidationError, match=r"unknown field \{nmae\}"):
        templates.check("Dear {nmae}", templates.MESSAGE_FIELDS)
    for bad in ("{name.__class__}", "{name!r}", "{name:>10}", "{0}", "open {", "close }"):
        with pytest.raises(ValidationError):
            templates.check(bad, templates.MESSAGE_FIELDS)
    assert templates.fill("您好{name}，{x}{{ok}}", {"name": "王芳"}) == "您好王芳，{ok}"
    assert templates.fill("{to}&{text}", {"to": "86 1", "text": "a&b"}, quote=lambda v: v.replace(" ", "+")) \
        == "86+1&a&b"


def test_numbers_go_to_the_gateway_in_the_form_it_wants():
    assert number_for("8613800138000", "international", "86") == "8613800138000"
    assert number_for("8613800138000", "e164", "86") == "+8613800138000"
    assert number_for("8613800138000", "national", "86") == "13800138000"
    assert number_for("10086", "national", "86") == "10086"


def _options(server, **more):
    return {"url": server.url + URL, "method": "GET", "body": {}, "auth": "none", "username": "acct",
            "sender": "", "number_format": "international", "success_status": None, "success_field": None,
            "success_value": None, "id_field": None, **more}


def test_a_get_request_carries_chinese_text_url_encoded():
    with SmsGateway() as server:
        assert http_gateway.send(_options(server), "p&w=1", "8613800138000", "您好 & 再见", 7) is None
        (req,) = server.wait(1)
    assert req["method"] == "GET" and req["path"] == "/send"
    assert req["query"] == {"user": "acct", "pwd": "p&w=1", "to": "8613800138000", "msg": "您好 & 再见", "ref": "7"}


def test_post_json_with_basic_auth_and_a_success_field_gives_the_providers_id():
    with SmsGateway() as server:
        options = _options(server, url=server.url + "/v1/sms", method="POST_JSON", auth="basic",
                           body={"mobile": "{to}", "content": "【呼叫中心】{text}", "sign": "{from}"},
                           sender="Callbox", success_field="code", success_value="OK", id_field="msgid")
        assert http_gateway.send(options, "s3cret", "13800138000", "你好", 1) == "m1"
        server.answers.append((200, {"code": "isv.BUSINESS_LIMIT_CONTROL"}))
        with pytest.raises(SendError, match="code='isv.BUSINESS_LIMIT_CONTROL'") as err:
            http_gateway.send(options, "s3cret", "13800138000", "你好", 2)
        assert not err.value.permanent
        req = server.received[0]
    assert req["body"] == {"mobile": "13800138000", "content": "【呼叫中心】你好", "sign": "Callbox"}
    assert req["headers"]["Authorization"] == "Basic " + base64.b64encode(b"acct:s3cret").decode()


def test_a_post_form_and_the_status_check():
    with SmsGateway() as server:
        options = _options(server, url=server.url + "/sms", method="POST_FORM", body={"to": "{to}", "m": "{text}"},
                           success_status=202)
        with pytest.raises(SendError, match="HTTP 200"):  # 200 is not the 202 this provider promises
            http_gateway.send(options, "", "1", "a b", 1)
        server.answers.append((202, {}))
        http_gateway.send(options, "", "1", "a b", 1)
        assert server.received[-1]["body"] == {"to": "1", "m": "a b"}
        server.answers.append((500, b"oops"))
        with pytest.raises(SendError, match="HTTP 500: oops") as err:
            http_gateway.send(_options(server), "", "1", "x", 1)
        assert not err.value.permanent
        server.answers.append((401, {"error": "bad key"}))
        with pytest.raises(SendError) as err:
            http_gateway.send(_options(server), "", "1", "x", 1)
        assert err.value.permanent
    with pytest.raises(SendError, match="could not reach the gateway"):
        http_gateway.send(_options(server), "", "1", "x", 1, timeout=2)


def test_failed_attempts_back_off_then_give_up(config_db):
    m = outbox.add("8613800138000", "hi", now=T0)
    assert not outbox.failed_attempt(m, 1, "HTTP 500", 3, now=T0)
    m = SmsMessage.get_by_id(m.id)
    assert (m.state, m.attempts, m.next_try) == ("queued", 1, T0 + dt.timedelta(seconds=5))
    assert outbox.due(T0) == [] and outbox.due(m.next_try) == [m]
    assert not outbox.failed_attempt(m, 1, "HTTP 500", 3, now=m.next_try)
    m = SmsMessage.get_by_id(m.id)
    assert outbox.failed_attempt(m, 1, "HTTP 502", 3, now=m.next_try)
    m = SmsMessage.get_by_id(m.id)
    assert (m.state, m.attempts, m.last_error) == ("failed", 3, "HTTP 502")
    assert outbox.retry(m.id) and SmsMessage.get_by_id(m.id).state == "queued"
    n = outbox.add("1", "x", now=T0)
    assert outbox.failed_attempt(n, 1, "HTTP 401", 3, permanent=True, now=T0)


def test_a_delivery_report_moves_a_sent_message(config_db):
    m = outbox.add("8613800138000", "hi", now=T0)
    outbox.sent(m, 4, "m9", now=T0)
    assert inbound.report(3, "m9", "DELIVRD") is None  # another gateway's id
    assert inbound.report(4, "m9", "DELIVRD") == m.id
    m = SmsMessage.get_by_id(m.id)
    assert (m.state, m.delivered_at) == ("delivered", m.delivered_at) and m.delivered_at is not None
    assert inbound.report(4, "m9", "EXPIRED") == m.id
    assert SmsMessage.get_by_id(m.id).state == "undelivered"


@pytest.fixture
def sender(config_db, tmp_path):
    from appliance.settings import Runtime

    runtime = Runtime.from_environ({"BOX_DATA": str(tmp_path / "data"), "BOX_RUN": str(tmp_path / "run")})
    manager = SmsManager(Box(runtime))
    manager.load()
    alerts = []
    manager.box.events.publish = lambda topic, **ev: alerts.append((topic, ev))
    manager.alerts = alerts
    return manager


def _gateway(server, tmp_path, **more):
    data = {"name": "Provider", "kind": "http", "rate": 20, "attempts": 2,
            "options": {"url": server.url + URL, "password": "pw", "id_field": "msgid", **more.pop("options", {})},
            **more}
    g, _ = gateways.create(data, "t", tmp_path / "data" / "secrets")
    return g


def test_the_sender_paces_a_broadcast_and_gives_up_on_a_failing_gateway(sender, tmp_path):
    with SmsGateway() as server:
        _gateway(server, tmp_path)
        for i in range(10):
            outbox.add(f"86138001380{i:02d}", f"第{i}条")
        t0 = time.monotonic()
        sender.round()
        took = time.monotonic() - t0
        got = server.wait(10)
        assert 0.40 <= took < 2.0, took  # 20 a second: 9 gaps of 50 ms
        # Paced: the k-th no sooner than k gaps after the round began (one gap on its own, or the
        # gaps from the first, may look short when the message before was late to arrive).
        since = [r["at"] - t0 for r in got]
        assert all(t >= k * 0.05 - 0.02 for k, t in enumerate(since)), since
        assert [r["query"]["pwd"] for r in got] == ["pw"] * 10
        assert {m.state for m in SmsMessage.select()} == {"sent"}
        assert SmsMessage.select().where(SmsMessage.external_id == "m1").count() == 1
        server.answers.extend([(500, b"down"), (500, b"down")])
        m = outbox.add("8613900139000", "x")
        sender.round()
        m = SmsMessage.get_by_id(m.id)
        assert (m.state, m.attempts) == ("queued", 1)
        SmsMessage.update(next_try=outbox.utcnow()).where(SmsMessage.id == m.id).execute()
        sender.round()
        m = SmsMessage.get_by_id(m.id)
        assert (m.state, m.attempts, m.last_error) == ("failed", 2, "HTTP 500: down")
        assert sender.alerts[-1][1]["active"] is True


def test_an_incoming_td_opts_the_customer_out(config_db):
    from appliance.customers import service as customers

    c, _ = customers.create({"name": "王芳", "numbers": ["+86 138 0013 8000"]}, "t")
    row = inbound.message(1, "+8613800138000", "好的，谢谢")
    assert row.customer_id == c.id and row.state == "received"
    assert not customers.get(c.id).sms_opt_out
    inbound.message(1, "8613800138000", " 退订 ")
    assert customers.get(c.id).sms_opt_out
    assert inbound.message(1, "ICBC", "x").customer_id is None
    with pytest.raises(ValueError):
        inbound.message(1, "<script>", "x")


def test_the_api(admin, tmp_path):
    with SmsGateway() as server:
        r = admin.post("/sms", {"to": "13800138000", "text": "hi"})
        assert r.status == 409 and "no SMS gateway" in r.json["error"], r.json
        bad = admin.post("/sms/gateways", {"name": "P", "kind": "http", "options": {"url": server.url + "/?m={txet}"}})
        assert bad.status == 422 and bad.json["field"] == "options.url" and "{txet}" in bad.json["error"], bad.json
        bad = admin.post("/sms/gateways", {"name": "P", "kind": "http",
                                           "options": {"url": server.url, "body": {"a": "{to}"}}})
        assert bad.status == 422 and bad.json["field"] == "options.body", bad.json
        r = admin.post("/sms/gateways", {"name": "P", "kind": "http", "options": {
            "url": server.url + URL, "password": "pw", "id_field": "msgid"}})
        assert r.status == 201, r.json
        g = r.json
        assert g["password_set"] and "password" not in g["options"] and g["webhook"].startswith("/api/v1/sms/inbound/")
        assert admin.post("/sms", {"to": "13800138000\n", "text": "hi"}).status == 422
        assert admin.post("/sms", {"to": "138", "text": "hi", "customers": [1]}).status == 422
        c = admin.post("/customers", {"name": "Li Lei", "numbers": ["13800138000"]}).json
        r = admin.post("/sms", {"to": "138-0013-8000", "text": "您好"})
        assert r.status == 202 and r.json["state"] == "queued", r.json
        (m,) = admin.get("/sms").json["items"]
        assert (m["direction"], m["text"], m["customer"]) == ("out", "您好", {"id": c["id"], "name": "Li Lei"})
        hook = g["webhook"][len("/api/v1"):]
        assert admin.post("/sms/inbound/nope", {"from": "1", "text": "x"}, token="").status == 404
        r = admin.post(hook, {"from": "13800138000", "text": "TD"}, token="")
        assert r.status == 200 and r.json["customer"] == c["id"], r.json
        seen = admin.get(f"/customers/{c['id']}/sms").json
        assert seen["opt_out"] is True and [i["direction"] for i in seen["items"]] == ["in", "out"]
        r = admin.post("/sms", {"text": "Hi {name}", "customers": {"q": "Li"}})
        assert r.status == 202 and (r.json["queued"], r.json["opted_out"]) == (0, 1), r.json
        bad = admin.post("/sms", {"text": "Hi {nmae}", "customers": [c["id"]]})
        assert bad.status == 422 and bad.json["field"] == "text", bad.json
        bad = admin.post("/sms/templates", {"name": "t", "text": "Hi {nmae}"})
        assert bad.status == 422 and bad.json["field"] == "text" and "{nmae}" in bad.json["error"], bad.json
        assert admin.put(f"/customers/{c['id']}/sms", {"opt_out": False}).status == 200
        t = admin.post("/sms/templates", {"name": "promo", "text": "{name}，双十二优惠", "events": []}).json
        r = admin.post("/sms", {"template": "promo", "customers": [c["id"]]})
        assert r.status == 202 and r.json["queued"] == 1, r.json
        report = admin.get(f"/sms/broadcasts/{r.json['broadcast']}").json
        assert report["template"] == t["id"] and report["states"]["queued"] == 1
        assert admin.get("/sms?direction=out&state=queued").json["items"][0]["text"] == "Li Lei，双十二优惠"


def test_a_sender_in_international_form_is_the_customer_kept_without_the_country_code(admin):
    assert admin.patch("/settings", {"country_code": "86"}).status == 200
    bare = admin.post("/customers", {"name": "李雷", "numbers": ["13700137000"]}).json
    assert inbound.message(1, "8613700137000", "在吗").customer_id == bare["id"]
    assert inbound.message(1, "+8613700137001", "在吗").customer_id is None


def test_events_send_their_templates_to_the_caller(admin, tmp_path):
    """A missed call and a message left (call records), a callback asked for and a ticket's new status
    each queue the templates that name the event, to the caller, once; opted-out customers get none."""
    from appliance.reports.db import Callback, CallRecord, reports_db
    from appliance.sms.notify import EventSender

    assert admin.patch("/settings", {"country_code": "86", "language": "zh"}).status == 200
    assert admin.post("/sms/gateways", {"name": "P", "kind": "http", "options": {"url": "http://127.0.0.1:9/"}}) \
        .status == 201
    for name, text, events in (("missed", "{name}您好，我们错过了您{time}打给{extension}的电话", ["missed_call"]),
                               ("ticket", "工单{ticket}：{status}", ["ticket_status"]),
                               ("cb", "已为您预约回电（{queue}）", ["callback", "voicemail"])):
        assert admin.post("/sms/templates", {"name": name, "text": text, "events": events}).status == 201
    admin.post("/customers", {"name": "王芳", "numbers": ["13800138000"]})
    opted = admin.post("/customers", {"name": "Out", "numbers": ["13900139000"]}).json
    admin.put(f"/customers/{opted['id']}/sms", {"opt_out": True})
    with reports_db.connection_context():
        sender = EventSender(admin.box.events)
        for call_id, number, outcome in (("1.1", "+8613800138000", "missed"), ("1.2", "13900139000", "missed"),
                                         ("1.3", "8002", "missed"), ("1.4", "13700137000", "voicemail")):
            CallRecord.create(id=call_id, started=1765000000.0, ended=1765000009.0, direction="inbound", path="[]",
                              wait=9.0, talk=0.0, hold=0.0, transfers="[]", outcome=outcome, from_number=number,
                              to_number="8001")
            admin.box.events.publish("call_recorded", id=call_id, outcome=outcome, direction="inbound")
        admin.box.events.publish("call_recorded", id="1.1", outcome="missed", direction="inbound")  # again
        assert sender.poll(0.1) == 2
        assert sender.poll(0.1) == 0  # the callbacks table is read from now on
        Callback.create(queue="500", number="13600136000", callid="2.1", position=1, requested_at=1765000000.0,
                        placed=0)
        t = admin.post("/tickets", {"kind": "complaint", "summary": "No water", "caller": "13800138000"}).json
        assert admin.patch(f"/tickets/{t['number']}", {"status": "in_progress"}).status == 200
        assert sender.poll(0.1) == 2
        sender.close()
    texts = {(m.number, m.text, m.created_by) for m in SmsMessage.select()}
    assert texts == {("8613800138000", "王芳您好，我们错过了您2025-12-06 05:46打给8001的电话", "missed_call"),
                     ("13700137000", "已为您预约回电（）", "voicemail"),
                     ("13600136000", "已为您预约回电（500）", "callback"),
                     ("13800138000", f"工单{t['number']}：办理中", "ticket_status")}, texts


# -- SMPP ---------------------------------------------------------------------------------------

def test_smpp_delivery_receipts_are_read_from_the_text_or_the_optional_fields():
    from appliance.sms.smpp_gateway import receipt

    text = b"id:8f2a01 sub:001 dlvrd:001 submit date:2612061200 done date:2612061201 stat:DELIVRD err:000 text:"
    assert receipt(text) == ("8f2a01", "DELIVRD")
    assert receipt(b"id:77 stat:UNDELIV err:001") == ("77", "UNDELIV")
    assert receipt(b"", receipted_id=b"abc", state=2) == ("abc", "DELIVRD")  # message_state 2: delivered
    assert receipt(b"no receipt here") is None


def test_smpp_addresses_name_their_type_of_number():
    from appliance.sms.smpp_gateway import addresses

    intl = addresses("8613800138000", "international", "Callbox")
    assert (intl["dest_addr_ton"], intl["destination_addr"], intl["source_addr_ton"], intl["source_addr"]) == \
        (1, "8613800138000", 5, "Callbox")
    national = addresses("13800138000", "national", "10690000")
    assert (national["dest_addr_ton"], national["source_addr_ton"], national["source_addr"]) == (2, 1, "10690000")
    assert addresses("+8613800138000", "international", "")["destination_addr"] == "8613800138000"


def test_smpp_gateways_are_checked(admin):
    good = {"host": "198.51.100.20", "system_id": "callbox", "password": "Pw-12345"}
    for options, field in (({**good, "host": "not a host!"}, "options.host"),
                           ({**good, "system_id": "a" * 16}, "options.system_id"),
                           ({**good, "password": "longer-than-8"}, "options.password"),
                           ({**good, "port": 0}, "options.port"),
                           ({**good, "sender": "A name far too long"}, "options.sender"),
                           ({k: v for k, v in good.items() if k != "system_id"}, "options.system_id")):
        r = admin.post("/sms/gateways", {"name": "SMSC", "kind": "smpp", "options": options})
        assert r.status == 422 and r.json["field"] == field, (options, r.json)
    assert admin.get("/sms/gateways").json["items"] == []
    r = admin.post("/sms/gateways", {"name": "SMSC", "kind": "smpp", "options": good})
    assert r.status == 201, r.json
    assert r.json["options"] == {"host": "198.51.100.20", "port": 2775, "system_id": "callbox", "system_type": "",
                                 "sender": "", "number_format": "international", "delivery_reports": True,
                                 "timeout": 10.0} and r.json["password_set"] is True
