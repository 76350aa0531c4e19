"""Call records with real Asterisk and real phones: each call placed here is read back from
GET /cdr as one exact record (direction, numbers, path, who answered, transfers, outcome,
timings within what the phones measured), and a call cut by killing Asterisk is closed as
failed once, with no second record after the restart.

The "provider" is a pjsua2 user agent on a second address of the host's end of the box's
veth pair, behind a SIP trunk of the box, as in test_routing.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import time

import pjsua2 as pj
import pytest

from tests.audio import goertzel_ratio, wav_frames, write_tone

MENU_HZ = 900
DID_IVR, DID_GROUP, DID_QUEUE = "075512345678", "075512340600", "075512340500"
DID_TO_VOICEMAIL, DID_TIMES_OUT, DID_FULL = "075512340501", "075512340502", "075512340503"


@pytest.fixture(scope="module")
def floor(api, sip, box, tmp_path_factory):
    """Four desks (8004 without voicemail), a provider behind trunk 1, an IVR, a ring group and a
    queue, each reached from the provider by its own number."""
    phones = {}
    for number in ("8001", "8002", "8003", "8004"):
        body = {"number": number, "name": f"Desk {number}"}
        if number == "8004":
            body["voicemail_enabled"] = False
        r = api.post("/extensions", body)
        assert r.status == 201, r
        phones[number] = sip.phone(number, r.json["secret"], box.sip).register()
    assert api.patch("/settings", {"ring_timeout": 5}).status == 200
    ip = box.host_ip.rsplit(".", 1)[0] + ".7"
    dev = box.state()["host_if"]
    subprocess.run(["ip", "addr", "add", f"{ip}/24", "dev", dev], check=True)
    try:
        provider = sip.provider(ip, 5090, user="13912345678")
        trunk = api.post("/trunks", {"name": "Provider", "host": ip, "port": 5090}).json
        assert api.post("/outbound-routes", {"name": "Out", "patterns": [{"pattern": "_0X.", "strip": 0, "prefix": ""}],
                                             "trunks": [trunk["id"]]}).status == 201
        wav = write_tone(tmp_path_factory.mktemp("prompt") / "menu.wav", MENU_HZ, 1.5)
        prompt = api.upload("/prompts", {"name": "menu"}, "file", "menu.wav", wav.read_bytes()).json["id"]
        assert api.post("/ring-groups", {"number": "600", "name": "Sales", "strategy": "inorder", "ring_seconds": 10,
                                         "members": ["8002", "8003"]}).status == 201
        assert api.post("/queues", {"number": "500", "name": "Help", "strategy": "ringall",
                                    "members": [{"extension": "8003"}]}).status == 201
        # Callers wait 3 s at most: then voicemail (501), or the queue hangs up (502).
        for number, overflow in (("501", {"kind": "voicemail", "target": "8002"}), ("502", {"kind": "hangup"})):
            r = api.post("/queues", {"number": number, "name": f"Wait {number}", "strategy": "ringall",
                                     "max_wait": 3, "overflow": overflow, "members": [{"extension": "8004"}]})
            assert r.status == 201, r
        # 503 takes one caller: the next goes on to 8002. 504: where 500's agent sends callers on.
        r = api.post("/queues", {"number": "503", "name": "Full", "strategy": "ringall", "max_callers": 1,
                                 "overflow": {"kind": "extension", "target": "8002"}, "members": [{"extension": "8004"}]})
        assert r.status == 201, r
        r = api.post("/queues", {"number": "504", "name": "Second line", "strategy": "ringall",
                                 "members": [{"extension": "8001"}]})
        assert r.status == 201, r
        ivr = api.post("/ivrs", {"name": "Welcome", "prompt": prompt,
                                 "options": [{"digit": "1", "kind": "extension", "target": "8002"}]}).json
        for did, dest in ((DID_IVR, {"kind": "ivr", "target": str(ivr["id"])}),
                          (DID_GROUP, {"kind": "ring_group", "target": "600"}),
                          (DID_QUEUE, {"kind": "queue", "target": "500"}),
                          (DID_TO_VOICEMAIL, {"kind": "queue", "target": "501"}),
                          (DID_TIMES_OUT, {"kind": "queue", "target": "502"}),
                          (DID_FULL, {"kind": "queue", "target": "503"})):
            r = api.post("/inbound-routes", {"name": f"In {did}", "did": did, "destination": dest})
            assert r.status == 201, r
        phones["provider"] = provider
        phones["trunk"] = trunk["id"]
        phones["ivr"] = str(ivr["id"])
        yield phones
    finally:
        subprocess.run(["ip", "addr", "del", f"{ip}/24", "dev", dev], check=False)


def seen(api) -> set[str]:
    return {c["id"] for c in api.get("/cdr?per_page=500").json["items"]}


def next_record(api, sip, before: set[str], timeout: float = 10.0) -> dict:
    """The one record written since `before` was taken (waiting for it)."""
    found: list = []

    def arrived():
        new = seen(api) - before
        if new:
            found[:] = sorted(new)
        return bool(new)

    sip.wait(arrived, timeout, "the call's record", step_ms=100)
    assert len(found) == 1, f"one call made, records {found}"
    r = api.get(f"/cdr/{found[0]}")
    assert r.status == 200, r
    return r.json


def hold_for(sip, seconds: float) -> float:
    start = time.monotonic()
    sip.wait(lambda: time.monotonic() - start >= seconds, seconds + 2, "the call to go on")
    return time.monotonic() - start


def connect(caller, callee, dial: str):
    call = caller.call(dial)
    ringing = callee.wait_incoming(timeout=10)
    ringing.answer_call()
    call.wait_confirmed()
    ringing.wait_confirmed()
    return call, ringing


def ts(value: str) -> float:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


def check(record: dict, expected: dict, talk: float | None = None) -> None:
    """Every field as expected; the timings consistent with each other and with the talk time
    the test held the call for (within half a second of SIP signalling)."""
    fields = {k: record[k] for k in expected}
    assert fields == expected, record
    start, end = ts(record["start"]), ts(record["end"])
    assert start <= end and abs(time.time() - end) < 30
    if record["answer"] is None:
        assert record["talk_seconds"] == 0.0
        assert record["wait_seconds"] <= round(end - start, 3) + 0.001
    else:
        answer = ts(record["answer"])
        assert start <= answer <= end
        assert abs(record["wait_seconds"] - (answer - start)) < 0.01
    if talk is not None:
        assert abs(record["talk_seconds"] - talk) < 0.5, (record["talk_seconds"], talk)
    for leg in record["legs"]:
        assert leg["end"] is not None or record["outcome"] == "failed"


def ext(n):
    return {"kind": "extension", "target": n}


def test_internal_answered(api, sip, floor):
    before = seen(api)
    call, at_b = connect(floor["8001"], floor["8002"], "8002")
    talked = hold_for(sip, 2)
    call.hangup_call()
    at_b.wait_disconnected()
    rec = next_record(api, sip, before)
    check(rec, {"direction": "internal", "from": "8001", "from_name": "Desk 8001", "to": "8002", "did": None,
                "trunk": None, "path": [ext("8002")], "answered_by": "8002", "hold_seconds": 0.0, "transfers": [],
                "outcome": "answered", "recording": None, "survey": None}, talk=talked)
    assert [(leg["party"], leg["kind"]) for leg in rec["legs"]] == [("8001", "phone"), ("8002", "phone")]


def test_internal_unanswered_goes_to_voicemail(api, sip, floor):
    before = seen(api)
    call = floor["8001"].call("8002")
    ringing = floor["8002"].wait_incoming(timeout=10)
    call.wait_confirmed(timeout=15)  # voicemail answers after the ring time (5 s)
    sip.wait(lambda: call.listener.heard_sound(min_ms=500), 10, "the voicemail greeting")
    ringing.wait_disconnected()
    call.hangup_call()
    call.wait_disconnected()
    rec = next_record(api, sip, before)
    check(rec, {"direction": "internal", "from": "8001", "to": "8002", "path": [ext("8002"),
                {"kind": "voicemail", "target": "8002"}], "answered_by": None, "answer": None, "transfers": [],
                "outcome": "voicemail"})
    assert 4.5 < rec["wait_seconds"] < 7, rec  # the phone rang for the ring time first


def test_busy(api, sip, floor):
    before = seen(api)
    call = floor["8001"].call("8004")
    ringing = floor["8004"].wait_incoming(timeout=10)
    busy = pj.CallOpParam()
    busy.statusCode = 486
    ringing.hangup(busy)
    call.wait_disconnected(timeout=10)
    assert call.last_status == 486
    rec = next_record(api, sip, before)
    check(rec, {"direction": "internal", "from": "8001", "to": "8004", "path": [ext("8004")], "answered_by": None,
                "answer": None, "talk_seconds": 0.0, "outcome": "busy"})
    assert rec["legs"][1]["hangup_cause"] == 17


def test_outbound_through_the_trunk(api, sip, floor):
    before = seen(api)
    call = floor["8001"].call("075599887766")
    leg = floor["provider"].wait_incoming(timeout=10)
    leg.answer_call()
    call.wait_confirmed()
    talked = hold_for(sip, 2)
    leg.hangup_call()
    call.wait_disconnected()
    rec = next_record(api, sip, before)
    check(rec, {"direction": "outbound", "from": "8001", "from_name": "Desk 8001", "to": "075599887766",
                "did": None, "trunk": floor["trunk"], "path": [{"kind": "external", "target": "075599887766"}],
                "answered_by": "075599887766", "transfers": [], "outcome": "answered"}, talk=talked)
    assert [leg["kind"] for leg in rec["legs"]] == ["phone", "trunk"]
    # The number filter finds it however the number is written.
    assert rec["id"] in {c["id"] for c in api.get("/cdr?number=0755-9988-7766").json["items"]}


def test_an_extension_that_records_its_calls_records_those_it_places_outside(api, sip, floor, tmp_path):
    """Its recording policy covers its own outside calls: the call's record holds the recording,
    which has the far end's audio in it."""
    assert api.patch("/extensions/8003", {"recording": "always"}).status == 200
    try:
        before = seen(api)
        call = floor["8003"].call("075599887700")
        leg = floor["provider"].wait_incoming(timeout=10)
        leg.answer_call()
        call.wait_confirmed()
        leg.wait_confirmed()
        leg.play(write_tone(tmp_path / "far.wav", 1200, 2.0))
        hold_for(sip, 3)
        leg.hangup_call()
        call.wait_disconnected()
        rec = next_record(api, sip, before)
        assert (rec["direction"], rec["from"], rec["to"]) == ("outbound", "8003", "075599887700"), rec
        assert rec["recording"], rec
        wav = api.get(f"/recordings/{rec['recording']}")
        assert wav.status == 200 and wav.body[:4] == b"RIFF", wav
        (tmp_path / "recording.wav").write_bytes(wav.body)
        toned = sum(1 for f in wav_frames(tmp_path / "recording.wav") if goertzel_ratio(f, 1200) > 0.5)
        assert toned >= 50, f"the far end's 2 s tone is not in the recording ({toned} frames of it)"
    finally:
        api.patch("/extensions/8003", {"recording": "never"})

    # A phone whose policy is never leaves its outside calls unrecorded.
    before = seen(api)
    call = floor["8003"].call("075599887701")
    leg = floor["provider"].wait_incoming(timeout=10)
    leg.answer_call()
    call.wait_confirmed()
    hold_for(sip, 1)
    leg.hangup_call()
    call.wait_disconnected()
    assert next_record(api, sip, before)["recording"] is None


