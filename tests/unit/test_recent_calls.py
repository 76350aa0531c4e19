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
