"""The website callback's parts that need no telephony: the request window, the proof of work
and the settings' checks (over the API)."""

from __future__ import annotations

from appliance.webcallback.limits import WindowLimiter
from appliance.webcallback.proof import BITS, Proofs, solve


def test_the_window_counts_every_request_and_frees_as_it_slides():
    now = [1000.0]
    limiter = WindowLimiter(60, clock=lambda: now[0])
    assert [limiter.take("198.51.100.7", 5) for _ in range(5)] == [None] * 5
    assert limiter.take("198.51.100.7", 5) == 60  # the sixth in a minute
    assert limiter.take("198.51.100.8", 5) is None  # another address is counted apart
    now[0] += 30
    assert limiter.take("198.51.100.7", 5) == 30
    now[0] += 30.5
    assert limiter.take("198.51.100.7", 5) is None
    limiter.reset()
    assert limiter.take("198.51.100.7", 1) is None


def test_a_proof_is_good_once_and_only_for_a_challenge_of_this_box():
    now = [1_800_000_000.0]
    proofs = Proofs(clock=lambda: now[0])
    doc = proofs.challenge()
    assert doc["bits"] == BITS
    proof = solve(doc["challenge"])
    assert proofs.check(proof) is None
    assert "used already" in proofs.check(proof)
    other = Proofs(clock=lambda: now[0]).challenge()["challenge"]
    assert "not one this box gave" in proofs.check(solve(other))
    late = solve(proofs.challenge()["challenge"])
    now[0] += 301
    assert "expired" in proofs.check(late)
    fresh = proofs.challenge()["challenge"]
    wrong = next(f"{fresh}:{n}" for n in range(100) if solve(fresh) != f"{fresh}:{n}")
    assert "does not solve" in proofs.check(wrong)
    assert "Callbox-Proof" in proofs.check("")


def test_settings_are_checked_and_kept(admin):
    assert admin.get("/webcall/settings").json["enabled"] is False
    assert admin.post("/queues", {"number": "600", "name": "Sales", "strategy": "ringall"}).status == 201
    for body, field in (({"origins": ["https://example.com/page"]}, "origins"), ({"queues": ["601"]}, "queues"),
                        ({"queues": ["600"], "topics": [{"name": "Billing", "queue": "601"}]}, "topics"),
                        ({"per_address": 0}, "per_address"), ({"permission_class": "nowhere"}, "permission_class"),
                        ({"enabled": True}, "queues"), ({"enabled": "yes"}, "enabled")):
        r = admin.patch("/webcall/settings", body)
        assert r.status == 422 and r.json["field"] == field, (body, r)
    r = admin.patch("/webcall/settings", {"enabled": True, "origins": ["https://WWW.Example.com:8443"],
                                          "queues": ["600"], "topics": [{"name": "Sales", "queue": "600"}]})
    assert r.status == 200, r
    assert r.json["origins"] == ["https://www.example.com:8443"]
    assert admin.get("/webcall/settings").json["topics"] == [{"name": "Sales", "queue": "600"}]
    # What anyone may read: on or off and the topics' names, nothing else.
    assert admin.get("/webcall", token="").json == {"enabled": True, "topics": ["Sales"]}


def test_requests_no_browser_makes_feed_the_ban_engine(web):
    web.sign_in("Unit-Test-Pass-99")
    assert web.post("/queues", {"number": "600", "name": "Sales", "strategy": "ringall"}).status == 201
    r = web.patch("/webcall/settings", {"enabled": True, "origins": ["https://www.example.com"], "queues": ["600"],
                                        "per_address": 3})
    assert r.status == 200, r
    security = web.box.security
    seen = []
    real = security.failure
    security.failure = lambda address, account, reason, **kw: seen.append((address, account, reason, kw))
    try:
        for _ in range(4):
            r = web.post("/webcall", {"number": "075512345678"}, token="",
                         headers={"Origin": "https://www.example.com"})
            assert r.status in (403, 429), r
    finally:
        security.failure = real
    assert [reason for _, _, reason, _ in seen] == ["webcall without a good proof of work"] * 3 + [
        "webcall over the address limit"]
    assert {(address, account, kw["service_"]) for address, account, _, kw in seen} == \
        {("127.0.0.1", "webcall", "webcall")}
