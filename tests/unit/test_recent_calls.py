"""GET /extensions/{number}/calls: an extension's last calls as it saw them (in, out, missed), from
the call records; agents see their own extension's."""

from __future__ import annotations

import pytest

from tests.unit.test_callcenter import signed_in
from tests.unit.test_cdr_api import log  # noqa: F401 - the recorded calls, as a fixture


@pytest.fixture
def desks(log):  # noqa: F811
    for n in ("8002", "8003"):
        assert log.post("/extensions", {"number": n, "name": f"Desk {n}"}).status == 201
    return log


def seen(api, number, query=""):
    r = api.get(f"/extensions/{number}/calls{query}")
    assert r.status == 200, r
    return [(c["id"], c["kind"], c["number"]) for c in r.json["items"]]


def test_each_call_is_in_out_or_missed_as_the_extension_saw_it(desks):
    # 8001 placed all of its calls: to 8002 (one ended in 8002's voicemail) and one outside.
    assert seen(desks, "8001") == [("1796486447.18", "out", "8002"), ("1796486442.15", "out", "8002"),
                                   ("1796486437.13", "out", "8002"), ("1796486432.11", "out", "8002"),
                                   ("1796486395.0", "out", "075599887766")]
    # 8002 answered the calls it transferred on; its voicemail took one; a ring group call 8003 took.
    assert seen(desks, "8002") == [("1796486447.18", "in", "8001"), ("1796486442.15", "in", "8001"),
                                   ("1796486437.13", "missed", "8001"), ("1796486432.11", "in", "8001"),
                                   ("1796486407.4", "missed", "provider"), ("1796486401.2", "in", "provider")]
    # 8003 took the transferred calls and a queue call; the abandoned queue call rang it in vain.
    kinds = dict((i, k) for i, k, _ in seen(desks, "8003"))
    assert kinds == {"1796486447.18": "in", "1796486442.15": "in", "1796486418.9": "missed",
                     "1796486412.7": "in", "1796486407.4": "in"}
    call = desks.get("/extensions/8002/calls?limit=1").json["items"][0]
    assert call == {"id": "1796486447.18", "start": "2026-12-05T16:00:47.309Z", "kind": "in", "number": "8001",
                    "name": "Desk 8001", "talk_seconds": 3.038, "outcome": "answered"}


@pytest.mark.parametrize("query, field", [("?limit=0", "limit"), ("?limit=101", "limit"), ("?limit=x", "limit"),
                                          ("?days=3", "days")])
def test_bad_parameters_are_a_422(desks, query, field):
    r = desks.get("/extensions/8001/calls" + query)
    assert (r.status, r.json["field"]) == (422, field), r


def test_agents_see_their_own_extension_s_calls_only(desks):
    al = signed_in(desks, "al", "agent", "8002")
    assert [i for i, _, _ in seen(al, "8002")] == [i for i, _, _ in seen(desks, "8002")]
    assert al.get("/extensions/8001/calls").status == 403
    assert desks.get("/extensions/8999/calls").status == 404


def test_a_call_taken_on_a_follow_me_number_is_in_not_missed(desks):
    from appliance.reports.db import CallLeg, CallParty, CallRecord, reports_db

    start = 1796490000.0
    with reports_db.connection_context():
        CallRecord.create(id="1796490000.1", started=start, answered=start + 9, ended=start + 20,
                          direction="internal", from_number="8001", to_number="8002", path="[]", wait=9, talk=11,
                          hold=0, transfers="[]", outcome="answered")
        for uid, channel, kind, party, answered in (
                ("1796490000.1", "PJSIP/8001-00000001", "phone", "8001", start),
                ("1796490000.2", "PJSIP/8002-00000002", "phone", "8002", None),
                ("1796490005.3", "Local/1@callbox-follow-8002-00000001;1", "other", None, start + 9),
                ("1796490005.4", "Local/1@callbox-follow-8002-00000001;2", "other", None, start + 9),
                ("1796490005.5", "PJSIP/trunk-1-00000003", "trunk", "1", start + 9)):
            CallLeg.create(uniqueid=uid, call_id="1796490000.1", channel=channel, kind=kind, party=party,
                           started=start, answered=answered, ended=start + 20)
        for ext in ("8001", "8002"):
            CallParty.create(extension=ext, call_id="1796490000.1", started=start)
    assert seen(desks, "8002", "?limit=1") == [("1796490000.1", "in", "8001")]
    assert seen(desks, "8001", "?limit=1") == [("1796490000.1", "out", "8002")]
