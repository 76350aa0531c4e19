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
from tests.integration.test_switchboard import connect, hang_up, provider, talk_both_ways  # noqa: F401

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
    finally:
        api.delete("/speed-dials/06")
