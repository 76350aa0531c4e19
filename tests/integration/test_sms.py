"""SMS from a real box: an HTTP SMS gateway the test runs on the host side of the box's link takes
the box's messages (Chinese text intact, a gateway that answers 500 retried then given up), and the
box's webhook takes a customer's reply, which shows on the customer's page."""

from __future__ import annotations

import time

import pytest

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