def test_inbound_did_to_ivr_to_extension(api, sip, floor):
    before = seen(api)
    call = floor["provider"].call_uri(f"sip:{DID_IVR}@{floor['8001'].server}")
    call.wait_confirmed()
    call.through_menus([(MENU_HZ, "1")])
    at_b = floor["8002"].wait_incoming(timeout=10)
    at_b.answer_call()
    at_b.wait_confirmed()
    talked = hold_for(sip, 2)
    call.hangup_call()
    at_b.wait_disconnected()
    rec = next_record(api, sip, before)
    check(rec, {"direction": "inbound", "from": "13912345678", "to": DID_IVR, "did": DID_IVR, "trunk": floor["trunk"],
                "path": [{"kind": "ivr", "target": floor["ivr"]}, ext("8002")], "answered_by": "8002",
                "transfers": [], "outcome": "answered"}, talk=talked)
    assert rec["wait_seconds"] > 0.3  # the menu's greeting came first


def test_inbound_to_ring_group_answered_by_the_second_member(api, sip, floor):
    before = seen(api)
    call = floor["provider"].call_uri(f"sip:{DID_GROUP}@{floor['8001'].server}")
    first = floor["8002"].wait_incoming(timeout=10)
    busy = pj.CallOpParam()
    busy.statusCode = 486
    first.hangup(busy)
    second = floor["8003"].wait_incoming(timeout=10)
    second.answer_call()
    call.wait_confirmed()
    talked = hold_for(sip, 2)
    call.hangup_call()
    second.wait_disconnected()
    rec = next_record(api, sip, before)
    check(rec, {"direction": "inbound", "from": "13912345678", "to": DID_GROUP, "did": DID_GROUP,
                "path": [{"kind": "ring_group", "target": "600"}], "answered_by": "8003", "transfers": [],
                "outcome": "answered"}, talk=talked)
    assert [leg["party"] for leg in rec["legs"]] == [str(floor["trunk"]), "8002", "8003"]


