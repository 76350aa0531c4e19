"""Sign-in rate limit: the limiter itself on a fake clock, then through both ways in."""

from __future__ import annotations

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


def test_sixth_attempt_within_a_minute_is_refused_until_the_window_passes():
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
    # The first failure was at 1001: the count drops below five at 1061.
    assert refused.value.retry_after == 56 and refused.value.headers == {"Retry-After": "56"}
    clock.now = 1060.5
    with pytest.raises(TooManyAttempts) as refused:
        limiter.check(keys)
    assert refused.value.retry_after == 1
    clock.now = 1061.0
    limiter.check(keys)


def test_failures_spread_over_more_than_a_minute_are_never_refused():
    clock = Clock()
    limiter = LoginLimiter(clock=clock)
    keys = limiter.keys("10.0.0.1", "admin")
    for _ in range(20):
        clock.now += 13  # five per 65 s
        limiter.check(keys)
        limiter.failed(keys)


def test_counted_per_address_and_per_user_name():
    clock = Clock()
    limiter = LoginLimiter(clock=clock)
    fail(limiter, limiter.keys("10.0.0.1", "admin"), 5)
    # Same address, other user: the address is out of tries.
    with pytest.raises(TooManyAttempts):
        limiter.check(limiter.keys("10.0.0.1", "someone"))
    # Other address, same user (in any case): the user name is out of tries.
    with pytest.raises(TooManyAttempts):
        limiter.check(limiter.keys("10.0.0.2", " ADMIN"))
    limiter.check(limiter.keys("10.0.0.2", "someone"))


def test_a_right_password_clears_the_user_not_the_address():
    clock = Clock()
    limiter = LoginLimiter(clock=clock)
    fail(limiter, limiter.keys("10.0.0.1", "alice"), 4)
    fail(limiter, limiter.keys("10.0.0.2", "bob"), 4)
    limiter.succeeded("bob")
    limiter.failed(limiter.keys("10.0.0.3", "bob"))
    limiter.check(limiter.keys("10.0.0.3", "bob"))
    limiter.failed(limiter.keys("10.0.0.2", "carol"))
    with pytest.raises(TooManyAttempts):
        limiter.check(limiter.keys("10.0.0.2", "dave"))


def test_memory_stays_bounded(monkeypatch):
    import appliance.users.ratelimit as rl

    monkeypatch.setattr(rl, "MAX_KEYS", 100)
    limiter = LoginLimiter(clock=Clock())
    for i in range(1000):
        limiter.failed([f"user:u{i}"])
    assert len(limiter._failures) <= 100


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
    # Another user from the same address is refused too (per address) ...
    r = admin.post("/auth/login", {"username": "someone", "password": "x"})
    assert r.status == 429
    # ... and the sign-in page shares the count.
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
