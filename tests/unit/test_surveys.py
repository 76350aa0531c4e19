"""Surveys and outbound survey campaigns: what they accept, the campaign runner's decisions
(pace, hours, retries, skips) and the calls it places (a recording stand-in for AMI takes the
Originates and gives back Asterisk's events)."""

from __future__ import annotations

import datetime as dt

import pytest

from appliance.blacklist import service as blacklist
from appliance.customers import service as customers
from appliance.db import change
from appliance.db.models import CampaignNumber, Customer, SurveyAnswer
from appliance.errors import Conflict, Invalid
from appliance.extensions import service as extensions
from appliance.surveys import answers, campaigns, decisions, service
from appliance.surveys.dialer import AmiDialer
from appliance.surveys.runner import CampaignRunner
from tests.fakes.ami import RecordingAmi

RATE = {"sound": "survey", "keys": "1-5"}
YES_NO = {"sound": "survey-yes-no", "keys": "12", "timeout": 8}
T0 = dt.datetime(2026, 12, 7, 10, 0, tzinfo=dt.timezone.utc).timestamp()  # 10:00 UTC, the box's zone


def survey(name="Service", questions=(RATE, YES_NO)):
    return service.create({"name": name, "questions": list(questions)}, "test")[0]


# --- what a survey accepts

def test_a_survey_keeps_its_questions_with_keys_spelled_out(config_db):
    s = survey()
    assert service.to_dict(s)["questions"] == [
        {"prompt": None, "sound": "survey", "keys": "12345", "timeout": 6},
        {"prompt": None, "sound": "survey-yes-no", "keys": "12", "timeout": 8}]


@pytest.mark.parametrize("question,field", [
    ({"sound": "survey", "keys": "5-1"}, "questions"),
    ({"sound": "survey", "keys": "11"}, "questions"),
    ({"sound": "survey", "keys": "1,2"}, "questions"),
    ({"sound": "survey", "keys": "12", "timeout": 60}, "questions"),
    ({"sound": "goodbye", "keys": "12"}, "questions"),
    ({"keys": "12"}, "questions"),
    ({"sound": "survey", "prompt": 1, "keys": "12"}, "questions"),
    ({"prompt": 99, "keys": "12"}, "questions.0.prompt"),
])
def test_bad_questions_are_refused_and_nothing_is_made(config_db, question, field):
    with pytest.raises(Invalid) as err:
        service.create({"name": "Bad", "questions": [question]}, "test")
    assert err.value.field == field, err.value.message
    assert service.listing() == []


def test_a_queue_asks_one_survey_after_its_calls_and_a_survey_in_use_stays(admin):
    s = admin.post("/surveys", {"name": "After calls", "questions": [RATE]})
    assert s.status == 201, s
    sid = s.json["id"]
    r = admin.post("/queues", {"number": "500", "name": "Help", "survey": True, "survey_after": sid})
    assert r.status == 422 and r.json["field"] == "survey_after", r
    assert admin.post("/queues", {"number": "500", "name": "Help", "survey_after": 999}).json["field"] == "survey_after"
    r = admin.post("/queues", {"number": "500", "name": "Help", "survey_after": sid})
    assert r.status == 201 and r.json["survey_after"] == sid, r
    live = (admin.box.pbx.store.live / "extensions.conf").read_text()
    assert f"exten => q-CONTINUE,1,Goto(callbox-survey-{sid},s,1)" in live
    assert f"[callbox-survey-{sid}]" in live
    assert admin.delete(f"/surveys/{sid}").status == 409
    assert admin.patch("/queues/500", {"survey_after": None}).status == 200
    assert admin.delete(f"/surveys/{sid}").status == 204
    assert f"[callbox-survey-{sid}]" not in (admin.box.pbx.store.live / "extensions.conf").read_text()


# --- campaigns: what they accept

def test_numbers_pasted_or_from_a_spreadsheet(config_db):
    assert campaigns.parse_numbers("201\n202, 203;(0755) 1234-5678\t202\n\n") == ["201", "202", "203", "075512345678"]
    with pytest.raises(Invalid) as err:
        campaigns.parse_numbers("201\n+8613800138000")
    assert err.value.field == "numbers"
    with pytest.raises(Invalid):
        campaigns.parse_numbers("201;ext=5")
    assert campaigns.numbers_from_csv(b"number,name\n201,Ann\n202,Bo\n201,Again\n") == ["201", "202"]
    with pytest.raises(Invalid) as err:
        campaigns.numbers_from_csv(b"phone\n201\n")
    assert err.value.field == "file"