def answered_in_queue_500(floor):
    """A call from the provider to queue 500, answered by its agent 8003: (caller's, agent's)."""
    call = floor["provider"].call_uri(f"sip:{DID_QUEUE}@{floor['8001'].server}")
    call.wait_confirmed()
    agent = floor["8003"].wait_incoming(timeout=15)
    agent.answer_call()
    agent.wait_confirmed()
    return call, agent


def test_inbound_to_queue_answered_then_abandoned(api, sip, floor):
    before = seen(api)
    call, agent = answered_in_queue_500(floor)
    talked = hold_for(sip, 2)
    agent.hangup_call()
    call.wait_disconnected(timeout=10)
    rec = next_record(api, sip, before)
    check(rec, {"direction": "inbound", "from": "13912345678", "did": DID_QUEUE, "path": [{"kind": "queue",
                "target": "500"}], "answered_by": "8003", "outcome": "answered"}, talk=talked)
    assert rec["id"] in {c["id"] for c in api.get("/cdr?queue=500&outcome=answered").json["items"]}

    before = seen(api)
    call = floor["provider"].call_uri(f"sip:{DID_QUEUE}@{floor['8001'].server}")
    call.wait_confirmed()
    ringing = floor["8003"].wait_incoming(timeout=15)
    waited = hold_for(sip, 2)
    call.hangup_call()
    call.wait_disconnected()
    ringing.wait_disconnected()
    rec = next_record(api, sip, before)
    check(rec, {"direction": "inbound", "did": DID_QUEUE, "path": [{"kind": "queue", "target": "500"}],
                "answered_by": None, "answer": None, "outcome": "abandoned"})
    assert waited <= rec["wait_seconds"] < waited + 2


