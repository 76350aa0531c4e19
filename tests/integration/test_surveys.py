"""Surveys with real phones on a real Asterisk: an outbound campaign to six desk phones (three
answer and key their answers, two let it ring, the sixth is on the blacklist) and a survey
asked after a queue's call.

What is asserted is what happened: which phones rang, the outcomes and counts the box keeps
from Asterisk's events, the keys it stored and the CSV it exports.
"""

from __future__ import annotations

import time

import pytest

ANSWER = {"7301": "51", "7302": "42", "7303": "51"}  # number -> the keys for questions 1 and 2
IGNORE = ("7304", "7305")
BLACKLISTED = "7306"


@pytest.fixture(scope="module")
def phones(api, sip, box):
    out = {}
    for number in (*ANSWER, *IGNORE, BLACKLISTED, "7310"):
        r = api.post("/extensions", {"number": number, "name": f"Desk {number}"})
        assert r.status == 201, r
        out[number] = sip.phone(number, r.json["secret"], box.sip).register()
    return out


def make_survey(api, name: str, questions: list[dict]) -> int:
    r = api.post("/surveys", {"name": name, "questions": questions})
    assert r.status == 201, r
    return r.json["id"]


def poll(api, path: str, predicate, what: str, timeout: float = 30):
    deadline = time.monotonic() + timeout
    while True:
        doc = api.get(path).json
        if predicate(doc):
            return doc
        assert time.monotonic() < deadline, f"timed out waiting for {what}: {doc}"
        time.sleep(0.1)


def entry(doc: dict, number: str) -> dict:
    return next(n for n in doc["items"] if n["number"] == number)


def test_a_campaign_asks_three_answering_phones_and_never_calls_the_blacklisted_one(api, sip, phones):
    survey = make_survey(api, "Opinion", [{"sound": "survey", "keys": "1-5", "timeout": 8},
                                          {"sound": "survey-yes-no", "keys": "12", "timeout": 8}])
    assert api.post("/blacklist", {"number": BLACKLISTED, "note": "asked not to be called"}).status == 201
    numbers = "\n".join((*ANSWER, *IGNORE, BLACKLISTED))
    r = api.post("/campaigns", {"name": "December poll", "survey": survey, "numbers": numbers, "calls_at_once": 3,
                                "calls_per_minute": 60, "hours_from": "00:00", "hours_to": "24:00", "retries": 0,
                                "ring_seconds": 12})
    assert r.status == 201, r
    cid = r.json["id"]
    assert api.post(f"/campaigns/{cid}/start").json["status"] == "running"

    # Three at once: the numbers in their order, the fourth once one of the first three ends.
    ringing = {n: phones[n].wait_incoming(timeout=15) for n in ANSWER}
    assert not any(phones[n].incoming for n in IGNORE)
    for number in ANSWER:
        ringing[number].answer_call()
    for number in ANSWER:
        ringing[number].wait_confirmed()
    # Each key once the box asks its question (the supervisor follows the dial plan's events).
    for question in (1, 2):
        for number, keys in ANSWER.items():
            poll(api, f"/campaigns/{cid}/numbers", lambda d: entry(d, number)["asking"] == question,
                 f"{number} to be asked question {question}", timeout=20)
            ringing[number].send_dtmf(keys[question - 1])
    for number in ANSWER:  # the box says goodbye and hangs up
        ringing[number].wait_disconnected(timeout=20)
    for number in IGNORE:  # rang out unanswered
        ringing[number] = phones[number].wait_incoming(timeout=20)
    for number in IGNORE:
        ringing[number].wait_disconnected(timeout=20)

    done = poll(api, f"/campaigns/{cid}", lambda c: c["status"] == "finished", "the campaign to finish")
    summary = done["summary"]
    assert (summary["completed"], summary["no_answer"], summary["blacklisted"], summary["pending"],
            summary["partial"]) == (3, 2, 1, 0, 0), summary
    outcomes = {n["number"]: (n["outcome"], n["attempts"]) for n in api.get(f"/campaigns/{cid}/numbers").json["items"]}
    assert outcomes == {**{n: ("completed", 1) for n in ANSWER}, **{n: ("no_answer", 1) for n in IGNORE},
                        BLACKLISTED: ("blacklisted", 0)}
    assert phones[BLACKLISTED].incoming == [], "the blacklisted phone rang"

    results = api.get(f"/campaigns/{cid}/results").json["questions"]
    assert results[0]["keys"] == {"1": 0, "2": 0, "3": 0, "4": 1, "5": 2} and results[0]["average"] == 4.67
    assert results[1]["keys"] == {"1": 2, "2": 1} and results[1]["answers"] == 3
    stored = api.get(f"/surveys/{survey}/answers").json["items"]
    assert sorted((a["number"], a["question"], a["key"], a["campaign"]) for a in stored) == sorted(
        (n, q + 1, keys[q], cid) for n, keys in ANSWER.items() for q in (0, 1))
    csv = api.get(f"/campaigns/{cid}/export").body.decode().splitlines()
    assert csv[0] == "number,state,outcome,attempts,q1,q2"
    assert sorted(csv[1:]) == ["7301,done,completed,1,5,1", "7302,done,completed,1,4,2", "7303,done,completed,1,5,1",
                               "7304,done,no_answer,1,,", "7305,done,no_answer,1,,", "7306,done,blacklisted,0,,"]


def test_a_queue_asks_its_survey_after_the_call(api, sip, phones):
    survey = make_survey(api, "After the call", [{"sound": "survey", "keys": "1-5", "timeout": 8}])
    r = api.post("/queues", {"number": "730", "name": "Hotline", "members": [{"extension": "7310"}],
                             "survey_after": survey})
    assert r.status == 201, r
    # A phone the campaign lets ring calls in: pjsua has room for 8 phones' transports in all.
    caller, agent = phones[IGNORE[0]], phones["7310"]
    call = caller.call("730")
    answered = agent.wait_incoming(timeout=15)
    answered.answer_call()
    answered.wait_confirmed()
    call.wait_confirmed()
    answered.hangup_call()  # the agent ends the call: the caller is asked
    after = call.listener.mark()
    sip.wait(lambda: call.listener.heard_sound(since=after, min_ms=500), 10, "the survey's question")
    call.send_dtmf("3")
    call.wait_disconnected(timeout=20)
    stored = poll(api, f"/surveys/{survey}/answers", lambda d: d["items"], "the answer to be kept", timeout=10)["items"]
    assert [(a["number"], a["question"], a["key"], a["campaign"]) for a in stored] == [(IGNORE[0], 1, "3", None)]
    assert stored[0]["call_id"]
    results = api.get(f"/surveys/{survey}/results?source=calls").json["questions"]
    assert results[0]["keys"]["3"] == 1 and results[0]["answers"] == 1
