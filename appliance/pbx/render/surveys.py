"""Dial plan of surveys: a context per survey (callbox-survey-<id>), reached after a queue's call
(the queue's q-CONTINUE) or by a campaign's call (Originate into it, see appliance/surveys/dialer.py).

Each question is one Read() of one key, asked twice at most; a key the question does not allow
counts as no key. What the caller pressed leaves the dial plan only after the allowed keys'
pattern matched it (the supervisor checks it again), as a UserEvent the supervisor reads over
AMI: Step ask (before each try), answer (with the key) and end (every question was asked).
A campaign's calls carry CALLBOX_CAMPAIGN and CALLBOX_CAMPAIGN_ENTRY (set by the supervisor,
never by a caller) and hear the box's own introduction first.
"""

from __future__ import annotations

from ..conf import ConfFile
from ..snapshot import Snapshot, SurveyView

EVENT = "CallboxSurvey"
TRIES = 2
INTRO, END = "survey-intro", "survey-end"  # the box's own prompts (scripts/sounds)


def context(survey_id: int) -> str:
    return f"callbox-survey-{int(survey_id)}"


def render(body: ConfFile, snap: Snapshot) -> None:
    for survey in snap.surveys:
        _survey(body, snap, survey)


def _event(survey: SurveyView, step: str, *more: str) -> str:
    tags = ",".join((f"Survey: {survey.id}", f"Step: {step}", *more, "Campaign: ${CALLBOX_CAMPAIGN}",
                     "Entry: ${CALLBOX_CAMPAIGN_ENTRY}"))
    return f"UserEvent({EVENT},{tags})"


def _survey(body: ConfFile, snap: Snapshot, survey: SurveyView) -> None:
    own = f"{snap.system.sounds_dir}/${{CHANNEL(language)}}"
    ctx = body.section(context(survey.id))
    ctx.exten("s,1,Answer()")
    if survey.language:
        ctx.same(f"n,Set(CHANNEL(language)={survey.language})")
    ctx.same(f"n,{_event(survey, 'start')}")
    ctx.same("n,GotoIf(${ISNULL(${CALLBOX_CAMPAIGN})}?q1)")
    ctx.same(f"n,Playback({own}/{INTRO})")
    count = len(survey.questions)
    for n, q in enumerate(survey.questions, 1):
        prompt = "" if q.prompt is None else (f"{own}/{q.prompt}" if q.own else q.prompt)
        after = f"q{n + 1}" if n < count else "end"
        allowed = "|".join(q.keys)
        ctx.same(f"n(q{n}),Set(CALLBOX_TRY=1)")
        ctx.same(f"n(q{n}ask),{_event(survey, 'ask', f'Question: {n}', 'Try: ${CALLBOX_TRY}')}")
        ctx.same(f"n,Read(CALLBOX_KEY,{prompt},1,,1,{q.timeout})")
        ctx.same(f'n,GotoIf(${{REGEX("^({allowed})$" ${{CALLBOX_KEY}})}}?q{n}ok)')
        ctx.same(f'n,GotoIf(${{REGEX("^{TRIES}$" ${{CALLBOX_TRY}})}}?{after})')
        ctx.same("n,Set(CALLBOX_TRY=${INC(CALLBOX_TRY)})")
        ctx.same(f"n,Goto(q{n}ask)")
        ctx.same(f"n(q{n}ok),{_event(survey, 'answer', f'Question: {n}', 'Key: ${CALLBOX_KEY}')}")
    ctx.same(f"n(end),{_event(survey, 'end')}")
    ctx.same(f"n,Playback({own}/{END})")
    ctx.same("n,Hangup()")
