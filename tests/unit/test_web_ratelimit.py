"""Sign-in rate limit: the limiter itself on a fake clock, then through both ways in."""

from __future__ import annotations

import http.client
import json
import urllib.parse

import pytest

from appliance.users.ratelimit import LoginLimiter, TooManyAttempts
from tests.unit.test_web_session import PASSWORD, Browser, make_user


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def fail(limiter, keys, times):
    for _ in range(times):
        limiter.check(keys)
        limiter.failed(keys)


def test_sixth_attempt_within_a_minute_is_refused_for_a_minute():
    clock = Clock()
    limiter = LoginLimiter(clock=clock)
    keys = limiter.keys("10.0.0.1", "admin")
    for i in range(5):
        clock.now += 1
        limiter.check(keys)
        limiter.failed(keys)
    with pytest.raises(TooManyAttempts) as refused:
        limiter.check(keys)
    assert refused.value.status == 429
    # The fifth failure was at 1005: the pair is shut until 1065.
    assert refused.value.retry_after == 60 and refused.value.headers == {"Retry-After": "60"}
    clock.now = 1064.5
    with pytest.raises(TooManyAttempts) as refused:
        limiter.check(keys)
    assert refused.value.retry_after == 1
    clock.now = 1065.0
    limiter.check(keys)


def test_the_delay_doubles_with_each_failure_after_a_shut_period():
    clock = Clock()
    limiter = LoginLimiter(clock=clock)
    keys = limiter.keys("10.0.0.1", "admin")
    fail(limiter, keys, 5)
    waits = []
    for _ in range(8):
        with pytest.raises(TooManyAttempts) as refused:
            limiter.check(keys)
        waits.append(refused.value.retry_after)
        clock.now += refused.value.retry_after
        fail(limiter, keys, 1)  # one more wrong guess shuts the pair again
    assert waits == [60, 120, 240, 480, 960, 1920, 3600, 3600]


def test_failures_spread_over_more_than_a_minute_are_never_refused():
    clock = Clock()
    limiter = LoginLimiter(clock=clock)
    keys = limiter.keys("10.0.0.1", "admin")
    for _ in range(20):
        clock.now += 16  # never five within 60 s
        limiter.check(keys)
        limiter.failed(keys)


def test_an_attacker_address_never_locks_the_user_out_from_another_address():
    clock = Clock()
    limiter = LoginLimiter(clock=clock)
    attacker = limiter.keys("203.0.113.9", "admin")
    fail(limiter, attacker, 5)
    for _ in range(10):
        clock.now += 1
        with pytest.raises(TooManyAttempts):
            limiter.check(attacker)
    # The administrator at the office, in any case of the name: let in at once.
    limiter.check(limiter.keys("10.0.0.2", " ADMIN"))


def test_one_address_cannot_spray_many_user_names():
    clock = Clock()
    limiter = LoginLimiter(clock=clock)
    for i in range(20):
        keys = limiter.keys("10.0.0.1", f"user{i}")
        limiter.check(keys)  # each name is tried once only: no pair is shut
        limiter.failed(keys)
    with pytest.raises(TooManyAttempts) as refused:
        limiter.check(limiter.keys("10.0.0.1", "user99"))
    assert refused.value.retry_after == 60
    limiter.check(limiter.keys("10.0.0.2", "user99"))


def test_a_right_password_clears_the_pair_not_the_address():
    clock = Clock()
    limiter = LoginLimiter(clock=clock)
    fail(limiter, limiter.keys("10.0.0.2", "bob"), 4)
    limiter.succeeded("10.0.0.2", "bob")
    fail(limiter, limiter.keys("10.0.0.2", "bob"), 4)
    limiter.check(limiter.keys("10.0.0.2", "bob"))
    # The address kept its eight failures: twelve more names shut it.
    for i in range(12):
        limiter.failed(limiter.keys("10.0.0.2", f"u{i}"))
    with pytest.raises(TooManyAttempts):
        limiter.check(limiter.keys("10.0.0.2", "dave"))


def test_memory_stays_bounded(monkeypatch):
    import appliance.users.ratelimit as rl

    monkeypatch.setattr(rl, "MAX_KEYS", 100)
    limiter = LoginLimiter(clock=Clock())
    for i in range(1000):
        limiter.failed([f"pair:10.0.0.1|u{i}"])
    assert len(limiter._keys) <= 100


def login_from(source: str, web, username: str, password: str):
    """POST /auth/login from another loopback address (the limiter keys on the peer)."""
    parts = urllib.parse.urlsplit(web.base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30, source_address=(source, 0))
    try:
        conn.request("POST", parts.path + "/auth/login", json.dumps({"username": username, "password": password}),
                     {"Content-Type": "application/json"})
        r = conn.getresponse()
        return r.status, json.loads(r.read() or b"null")
    finally:
        conn.close()


def test_api_login_sixth_wrong_password_gets_429_with_retry_after(admin):
    for _ in range(5):
        r = admin.post("/auth/login", {"username": "admin", "password": "wrong-password"})
        assert r.status == 401, r
    r = admin.post("/auth/login", {"username": "admin", "password": "wrong-password"})
    assert r.status == 429, r
    assert 1 <= int(r.headers["Retry-After"]) <= 60
    # Refused however good the password, so a refusal tells nothing.
    r = admin.post("/auth/login", {"username": "admin", "password": PASSWORD})
    assert r.status == 429
    # The administrator from another address is let in at once with the right password.
    status, body = login_from("127.0.0.2", admin, "admin", PASSWORD)
    assert status == 200 and body["token"], body
    # Another user from the attacking address is only counted, not shut out ...
    r = admin.post("/auth/login", {"username": "someone", "password": "x"})
    assert r.status == 401
    # ... and the sign-in page shares the pair's count.
    b = Browser(admin)
    r = b.sign_in()
    assert r.status == 429 and r.headers["Retry-After"]
    assert b.cookie("callbox_session") is None


def test_page_login_sixth_attempt_gets_429_even_with_the_right_password(admin, config_db):
    make_user("agent1", "Agent-Pass-1234", "agent")
    b = Browser(admin)
    for _ in range(5):
        assert b.sign_in("agent1", "wrong-password").status == 401
    r = b.sign_in("agent1", "Agent-Pass-1234")
    assert r.status == 429 and "Too many failed sign-ins" in r.body.decode()
    assert int(r.headers["Retry-After"]) > 0
