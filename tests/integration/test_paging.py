"""Intercom, page groups, speed dials and where blacklisted callers go, with real phones.

The test phones that stand for desk phones set to honour auto-answer answer a call at once
when its INVITE asks for it (tests/phones.py: Call-Info answer-after=0 or an auto-answer
Alert-Info); what is asserted is what they saw: the INVITE's headers, whether they rang or
answered by themselves, and the audio that arrived (or did not) each way.
"""

from __future__ import annotations

import pjsua2 as pj
import pytest

from tests.audio import write_tone
from tests.integration.test_switchboard import (connect, hang_up, inbound_to, provider,  # noqa: F401
                                               talk_both_ways)

PAGER_HZ, MEMBER_HZ = 900, 1700


@pytest.fixture(scope="module")
def tones(tmp_path_factory):
    d = tmp_path_factory.mktemp("tones")
    return {"a": write_tone(d / "a.wav", PAGER_HZ, 3.0), "c": write_tone(d / "c.wav", MEMBER_HZ, 3.0),
            "long": write_tone(d / "long.wav", MEMBER_HZ, 8.0)}


@pytest.fixture(scope="module")
def phones(api, sip, box):
    out = {}
    for number in ("8001", "8002", "8003", "8004", "8005"):
        r = api.post("/extensions", {"number": number, "name": f"Desk {number}"})
        assert r.status == 201, r
        out[number] = sip.phone(number, r.json["secret"], box.sip).register()
    for number in ("8002", "8003", "8004", "8005"):
        out[number].auto_answer = True
    return out


@pytest.fixture(autouse=True)
def intercom_on(api):
    for number in ("8001", "8002", "8003", "8004", "8005"):
        api.patch(f"/extensions/{number}", {"intercom": True, "dnd": False})


def never_opens(sip, ringing, seconds: float) -> None:
    """The phone keeps ringing for `seconds`: nothing answers it."""
    with pytest.raises(AssertionError, match="timed out"):
        sip.wait(lambda: ringing.state != pj.PJSIP_INV_STATE_EARLY, seconds, "the ringing phone to change")


def test_star80_makes_the_phone_answer_by_itself_and_hear_the_caller(phones, sip, tones):
    caller, desk = phones["8001"], phones["8002"]
    call = caller.call("*808002")
    opened = desk.wait_incoming(timeout=10)
    assert any("answer-after=0" in v for v in opened.headers("Call-Info")), opened.invite
    alert = opened.headers("Alert-Info")
    assert alert[0] == "<http://www.notused.com>;info=alert-autoanswer;delay=0", alert
    assert "info=Auto Answer" in alert and "Ring Answer" in alert, alert
    # Nobody touched the phone: it answered because the INVITE asked.
    opened.wait_confirmed()
    call.wait_confirmed()
    talk_both_ways(sip, call, opened, tones)
    hang_up(call, opened)


def test_an_extension_that_refuses_intercom_is_rung_like_any_call(phones, sip, api, tones):
    caller, desk = phones["8001"], phones["8002"]
    r = api.patch("/extensions/8002", {"intercom": False})
    assert r.status == 200 and r.json["intercom"] is False, r
    call = caller.call("*808002")
    ringing = desk.wait_incoming(timeout=10)
    assert ringing.headers("Call-Info") == [] and ringing.headers("Alert-Info") == [], ringing.invite
    assert not ringing.asks_auto_answer()
    # It rings, it does not open: still unanswered a moment later, then answered by hand.
    sip.wait(lambda: ringing.state == pj.PJSIP_INV_STATE_EARLY, 5, "the phone to ring")
    never_opens(sip, ringing, 2)
    assert not call.connected
    ringing.answer_call()
    call.wait_confirmed()
    ringing.wait_confirmed()
    talk_both_ways(sip, call, ringing, tones)
    hang_up(call, ringing)


def test_speed_dial_reaches_an_extension(phones, sip, api, tones):
    r = api.post("/speed-dials", {"code": "05", "number": "8003", "name": "Stores"})
    assert r.status == 201 and r.json["dial"] == "*005", r
    try:
        call, at_c = connect(phones["8001"], phones["8003"], "*005")
        # The phone dialled the extension itself: a plain call, no auto-answer.
        assert not at_c.asks_auto_answer()
        talk_both_ways(sip, call, at_c, tones)
        hang_up(call, at_c)
    finally:
        api.delete("/speed-dials/05")


def test_speed_dial_reaches_an_outside_number_through_the_trunk(phones, sip, api, provider, tones):  # noqa: F811
    r = api.post("/speed-dials", {"code": "06", "number": "013800138000"})
    assert r.status == 201, r
    try:
        call = phones["8001"].call("*006")
        leg = provider.wait_incoming(timeout=10)
        assert "sip:013800138000@" in leg.getInfo().localUri, leg.getInfo().localUri
        assert "8001" in leg.getInfo().remoteUri, leg.getInfo().remoteUri  # as the phone itself
        leg.answer_call()
        call.wait_confirmed()
        leg.wait_confirmed()
        talk_both_ways(sip, call, leg, tones)
        hang_up(call, leg)
        # A code nobody defined dials nothing.
        offered = len(provider.incoming)
        nothing = phones["8001"].call("*007")
        nothing.wait_disconnected(timeout=10)
        assert len(provider.incoming) == offered
        # A phone whose permission class keeps it inside the box cannot dial out by speed dial either.
        assert api.patch("/extensions/8002", {"permission_class": "internal"}).status == 200
        refused = phones["8002"].call("*006")
        refused.wait_disconnected(timeout=20)
        assert len(provider.incoming) == offered, "a speed dial went around the phone's permission class"
    finally:
        api.patch("/extensions/8002", {"permission_class": "international"})
        api.delete("/speed-dials/06")


