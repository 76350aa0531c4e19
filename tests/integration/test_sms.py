"""SMS from a real box: an HTTP SMS gateway the test runs on the host side of the box's link takes
the box's messages (Chinese text intact, a gateway that answers 500 retried then given up), and the
box's webhook takes a customer's reply, which shows on the customer's page. A simulated GSM modem
on a pseudo-terminal inside the box (the supervisor opens it as it would a USB modem) gets a long
Chinese message in parts, hands in a multipart reply, and stops answering."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

from tests import modemsim
from tests.integration.conftest import BOX
from tests.integration.test_routing import provider_ip  # noqa: F401 - the SIP provider's address
from tests.smsgateway import SmsGateway


@pytest.fixture(scope="module")
def gateway(box):
    with SmsGateway(host=box.host_ip) as server:
        yield server


@pytest.fixture(scope="module")
def provider(api, gateway):
    """The box's HTTP gateway: JSON POST with basic auth, numbers without the country code, as most
    Chinese providers want them."""
    assert api.patch("/settings", {"country_code": "86"}).status == 200
    r = api.post("/sms/gateways", {"name": "Provider", "kind": "http", "rate": 50, "attempts": 2, "options": {
        "url": gateway.url + "/v1/sms", "method": "POST_JSON", "auth": "basic", "username": "callbox",
        "password": "Gw-Pass-1", "number_format": "national", "sender": "Callbox",
        "body": {"mobile": "{to}", "content": "{text}", "sign": "{from}"},
        "success_field": "code", "success_value": "OK", "id_field": "msgid"}})
    assert r.status == 201, r.json
    return r.json


def wait_state(api, message_id: int, states: set, timeout: float = 20.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        item = next((m for m in api.get("/sms?limit=500").json["items"] if m["id"] == message_id), None)
        if item is not None and item["state"] in states:
            return item
        if time.monotonic() > deadline:
            raise AssertionError(f"message {message_id} not {states} in {timeout} s: {item}")
        time.sleep(0.1)


def test_chinese_text_arrives_as_sent_and_is_reported_delivered(api, gateway, provider):
    gateway.clear()
    long_text = "您好，您的订单已发货。" * 10 + "退订回TD"
    r = api.post("/sms", {"to": "+86 138-0013-8000", "text": long_text})
    assert r.status == 202, r.json
    (req,) = gateway.wait(1, timeout=15)
    assert req["method"] == "POST" and req["path"] == "/v1/sms"
    assert req["body"] == {"mobile": "13800138000", "content": long_text, "sign": "Callbox"}
    assert req["headers"]["Authorization"].startswith("Basic ")
    sent = wait_state(api, r.json["id"], {"sent"})
    assert sent["attempts"] == 1 and sent["number"] == "8613800138000"
    # The provider reports delivery to the box's webhook, by the id it answered with.
    hook = provider["webhook"][len("/api/v1"):]
    r2 = api.post(hook, {"id": "m1", "status": "DELIVRD"}, token="")
    assert r2.status == 200 and r2.json["message"] == r.json["id"], r2.json
    assert wait_state(api, r.json["id"], {"delivered"})["delivered_at"]


def test_a_gateway_that_fails_is_retried_then_the_message_is_failed(api, gateway, provider):
    gateway.clear()
    gateway.answers.extend([(500, b"internal error"), (500, b"internal error")])
    t0 = time.monotonic()
    r = api.post("/sms", {"to": "13900139000", "text": "retry me"})
    assert r.status == 202, r.json
    failed = wait_state(api, r.json["id"], {"failed"}, timeout=30)
    assert time.monotonic() - t0 >= 5  # the second attempt waited the first backoff
    assert (failed["attempts"], failed["last_error"]) == (2, "HTTP 500: internal error"), failed
    assert gateway.refused == 2 and gateway.received == []
    assert api.get("/health").json["sms"]["failed"] >= 1
    # Fixed (the provider answers again): a retry sends it.
    assert api.post(f"/sms/{r.json['id']}/retry").status == 200
    (req,) = gateway.wait(1, timeout=15)
    assert req["body"]["content"] == "retry me"
    assert wait_state(api, r.json["id"], {"sent"})["attempts"] == 1


def test_a_reply_through_the_webhook_shows_on_the_customers_page(api, provider):
    c = api.post("/customers", {"name": "张伟", "numbers": ["021-6234 5678", "13700137000"]}).json
    hook = provider["webhook"][len("/api/v1"):]
    r = api.request("POST", hook, raw="from=%2B8613700137000&text=%E6%94%B6%E5%88%B0".encode(),
                    content_type="application/x-www-form-urlencoded", token="")
    assert r.status == 200 and r.json["customer"] == c["id"], r.json
    page = api.get(f"/customers/{c['id']}/sms").json
    (item,) = page["items"]
    assert (item["direction"], item["text"], item["state"], item["number"]) == ("in", "收到", "received",
                                                                                 "8613700137000")
    assert page["opt_out"] is False
    assert api.post(hook, {"from": "13700137000", "text": "退订"}, token="").status == 200
    assert api.get(f"/customers/{c['id']}/sms").json["opt_out"] is True
    # A wrong token is refused and stores nothing.
    assert api.post("/sms/inbound/not-the-token", {"from": "13700137000", "text": "x"}, token="").status == 404
    assert len(api.get(f"/customers/{c['id']}/sms").json["items"]) == 2



def test_a_missed_call_sends_the_missed_call_template_to_the_caller(api, sip, box, gateway, provider, provider_ip):
    r = api.post("/sms/templates", {"name": "未接来电", "events": ["missed_call"],
                                    "text": "{name}您好，我们未能接听您{time}打给{extension}的电话，稍后给您回电。"})
    assert r.status == 201, r.json
    api.post("/customers", {"name": "刘洋", "numbers": ["13500135000"]})
    desk = api.post("/extensions", {"number": "8201", "name": "Front desk"}).json
    phone = sip.phone("8201", desk["secret"], box.sip).register()
    trunk = api.post("/trunks", {"name": "Carrier", "host": provider_ip, "port": 5090}).json
    assert api.post("/inbound-routes", {"name": "Main", "did": "075512340000",
                                        "destination": {"kind": "extension", "target": "8201"}}).status == 201
    caller = sip.provider(provider_ip, 5090, user="13500135000")
    gateway.clear()
    call = caller.call_uri(f"sip:075512340000@{box.box_ip}:5060")
    phone.wait_incoming(timeout=10)
    call.hangup_call()  # rang, nobody answered: a missed call
    call.wait_disconnected(timeout=10)
    (req,) = gateway.wait(1, timeout=30)
    assert req["body"]["mobile"] == "13500135000", req
    text = req["body"]["content"]
    assert text.startswith("刘洋您好，我们未能接听您") and text.endswith("打给8201的电话，稍后给您回电。"), text
    assert api.delete(f"/trunks/{trunk['id']}").status in (204, 409)


# -- the GSM modem: a simulated one (tests/modemsim.py) runs inside the box on a pseudo-terminal of
# the box's own devpts; the supervisor opens it as it would /dev/ttyUSB0. The test drives the
# simulation through a Unix socket in the box's data directory.

class BoxModem:
    def __init__(self, box):
        data = Path(os.environ.get("CALLBOX_STATE", "/var/lib/callbox-dev/boxes")) / box.name / "data"
        shutil.copy(Path(modemsim.__file__), data / "modemsim.py")
        self.socket_path = data / "modem.sock"
        self.proc = subprocess.Popen([str(BOX), "exec", box.name, "--", "python3", "/data/modemsim.py",
                                      "/data/modem.sock"], stdout=subprocess.PIPE, text=True,
                                     start_new_session=True)
        self.device = json.loads(self.proc.stdout.readline())["device"]

    def ask(self, **request) -> dict:
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(10)
            s.connect(str(self.socket_path))
            f = s.makefile("rw")
            f.write(json.dumps(request) + "\n")
            f.flush()
            return json.loads(f.readline())

    def close(self) -> None:
        os.killpg(self.proc.pid, signal.SIGTERM)
        self.proc.wait(timeout=10)


@pytest.fixture(scope="module")
def modem(box):
    sim = BoxModem(box)
    try:
        yield sim
    finally:
        sim.close()


@pytest.fixture
def on_modem(api, modem, provider):
    """The modem is the gateway that sends (the HTTP one is switched off meanwhile)."""
    found = [g for g in api.get("/sms/gateways").json["items"] if g["kind"] == "modem"]
    if found:
        g = found[0]
    else:
        r = api.post("/sms/gateways", {"name": "GSM modem", "kind": "modem", "rate": 5, "attempts": 1,
                                       "options": {"device": modem.device, "baud": 115200, "timeout": 3}})
        assert r.status == 201, r.json
        g = r.json
    assert api.patch(f"/sms/gateways/{provider['id']}", {"enabled": False}).status == 200
    assert api.patch(f"/sms/gateways/{g['id']}", {"enabled": True}).status == 200
    try:
        yield g
    finally:
        modem.ask(op="silent", value=False)
        api.patch(f"/sms/gateways/{g['id']}", {"enabled": False})
        api.patch(f"/sms/gateways/{provider['id']}", {"enabled": True})


def test_a_long_chinese_message_leaves_the_modem_in_parts(api, modem, on_modem):
    before = len(modem.ask(op="state")["submitted"])
    text = "尊敬的客户，您好！您预约的上门维修已安排在明天上午九点至十一点，届时工程师会提前电话联系您。" * 2
    r = api.post("/sms", {"to": "138 0013 8000", "text": text})
    assert r.status == 202, r.json
    sent = wait_state(api, r.json["id"], {"sent", "failed"}, timeout=30)
    assert sent["state"] == "sent", sent
    state = modem.ask(op="state")
    parts = [modemsim.parse_submit(p) for p in state["submitted"][before:]]
    assert len(parts) == 2, parts
    assert [p["udh"]["seq"] for p in parts] == [1, 2] and {p["udh"]["total"] for p in parts} == {2}
    assert len({p["udh"]["ref"] for p in parts}) == 1
    assert [p["dcs"] for p in parts] == [8, 8] and parts[0]["udl"] == 140
    assert "".join(p["text"] for p in parts) == text
    # Written without the country code, a mobile number goes as the SIM's network dials it.
    assert {(p["number"], p["international"]) for p in parts} == {("13800138000", False)}
    assert "AT+CMGF=0" in state["commands"] and "AT+CNMI=2,1,0,1,0" in state["commands"]


def test_a_multipart_message_from_a_customer_is_reassembled_on_their_page(api, modem, on_modem):
    c = api.post("/customers", {"name": "陈静", "numbers": ["13600136000"]}).json
    text = "你好，我想改一下送货地址：北京市朝阳区建国路八十八号三号楼二单元，谢谢！" * 3
    pdus = modemsim.deliver_pdus("8613600136000", text, ref=0x77)
    assert len(pdus) == 2
    indexes = modem.ask(op="deliver", pdus=list(reversed(pdus)))["indexes"]  # the network's order varies
    deadline = time.monotonic() + 20
    while not (items := api.get(f"/customers/{c['id']}/sms").json["items"]):
        assert time.monotonic() < deadline, "the message did not reach the customer's page"
        time.sleep(0.2)
    (item,) = items
    assert (item["direction"], item["text"], item["number"]) == ("in", text, "8613600136000")
    deadline = time.monotonic() + 10
    while set(indexes) - set(modem.ask(op="state")["deleted"]):
        assert time.monotonic() < deadline, "the parts were not deleted from the SIM"
        time.sleep(0.2)


def test_a_modem_that_stops_answering_fails_its_message_and_nothing_else(api, box, modem, on_modem):
    modem.ask(op="silent", value=True)
    t0 = time.monotonic()
    r = api.post("/sms", {"to": "13800138000", "text": "are you there?"})
    assert r.status == 202, r.json
    # While the sender waits on the modem, the rest of the box answers as usual.
    assert api.post("/extensions", {"number": "8101", "name": "Still here"}).status == 201
    assert box.health()["asterisk"] == "up"
    failed = wait_state(api, r.json["id"], {"failed"}, timeout=30)
    # Silent at set-up (AT) or at the send (AT+CMGS), whichever the sender met first.
    assert re.fullmatch(r"the modem did not answer AT(\+CMGS)? within 3 s", failed["last_error"]), failed
    assert time.monotonic() - t0 < 15
    modem.ask(op="silent", value=False)
    assert api.post(f"/sms/{r.json['id']}/retry").status == 200
    assert wait_state(api, r.json["id"], {"sent", "failed"}, timeout=30)["state"] == "sent"


def test_smpp_gateway_sends_in_parts_takes_receipts_and_messages_and_refusals(api, box, provider):
    """The box bound to an SMSC (tests/smsc.py on the host side of the box's link): a long Chinese
    message leaves as UCS2 parts with a concatenation header, its delivery receipt marks it
    delivered, a two-part reply from a customer's phone is stored whole on the customer, and a
    destination the SMSC refuses fails at once."""
    from tests.smsc import Smsc, reassembled

    with Smsc(box.host_ip, "callbox", "Smpp-123") as smsc:
        r = api.post("/sms/gateways", {"name": "SMSC", "kind": "smpp", "rate": 50, "attempts": 3, "options": {
            "host": smsc.host, "port": smsc.port, "system_id": "callbox", "password": "Smpp-123",
            "sender": "Callbox"}})
        assert r.status == 201, r.json
        smpp = r.json["id"]
        # The first enabled gateway sends: the HTTP provider of the other tests steps aside meanwhile.
        assert api.patch(f"/sms/gateways/{provider['id']}", {"enabled": False}).status == 200
        try:
            text = "您好，您的订单已发货，请注意查收。" * 6
            m = api.post("/sms", {"to": "+86 138 0013 8000", "text": text}).json
            parts = smsc.wait_submits(2)  # 102 characters in UCS2: 204 bytes, 134 in a part
            assert smsc.binds == [("callbox", "Smpp-123")]
            assert all(int(p.data_coding) == 0x08 and int(p.esm_class) & 0x40 for p in parts)
            assert {p.destination_addr.decode() for p in parts} == {"8613800138000"}
            assert parts[0].source_addr.decode() == "Callbox" and int(parts[0].source_addr_ton) == 5
            assert reassembled(parts) == text
            assert len(smsc.wait_submits(2)) == len(smsc.submits) == 2
            assert wait_state(api, m["id"], {"sent"})["attempts"] == 1
            smsc.receipt("m1")
            assert wait_state(api, m["id"], {"delivered"})["delivered_at"]

            r = api.post("/customers", {"name": "李娜", "numbers": ["13300133000"]})
            assert r.status == 201, r.json
            c = r.json
            reply = "收到，谢谢！请问周末可以送货上门吗？我下午三点以后都在家，麻烦送货前先打电话。" * 2
            assert smsc.mobile_message("8613300133000", reply) == 2
            smsc.wait_delivered(3)  # the receipt and both parts answered
            deadline = time.monotonic() + 10
            while not (items := api.get(f"/customers/{c['id']}/sms").json["items"]):
                assert time.monotonic() < deadline, "the reply never reached the customer"
                time.sleep(0.1)
            assert [(i["direction"], i["text"]) for i in items] == [("in", reply)]

            smsc.answers.append(0x0B)  # invalid destination: trying again cannot help
            bad = api.post("/sms", {"to": "13900139000", "text": "x"}).json
            failed = wait_state(api, bad["id"], {"failed"})
            assert failed["attempts"] == 1 and "0x0B" in failed["last_error"], failed
        finally:
            api.patch(f"/sms/gateways/{provider['id']}", {"enabled": True})
            api.delete(f"/sms/gateways/{smpp}")