def test_a_campaign_through_the_api_starts_pauses_stops_and_exports(admin):
    sid = admin.post("/surveys", {"name": "Opinion", "questions": [RATE, YES_NO]}).json["id"]
    bad = admin.post("/campaigns", {"name": "Poll", "survey": sid, "numbers": "201\nabc"})
    assert bad.status == 422 and bad.json["field"] == "numbers", bad
    for body, field in (({"hours_from": "25:00"}, "hours_from"), ({"calls_at_once": 0}, "calls_at_once"),
                        ({"permission_class": "nobody"}, "permission_class"), ({"survey": 99}, "survey")):
        r = admin.post("/campaigns", {"name": "Poll", "survey": sid, **body})
        assert r.status == 422 and r.json["field"] == field, r
    assert admin.get("/campaigns").json["items"] == []
    r = admin.post("/campaigns", {"name": "Poll", "survey": sid, "numbers": ["201", "202"], "calls_at_once": 3})
    assert r.status == 201, r
    cid = r.json["id"]
    assert r.json["status"] == "draft" and r.json["summary"]["pending"] == 2 and r.json["calls_at_once"] == 3
    up = admin.post(f"/campaigns/{cid}/numbers", raw=b"number\n203\n201\n", content_type="text/csv")
    assert up.status == 200 and up.json == {"added": 1}, up
    assert [n["number"] for n in admin.get(f"/campaigns/{cid}/numbers").json["items"]] == ["201", "202", "203"]
    # A CSV file's text with the form: its "number" column, a bad cell named as the file's.
    bad = admin.patch(f"/campaigns/{cid}", {"numbers_csv": "number\n204\nx\n"})
    assert bad.status == 422 and bad.json["field"] == "numbers_csv", bad
    assert admin.patch(f"/campaigns/{cid}", {"numbers_csv": "name,number\nAnn,204\n", "numbers": "205"}).json[
        "summary"]["numbers"] == 5
    assert admin.post(f"/campaigns/{cid}/pause").status == 409
    assert admin.post(f"/campaigns/{cid}/start").json["status"] == "running"
    assert admin.patch(f"/campaigns/{cid}", {"calls_per_minute": 5}).status == 409
    assert admin.delete(f"/campaigns/{cid}").status == 409
    assert admin.post(f"/campaigns/{cid}/pause").json["status"] == "paused"
    assert admin.patch(f"/campaigns/{cid}", {"calls_per_minute": 5}).json["calls_per_minute"] == 5
    assert admin.post(f"/campaigns/{cid}/stop").json["status"] == "stopped"
    assert admin.post(f"/campaigns/{cid}/start").status == 409
    results = admin.get(f"/campaigns/{cid}/results").json
    assert results["questions"][0] == {"question": 1, "keys": {k: 0 for k in "12345"}, "answers": 0, "average": None}
    csv = admin.get(f"/campaigns/{cid}/export")
    assert csv.status == 200 and csv.body.decode().splitlines()[:2] == ["number,state,outcome,attempts,q1,q2",
                                                                        "201,pending,,0,,"]
    assert admin.delete(f"/surveys/{sid}").status == 409  # the campaign uses it
    assert admin.delete(f"/campaigns/{cid}").status == 204


# --- the runner's decisions

@pytest.mark.parametrize("clock,start,end,inside", [
    ("09:00", "09:00", "20:00", True), ("19:59", "09:00", "20:00", True), ("20:00", "09:00", "20:00", False),
    ("08:59", "09:00", "20:00", False), ("23:30", "22:00", "06:00", True), ("05:59", "22:00", "06:00", True),
    ("12:00", "22:00", "06:00", False), ("23:59", "00:00", "24:00", True), ("10:00", "10:00", "10:00", False),
])
def test_allowed_hours(clock, start, end, inside):
    h, m = map(int, clock.split(":"))
    assert decisions.within_hours(dt.datetime(2026, 12, 7, h, m), start, end) is inside


def test_pace_and_retries():
    assert decisions.free_slots(3, 10, active=0, started=[], now=100) == 3
    assert decisions.free_slots(3, 10, active=2, started=[], now=100) == 1
    assert decisions.free_slots(3, 4, active=0, started=[50, 60, 99], now=100) == 1
    assert decisions.free_slots(3, 4, active=0, started=[30, 39, 99], now=100) == 3  # 30, 39: over a minute ago
    assert decisions.unanswered("5") == "busy" and decisions.unanswered("3") == "no_answer"
    assert decisions.after_attempt("busy", attempts=1, retries=1) is True
    assert decisions.after_attempt("busy", attempts=2, retries=1) is False
    assert decisions.after_attempt("partial", attempts=1, retries=3) is False
    assert decisions.screen(True, True, "x") == "blacklisted" and decisions.screen(False, False, None) is None


# --- the runner against a recording AMI

class Clock:
    def __init__(self):
        self.t = T0

    def __call__(self):
        return self.t