def page(sip, pager, number: str, members: list):
    """The pager dials the group; each member's phone answers by itself. Returns the calls."""
    marks = {id(m): len(m.incoming) for m in members}
    call = pager.call(number)
    opened = []
    for member in members:
        at = member.wait_incoming(timeout=10)
        assert at.asks_auto_answer(), at.invite
        opened.append(at)
    for at in opened:
        at.wait_confirmed()
    call.wait_confirmed()
    assert all(len(m.incoming) == marks[id(m)] + 1 for m in members)
    return call, opened


def test_a_page_group_opens_every_phone_one_way(phones, sip, api, tones):
    pager, members = phones["8001"], [phones["8002"], phones["8003"], phones["8004"]]
    r = api.post("/paging-groups", {"number": "650", "name": "Warehouse",
                                    "members": ["8002", "8003", "8004", "8005"]})
    assert r.status == 201 and r.json["duplex"] is False, r
    # 8005 refuses intercom: it stays a member but is left out of pages.
    assert api.patch("/extensions/8005", {"intercom": False}).status == 200
    left_out = len(phones["8005"].incoming)
    try:
        call, opened = page(sip, pager, "650", members)
        call.play(tones["a"])
        for at in opened:
            sip.wait(lambda at=at: at.listener.heard_tone(PAGER_HZ, min_ms=500), 10, f"the pager at {at.phone.number}")
        # The members speak (8 s of tone each); nothing of it reaches the pager, nor the other members.
        heard_pager, heard = call.listener.mark(), {id(at): at.listener.mark() for at in opened}
        for at in opened:
            at.play(tones["long"])
        with pytest.raises(AssertionError, match="timed out"):
            sip.wait(lambda: call.listener.heard_tone(MEMBER_HZ, min_ms=300, since=heard_pager), 5,
                     "a member's voice at the pager")
        for at in opened:
            assert not at.listener.heard_tone(MEMBER_HZ, min_ms=300, since=heard[id(at)]), at.phone.number
        assert len(phones["8005"].incoming) == left_out, "a phone that refuses intercom was paged"
        # The pager hangs up: the page ends on every phone.
        hang_up(call)
        for at in opened:
            at.wait_disconnected(timeout=10)
    finally:
        api.delete("/paging-groups/650")


def test_a_duplex_page_group_lets_members_talk_back(phones, sip, api, tones):
    pager, members = phones["8001"], [phones["8002"], phones["8003"]]
    r = api.post("/paging-groups", {"number": "651", "name": "Office", "members": ["8002", "8003"], "duplex": True})
    assert r.status == 201, r
    try:
        call, opened = page(sip, pager, "651", members)
        call.play(tones["a"])
        for at in opened:
            sip.wait(lambda at=at: at.listener.heard_tone(PAGER_HZ, min_ms=500), 10, f"the pager at {at.phone.number}")
        mark = call.listener.mark()
        opened[0].play(tones["c"])
        sip.wait(lambda: call.listener.heard_tone(MEMBER_HZ, min_ms=500, since=mark), 10, "the member at the pager")
        hang_up(call)
        for at in opened:
            at.wait_disconnected(timeout=10)
    finally:
        api.delete("/paging-groups/651")


def test_blacklisted_callers_go_where_the_box_sends_them(phones, sip, api, box, provider):  # noqa: F811
    nuisance = sip.provider(provider.ip, 5090, user="013900139000", same_as=provider)
    inbound_to(api, provider, box, {"kind": "extension", "target": "8002"})
    placed = lambda: nuisance.call_uri(f"sip:075500000000@{box.box_ip}:5060")  # noqa: E731
    assert api.post("/blacklist", {"number": "013900139000"}).status == 201
    try:
        # By default: refused busy.
        refused = placed()
        refused.wait_disconnected(timeout=10)
        assert refused.last_status == 486, refused.last_status
        # To a mailbox: the box answers and the mailbox of 8003 takes the call; 8002 never rings.
        r = api.patch("/settings", {"blacklist_destination": {"kind": "voicemail", "target": "8003"}})
        assert r.status == 200, r
        rang = len(phones["8002"].incoming)
        call = placed()
        call.wait_confirmed()
        sip.wait(lambda: call.listener.heard_sound(min_ms=500), 10, "the mailbox's greeting")
        channels = box.asterisk("core show channels concise")
        assert "VoiceMail!8003@default" in channels, channels
        assert len(phones["8002"].incoming) == rang
        hang_up(call)
        # To an extension: it is that phone that rings.
        assert api.patch("/settings", {"blacklist_destination": {"kind": "extension", "target": "8003"}}).status == 200
        call = placed()
        at = phones["8003"].wait_incoming(timeout=10)
        assert not at.asks_auto_answer()
        at.answer_call()
        call.wait_confirmed()
        hang_up(call, at)
        assert len(phones["8002"].incoming) == rang
    finally:
        api.patch("/settings", {"blacklist_destination": None})
        for entry in api.get("/blacklist").json["items"]:
            api.delete(f"/blacklist/{entry['id']}")
        for route in api.get("/inbound-routes").json["items"]:
            api.delete(f"/inbound-routes/{route['id']}")