def test_inbound_to_queue_timed_out_to_voicemail_and_timed_out_for_good(api, sip, floor):
    before = seen(api)
    call = floor["provider"].call_uri(f"sip:{DID_TO_VOICEMAIL}@{floor['8001'].server}")
    call.wait_confirmed()
    floor["8004"].wait_incoming(timeout=10)  # the agent's phone rings, unanswered
    hold_for(sip, 6)  # 3 s in the queue, then the mailbox's greeting
    call.hangup_call()
    call.wait_disconnected()
    rec = next_record(api, sip, before)
    check(rec, {"direction": "inbound", "did": DID_TO_VOICEMAIL, "path": [{"kind": "queue", "target": "501"},
                {"kind": "voicemail", "target": "8002"}], "answered_by": None, "answer": None, "outcome": "voicemail"})
    assert 2.5 < rec["wait_seconds"] < 6, rec  # the queue's 3 s, then voicemail picked up

    before = seen(api)
    call = floor["provider"].call_uri(f"sip:{DID_TIMES_OUT}@{floor['8001'].server}")
    call.wait_confirmed()
    call.wait_disconnected(timeout=15)  # the box hangs up after 3 s
    rec = next_record(api, sip, before)
    check(rec, {"direction": "inbound", "did": DID_TIMES_OUT, "path": [{"kind": "queue", "target": "502"}],
                "answered_by": None, "answer": None, "outcome": "missed"})
    assert 2.5 < rec["wait_seconds"] < 6, rec


