"""SMS broadcast benchmark (make bench runs it on its box; never part of the tests).

10,000 customers (imported as CSV) get one broadcast; the box's HTTP gateway adapter sends them
to a loopback gateway on the host end of the box's link (tests/smsgateway.py), at the highest
rate a gateway may set. Measured: the API call that queues them all, the throughput until the
last one reached the gateway, and the supervisor's CPU meanwhile. Reference in the same run: the
same adapter code (appliance/sms/http_gateway.py) sending the same number of requests to the same
gateway straight from the host, without the outbox. A second, throttled broadcast checks that
the gateway's rate holds.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from appliance.sms import http_gateway  # noqa: E402
from tests.smsgateway import SmsGateway  # noqa: E402

from bench_floor import CpuWindow  # noqa: E402

MESSAGES = 10_000
RATE = 1000  # the most a gateway may set
THROTTLED, THROTTLED_RATE = 500, 100
TEXT = "{name}，您好：您的订单已发货，快递单号 SF1234567890，预计明天送达。退订回TD"
URL = "/send?to={to}&text={text}&ref={id}"


def _customers(api) -> None:
    rows = ["name,numbers"] + [f"客户{i:05d},1390000{i:04d}" for i in range(MESSAGES)]
    r = api.request("POST", "/customers/import", raw="\n".join(rows).encode(), content_type="text/csv",
                    timeout=300)
    assert r.status == 201 and not r.json["errors"], r


def _wait(gateway: SmsGateway, count: int, timeout: float) -> float:
    gateway.wait(count, timeout=timeout)
    with gateway.lock:
        return gateway.received[count - 1]["at"]


def measure(box, api) -> dict:
    _customers(api)
    with SmsGateway(host=box.host_ip) as gateway:
        r = api.post("/sms/gateways", {"name": "Bench", "kind": "http", "rate": RATE, "attempts": 1,
                                       "options": {"url": gateway.url + URL}})
        assert r.status == 201, r
        gateway_id = r.json["id"]
        cpu = CpuWindow(box)
        started = time.monotonic()
        r = api.post("/sms", {"text": TEXT, "customers": {"q": "客户"}}, timeout=300)
        queued = time.monotonic() - started
        assert r.status == 202 and r.json["queued"] == MESSAGES, r
        last = _wait(gateway, MESSAGES, timeout=3600)
        took = last - started
        share = cpu.share()
        report = api.get(f"/sms/broadcasts/{r.json['broadcast']}").json
        deadline = time.monotonic() + 60
        while report["states"]["sent"] < MESSAGES and time.monotonic() < deadline:
            time.sleep(0.5)
            report = api.get(f"/sms/broadcasts/{r.json['broadcast']}").json
        sample = gateway.received[0]["query"]["text"]

        gateway.clear()
        options = {"url": gateway.url + URL, "method": "GET"}
        started = time.monotonic()
        for i in range(MESSAGES):
            http_gateway.send(options, "", f"1390000{i:04d}", TEXT.format(name=f"客户{i:05d}"), i)
        direct = time.monotonic() - started

        gateway.clear()
        assert api.patch(f"/sms/gateways/{gateway_id}", {"rate": THROTTLED_RATE}).status == 200
        ids = [c["id"] for c in api.get(f"/customers?per_page={THROTTLED}").json["items"]]
        started = time.monotonic()
        r = api.post("/sms", {"text": TEXT, "customers": ids})
        assert r.status == 202, r
        first = _wait(gateway, 1, timeout=60)
        last_throttled = _wait(gateway, THROTTLED, timeout=600)
    return {"queued": queued, "took": took, "cpu": share, "sent": report["states"]["sent"], "sample": sample,
            "direct": direct, "throttled": (THROTTLED - 1) / (last_throttled - first)}


def markdown(m: dict) -> str:
    rate, direct_rate = MESSAGES / m["took"], MESSAGES / m["direct"]
    return f"""
## SMS

| What | Figure | Reference (same run) | Ratio | Target |
|---|---|---|---|---|
| A broadcast to {MESSAGES:,} customers through the HTTP gateway adapter to a gateway on the host end of the box's link (gateway rate {RATE}/s): from the API call until the last message reached the gateway | {m["took"]:.1f} s, {rate:.0f} messages/s ({m["sent"]:,} marked sent) | the same adapter code sending {MESSAGES:,} requests to the same gateway from the host, without the outbox: {m["direct"]:.1f} s, {direct_rate:.0f}/s | {rate / direct_rate:.2f} x | 10,000 in under 10 min |
| The API call that queues the broadcast ({MESSAGES:,} rows in the outbox, one transaction) | {m["queued"]:.2f} s | | | |
| Supervisor CPU while sending | {m["cpu"].get("supervisor", 0) * 100:.0f} % of a core (Asterisk {m["cpu"].get("asterisk", 0) * 100:.1f} %) | | | |
| A gateway set to {THROTTLED_RATE} messages/s: a broadcast of {THROTTLED} | {m["throttled"]:.1f} messages/s | the rate set: {THROTTLED_RATE}/s | {m["throttled"] / THROTTLED_RATE:.2f} x | at most 1.00 x |
"""


if __name__ == "__main__":
    import json
    import secrets

    from tests.api import Api
    from tests.integration.conftest import ADMIN_PASSWORD, start_box, stop_box

    name = f"bench-sms-{secrets.token_hex(3)}"
    box = start_box(name)
    try:
        result = measure(box, Api(box.url).sign_in(ADMIN_PASSWORD))
    finally:
        stop_box(name)
    print(json.dumps(result, ensure_ascii=False, indent=1))
    print(markdown(result))