@pytest.fixture
def desks(config_db):
    for n in ("201", "202", "203", "204", "205", "206"):
        extensions.create({"number": n, "name": f"Desk {n}"}, "test")


def campaign(numbers, **settings):
    s = survey()
    c, _ = campaigns.create({"name": "Poll", "survey": s.id, "numbers": numbers, "hours_from": "09:00",
                             "hours_to": "20:00", **settings}, "test")
    campaigns.act(c.id, "start")
    return c


def runner():
    ami, clock = RecordingAmi(), Clock()
    r = CampaignRunner(AmiDialer(ami), clock)
    ami.subscribe(r.on_event)
    return r, ami, clock


def drain(r):
    while not r.events.empty():
        r.handle(r.events.get())


def dialled(ami):
    return [f["Channel"] for f in ami.actions("Originate")]


def outcome(number):
    return CampaignNumber.get(CampaignNumber.number == number).outcome


def test_the_pace_holds_calls_at_once_and_per_minute(desks):
    campaign(["201", "202", "203", "204", "205"], calls_at_once=2, calls_per_minute=3)
    r, ami, clock = runner()
    r.tick()
    assert dialled(ami) == ["PJSIP/201", "PJSIP/202"]
    first = ami.actions("Originate")[0]
    assert first["Context"].startswith("callbox-survey-") and first["Exten"] == "s" and first["ChannelId"] == "survey-1-1"
    r.tick()
    assert len(dialled(ami)) == 2  # two at once already
    ami.emit(Event="OriginateResponse", Response="Failure", Reason="3", Uniqueid="survey-1-1")
    drain(r)
    r.tick()
    assert dialled(ami)[2:] == ["PJSIP/203"]
    ami.emit(Event="OriginateResponse", Response="Failure", Reason="3", Uniqueid="survey-2-1")
    drain(r)
    r.tick()
    assert len(dialled(ami)) == 3  # three started this minute
    clock.t += 61
    r.tick()
    assert dialled(ami)[3:] == ["PJSIP/204"]


def test_only_within_the_allowed_hours_in_the_box_time_zone(desks):
    from appliance import box_settings
    campaign(["201"], hours_from="09:00", hours_to="17:00")
    with change("test", "settings.update") as cs:
        box_settings.save(cs, {"timezone": "Asia/Shanghai"})
    r, ami, clock = runner()
    clock.t = dt.datetime(2026, 12, 7, 8, 30, tzinfo=box_settings.zone(box_settings.load().timezone)).timestamp()
    r.tick()
    assert dialled(ami) == []
    clock.t += 3600
    r.tick()
    assert dialled(ami) == ["PJSIP/201"]


def test_blacklisted_opted_out_and_refused_numbers_are_never_called(desks):
    blacklist.create({"number": "203"}, "test")
    customers.create({"name": "No calls", "numbers": ["204"]}, "test")
    Customer.update(sms_opt_out=True).execute()
    campaign(["201", "203", "204", "013800138000"], calls_at_once=5, calls_per_minute=60)
    r, ami, _ = runner()
    r.tick()
    assert dialled(ami) == ["PJSIP/201"]
    assert (outcome("203"), outcome("204"), outcome("013800138000")) == ("blacklisted", "opted_out", "refused")


def test_the_blacklist_and_opt_outs_know_a_number_written_another_way(desks):
    """A mobile blacklisted as the caller ID showed it (+86...) is not called when the list has it bare."""
    from appliance import box_settings
    with change("test", "settings.update") as cs:
        box_settings.save(cs, {"country_code": "86"})
    blacklist.create({"number": "+86 139 0013 9000"}, "test")
    customers.create({"name": "No calls", "numbers": ["13700137000"]}, "test")
    Customer.update(sms_opt_out=True).execute()
    campaign(["13900139000", "008613700137000"], calls_at_once=5, calls_per_minute=60)
    r, ami, _ = runner()
    r.tick()
    assert dialled(ami) == []
    assert (outcome("13900139000"), outcome("008613700137000")) == ("blacklisted", "opted_out")


def test_busy_and_unanswered_are_tried_again_up_to_the_retries(desks):
    campaign(["201"], retries=1, retry_minutes=5)
    r, ami, clock = runner()
    r.tick()
    ami.emit(Event="OriginateResponse", Response="Failure", Reason="5", Uniqueid="survey-1-1")
    drain(r)
    entry = CampaignNumber.get()
    assert (entry.state, entry.outcome, entry.attempts) == ("pending", "busy", 1)
    r.tick()
    assert len(dialled(ami)) == 1  # not before the retry time
    clock.t += 5 * 60
    r.tick()
    assert ami.actions("Originate")[1]["ChannelId"] == "survey-1-2"
    ami.emit(Event="OriginateResponse", Response="Failure", Reason="3", Uniqueid="", ActionID="")
    ami.emit(Event="OriginateResponse", Response="Failure", Reason="3", Uniqueid="survey-1-2")
    drain(r)
    assert (CampaignNumber.get().state, outcome("201")) == ("done", "no_answer")
    clock.t += 3600
    r.tick()
    assert len(dialled(ami)) == 2
    from appliance.db.models import Campaign
    assert Campaign.get().status == "finished"