def test_blind_transfer(api, sip, floor):
    before = seen(api)
    call, at_b = connect(floor["8001"], floor["8002"], "8002")
    at_b.xfer(f"sip:8003@{floor['8002'].server}", pj.CallOpParam(True))
    at_c = floor["8003"].wait_incoming(timeout=10)
    at_c.answer_call()
    at_c.wait_confirmed()
    at_b.wait_disconnected(timeout=10)
    hold_for(sip, 1)
    call.hangup_call()
    at_c.wait_disconnected()
    rec = next_record(api, sip, before)
    check(rec, {"direction": "internal", "from": "8001", "to": "8002", "path": [ext("8002"), ext("8003")],
                "answered_by": "8002", "transfers": [{"from": "8002", "to": "8003", "kind": "blind"}],
                "outcome": "answered"})
    assert sorted(leg["party"] for leg in rec["legs"]) == ["8001", "8002", "8003"]


def test_attended_transfer(api, sip, floor):
    before = seen(api)
    call, at_b = connect(floor["8001"], floor["8002"], "8002")
    at_b.setHold(pj.CallOpParam(True))
    consult, at_c = connect(floor["8002"], floor["8003"], "8003")
    hold_for(sip, 1)
    at_b.xferReplaces(consult, pj.CallOpParam(True))
    at_b.wait_disconnected(timeout=10)
    consult.wait_disconnected(timeout=10)
    hold_for(sip, 1)
    call.hangup_call()
    at_c.wait_disconnected()
    rec = next_record(api, sip, before)  # one record: the consultation is part of the call
    check(rec, {"direction": "internal", "from": "8001", "to": "8002", "answered_by": "8002",
                "transfers": [{"from": "8002", "to": "8003", "kind": "attended"}], "outcome": "answered"})
    assert rec["hold_seconds"] >= 1.0
    assert sorted(leg["party"] for leg in rec["legs"]) == ["8001", "8002", "8002", "8003"]


