"""The CRM lookup hook against a real HTTP server on 127.0.0.1: answers, time limit, garbage, cache."""

from __future__ import annotations

import json
import logging
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from appliance import box_settings
from appliance.customers import lookup
from appliance.db import change
from tests import gevented

TIMEOUT_MS = 300
ANSWER = {"name": "Zhang Wei", "orders": [{"id": 7, "total": 120.5}], "vip": True}


class Crm:
    """A CRM stand-in: answers each request with `reply` (status, body bytes, seconds to wait
    first, seconds between bytes) and keeps the paths it was asked."""

    def __init__(self):
        self.paths: list[str] = []
        self.reply = (200, json.dumps(ANSWER).encode(), 0.0, 0.0)
        crm = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                crm.paths.append(self.path)
                status, body, wait, trickle = crm.reply
                try:
                    time.sleep(wait)
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    for start in range(0, len(body), 1 if trickle else len(body) or 1):
                        self.wfile.write(body[start:start + 1] if trickle else body)
                        self.wfile.flush()
                        time.sleep(trickle)
                except OSError:
                    pass  # the box gave up on us, as it should

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/api/caller?key=s3cret"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def configure(**values) -> None:
    with change("test", "settings.update", settled=True) as cs:
        box_settings.save(cs, values)


@pytest.fixture
def crm(config_db):
    server = Crm()
    configure(country_code="86", customer_lookup_url=server.url, customer_lookup_timeout_ms=TIMEOUT_MS)
    lookup.cache.clear()
    yield server
    server.close()
    lookup.cache.clear()


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(lookup, "cache", lookup.Cache(clock=clock))
    return clock


def timed(number: str):
    start = time.monotonic()
    answer = lookup.lookup(number)
    return answer, time.monotonic() - start


def test_asks_with_the_normalised_number_and_gives_the_object(crm):
    assert lookup.lookup("0755-1234567") == ANSWER
    assert crm.paths == ["/api/caller?key=s3cret&number=867551234567"]


def test_an_answer_is_cached_per_number_and_each_caller_gets_a_copy(crm, clock):
    first = lookup.lookup("0755-1234567")
    first["name"] = "changed by the screen pop"
    assert lookup.lookup("+86 755 1234567") == ANSWER
    assert len(crm.paths) == 1
    clock.now += lookup.FRESH_SECONDS - 1
    assert lookup.lookup("07551234567") == ANSWER and len(crm.paths) == 1
    clock.now += 2
    assert lookup.lookup("07551234567") == ANSWER and len(crm.paths) == 2
    assert lookup.lookup("13800138000") == ANSWER and len(crm.paths) == 3


@pytest.mark.parametrize("wait, trickle", [(2.0, 0.0), (0.0, 0.05)], ids=["hangs", "trickles"])
def test_a_slow_crm_never_delays_more_than_the_timeout(crm, caplog, wait, trickle):
    crm.reply = (200, json.dumps({"pad": "x" * 100}).encode(), wait, trickle)
    with caplog.at_level(logging.WARNING, logger=lookup.__name__):
        answer, took = timed("0755-1234567")
    assert answer is None and took < (TIMEOUT_MS + 100) / 1000, took
    assert "customer lookup failed" in caplog.text and "s3cret" not in caplog.text
    # The worker left behind stops at the same deadline rather than reading on.
    until = time.monotonic() + 1.0  # well before the 5 s the trickle would take
    while any(t.name == "customer-lookup" for t in threading.enumerate()) and time.monotonic() < until:
        time.sleep(0.01)
    assert not any(t.name == "customer-lookup" for t in threading.enumerate())


@pytest.mark.parametrize("status, body", [
    (200, b"<html>hello</html>"),
    (200, b"[1, 2]"),
    (200, b'"just a string"'),
    (200, b'{"balance": NaN}'),
    (200, b'{"name": "\xff\xfe"}'),
    (200, b"[" * 60000),
    (200, json.dumps({"pad": "x" * lookup.MAX_BYTES}).encode()),
    (200, b""),
    (500, json.dumps(ANSWER).encode()),
    (302, b"{}"),
], ids=["html", "array", "string", "nan", "not-utf8", "deep", "too-big", "empty", "500", "redirect"])
def test_garbage_is_no_answer(crm, caplog, status, body):
    crm.reply = (status, body, 0.0, 0.0)
    with caplog.at_level(logging.WARNING, logger=lookup.__name__):
        assert lookup.lookup("0755-1234567") is None
    assert "customer lookup failed" in caplog.text


def test_a_failure_is_cached_briefly(crm, clock):
    crm.reply = (503, b"{}", 0.0, 0.0)
    assert lookup.lookup("0755-1234567") is None
    crm.reply = (200, json.dumps(ANSWER).encode(), 0.0, 0.0)
    assert lookup.lookup("0755-1234567") is None and len(crm.paths) == 1
    clock.now += lookup.FAILED_SECONDS + 1
    assert lookup.lookup("0755-1234567") == ANSWER and len(crm.paths) == 2


def test_a_dead_crm_is_no_answer(crm):
    crm.close()
    answer, took = timed("0755-1234567")
    assert answer is None and took < (TIMEOUT_MS + 100) / 1000


def test_no_hook_or_no_number_asks_nothing(crm):
    assert lookup.lookup("anonymous") is None
    configure(customer_lookup_url="")
    assert lookup.lookup("0755-1234567") is None
    assert crm.paths == []


def test_the_cache_keeps_the_newest_entries():
    cache = lookup.Cache(size=2, clock=Clock())
    for key in "abc":
        cache.put(key, key.upper(), 60)
    assert [cache.get(k) for k in "abc"] == [(False, None), (True, "B"), (True, "C")]


def test_lookup_route_shows_the_crm_answer_beside_our_record(admin, crm):
    assert admin.post("/customers", {"name": "Zhang Wei", "numbers": ["0755-1234567"]}).status == 201
    r = admin.get("/customers/lookup?number=%2B86%20755%201234567")
    assert r.status == 200, r
    assert (r.json["customer"]["name"], r.json["external"]) == ("Zhang Wei", ANSWER)
    crm.reply = (500, b"", 0.0, 0.0)
    r = admin.get("/customers/lookup?number=13800138000")
    assert (r.json["customer"], r.json["external"]) == (None, None)


def test_under_gevent_the_time_limit_holds_and_the_loop_runs_on(tmp_path):
    """The box runs with gevent's monkey-patching: the wait must be cooperative, not block the loop."""
    result = gevented.run("""
        import json, threading, time
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
        from appliance import box_settings
        from appliance.customers import lookup
        from appliance.db import change

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                time.sleep(2.0 if "138" in self.path else 0)
                body = json.dumps({"path": self.path}).encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        with change("test", "settings.update", settled=True) as cs:
            box_settings.save(cs, {"customer_lookup_url": f"http://127.0.0.1:{server.server_port}/",
                                   "customer_lookup_timeout_ms": 300})
        ticks = []
        threading.Thread(target=lambda: [ticks.append(time.sleep(0.01)) for _ in range(20)], daemon=True).start()
        start = time.monotonic()
        slow = lookup.lookup("13800138000")
        took = time.monotonic() - start
        print(json.dumps({"good": lookup.lookup("7551234567"), "slow": slow, "took": took, "ticks": len(ticks)}))
    """, tmp_path)
    assert result["good"] == {"path": "/?number=7551234567"} and result["slow"] is None
    assert result["took"] < (TIMEOUT_MS + 100) / 1000, result
    assert result["ticks"] >= 20, result  # another greenlet ran while the lookup waited