def test_a_refusal_is_told_by_the_channels_hangup_cause(desks):
    """Asterisk answers a 486 with Reason 0, as when no channel was made; the Hangup that follows
    says busy (17). Without a Hangup the attempt counts as unanswered once CAUSE_WAIT is over."""
    campaign(["201", "202", "203"], calls_at_once=3, retries=1, retry_minutes=5)
    r, ami, clock = runner()
    r.tick()
    ami.emit(Event="OriginateResponse", Response="Failure", Reason="0", Uniqueid="survey-1-1")
    ami.emit(Event="Hangup", Uniqueid="survey-1-1", Cause="17")
    ami.emit(Event="Hangup", Uniqueid="survey-2-1", Cause="34")  # seen first this time
    ami.emit(Event="OriginateResponse", Response="Failure", Reason="1", Uniqueid="survey-2-1")
    ami.emit(Event="OriginateResponse", Response="Failure", Reason="0", Uniqueid="survey-3-1")
    drain(r)
    assert (outcome("201"), outcome("202"), outcome("203")) == ("busy", "busy", None)
    clock.t += 1
    r.tick()
    assert outcome("203") is None  # still waiting for its cause
    clock.t += 2
    r.tick()
    assert outcome("203") == "no_answer" and not r.calls


def answer_event(sid, cid, entry, question, key, call):
    return dict(Event="UserEvent", UserEvent="CallboxSurvey", Survey=str(sid), Step="answer", Question=str(question),
                Key=key, Campaign=str(cid), Entry=str(entry), Uniqueid=call, CallerIDNum="201")


def test_an_answered_call_counts_its_keys_completed_or_partial(desks):
    c = campaign(["201", "202"], calls_at_once=2)
    r, ami, _ = runner()
    r.tick()
    one, two = (CampaignNumber.get(CampaignNumber.number == n) for n in ("201", "202"))
    for entry in (one, two):
        ami.emit(Event="OriginateResponse", Response="Success", Reason="4", Uniqueid=entry.call_id)
    ami.emit(**answer_event(c.survey_id, c.id, one.id, 1, "4", one.call_id))
    ami.emit(**answer_event(c.survey_id, c.id, one.id, 2, "1", one.call_id))
    ami.emit(**answer_event(c.survey_id, c.id, two.id, 1, "5", two.call_id))
    ami.emit(**answer_event(c.survey_id, c.id, two.id, 2, "7", two.call_id))  # not a key question 2 allows
    ami.emit(Event="Hangup", Uniqueid=one.call_id)
    ami.emit(Event="Hangup", Uniqueid=two.call_id)
    drain(r)
    assert (outcome("201"), outcome("202")) == ("completed", "partial")
    assert SurveyAnswer.select().count() == 3
    q1, q2 = answers.results(c.survey, c.id)
    assert q1["keys"] == {"1": 0, "2": 0, "3": 0, "4": 1, "5": 1} and q1["average"] == 4.5 and q1["answers"] == 2
    assert q2["keys"] == {"1": 1, "2": 0}
    csv = campaigns.export_csv(c.id).splitlines()
    assert csv[1:] == ["201,done,completed,1,4,1", "202,done,partial,1,5,"]


def test_answers_after_a_queue_call_are_kept_by_the_call(config_db):
    s = survey()
    r, ami, _ = runner()
    ami.emit(Event="UserEvent", UserEvent="CallboxSurvey", Survey=str(s.id), Step="answer", Question="1", Key="3",
             Campaign="", Entry="", Uniqueid="1733.7", CallerIDNum="13800138000")
    drain(r)
    a = SurveyAnswer.get()
    assert (a.campaign_id, a.call_id, a.number, a.key) == (None, "1733.7", "13800138000", "3")
    assert answers.results(s, after_calls=True)[0]["answers"] == 1


def test_calls_cut_by_a_restart_are_tried_again_only_while_tries_are_left(desks):
    campaign(["201", "202"], calls_at_once=2, retries=1)
    r, ami, _ = runner()
    r.tick()
    CampaignNumber.update(attempts=2).where(CampaignNumber.number == "202").execute()  # its last try
    again, _, _ = runner()
    again.recover()
    first, last = (CampaignNumber.get(CampaignNumber.number == n) for n in ("201", "202"))
    assert (first.state, first.outcome, first.attempts) == ("pending", "no_answer", 1)
    assert (last.state, last.outcome) == ("done", "no_answer")