def test_inbound_to_a_full_queue_overflows_to_an_extension(api, sip, floor):
    """Queue 503 takes one caller; the second finds it full and goes on to 8002, who answers.
    The first caller, never answered, gives up."""
    before = seen(api)
    first = floor["provider"].call_uri(f"sip:{DID_FULL}@{floor['8001'].server}")
    first.wait_confirmed()
    floor["8004"].wait_incoming(timeout=10)  # the queue's only agent rings, unanswered
    second = floor["provider"].call_uri(f"sip:{DID_FULL}@{floor['8001'].server}")
    at_b = floor["8002"].wait_incoming(timeout=10)
    at_b.answer_call()
    at_b.wait_confirmed()
    second.wait_confirmed()
    talked = hold_for(sip, 1)
    at_b.hangup_call()
    second.wait_disconnected(timeout=10)
    rec = next_record(api, sip, before)
    check(rec, {"direction": "inbound", "did": DID_FULL, "path": [{"kind": "queue", "target": "503"}, ext("8002")],
                "answered_by": "8002", "outcome": "answered"}, talk=talked)
    before = seen(api)
    first.hangup_call()
    first.wait_disconnected(timeout=10)
    rec = next_record(api, sip, before)
    check(rec, {"direction": "inbound", "did": DID_FULL, "path": [{"kind": "queue", "target": "503"}],
                "answered_by": None, "answer": None, "outcome": "abandoned"})
    today = dt.datetime.now(dt.timezone.utc).date().isoformat()
    row: dict = {}

    def counted():  # the queues report reads queue_log, which Asterisk writes as the caller leaves
        day = api.get(f"/reports/queues?from={today}&to={today}").json
        row.update(next(r for r in day["rows"] if r["queue"] == "503"))
        return row["abandoned"] + row["short_abandoned"] == 1

    sip.wait(counted, 10, "the abandoned caller in the queues report", step_ms=100)
    assert (row["entered"], row["overflowed"]) == (2, 1), row


def test_a_queue_call_transferred_to_another_queue(api, sip, floor):
    """The agent of queue 500 sends the caller on to queue 504 (blind); 8001 answers there."""
    before = seen(api)
    call, agent = answered_in_queue_500(floor)
    hold_for(sip, 1)
    agent.xfer(f"sip:504@{floor['8003'].server}", pj.CallOpParam(True))
    at_second = floor["8001"].wait_incoming(timeout=15)
    at_second.answer_call()
    at_second.wait_confirmed()
    agent.wait_disconnected(timeout=10)
    hold_for(sip, 1)
    call.hangup_call()
    at_second.wait_disconnected(timeout=10)
    rec = next_record(api, sip, before)
    check(rec, {"direction": "inbound", "did": DID_QUEUE, "answered_by": "8003", "outcome": "answered"})
    assert [s for s in rec["path"] if s["kind"] == "queue"] == [{"kind": "queue", "target": "500"},
                                                                 {"kind": "queue", "target": "504"}], rec["path"]
    assert [(t["from"], t["kind"]) for t in rec["transfers"]] == [("8003", "blind")], rec["transfers"]
    assert {"8001", "8003"} <= {leg["party"] for leg in rec["legs"]}


def test_a_call_cut_by_asterisk_dying_is_failed_once(api, sip, floor, box):
    before = seen(api)
    call, at_b = connect(floor["8001"], floor["8002"], "8002")
    hold_for(sip, 1)
    pid = box.health()["asterisk_pid"]
    box.exec("kill", "-9", str(pid))
    killed_at = time.time()
    rec = next_record(api, sip, before, timeout=40)  # closed once Asterisk is back and says it has no channel
    check(rec, {"direction": "internal", "from": "8001", "to": "8002", "answered_by": "8002", "outcome": "failed"})
    assert abs(ts(rec["end"]) - killed_at) < 1.5, (rec["end"], killed_at)
    assert rec["talk_seconds"] >= 1.0
    for c in (call, at_b):
        c.hangup_call()
    box.wait_health(lambda h: h["asterisk"] == "up", 30, "Asterisk back")
    for phone in (floor["8001"], floor["8002"]):
        phone.reregister()
        phone.wait_registered()
    # The next call is a record of its own; the cut one is there once.
    before = seen(api)
    call, at_b = connect(floor["8001"], floor["8002"], "8002")
    call.hangup_call()
    at_b.wait_disconnected()
    after = next_record(api, sip, before)
    assert after["outcome"] == "answered" and after["id"] != rec["id"]
    items = api.get("/cdr?per_page=500").json["items"]
    assert [c["id"] for c in items].count(rec["id"]) == 1
    assert api.get(f"/cdr/{rec['id']}").json["outcome"] == "failed"
