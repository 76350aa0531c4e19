"""An IVR's self-service steps in the dial plan: what the menu does, in order, before its keys.

- digits: a prompt (or a beep), then DTMF up to the step's most digits, # to end early; checked
  here (digits only, its length) before anything uses them; a wrong entry hears entry-invalid and
  tries again, as many times as the menu's tries, then goes where the menu's wrong keys go;
- say: the digits entered, the caller's number or a lookup's variable, as digits, a number or a
  date, in the channel's language (Asterisk says them the Chinese way for zh);
- ticket_status, http_lookup, complaint: the supervisor answers over FastAGI
  (appliance/ivrs/selfservice.py), from the box's own data, the business's web service, or the
  caller's recording.

Nothing a user typed reaches this text: steps are named by their menu's id and index, lookup
URLs stay in the database, and choices are played from files the supervisor names.
"""

from __future__ import annotations

from typing import Callable

from ...ivrs.schema import CALLER, ENTERED
from ..conf import Section
from ..snapshot import IvrView, Snapshot

ENTRY = "CALLBOX_DIGITS"
DIGITS_ONLY = "^(0|1|2|3|4|5|6|7|8|9)+$"  # no brackets: the config writer refuses them
#: Where the caller's complaint is recorded (the supervisor moves it to its ticket).
COMPLAINT_DIR = "callbox-complaints"
LOOKUP_PROMPT = "CALLBOX_LOOKUP_PROMPT"
VARIABLE_PREFIX = "CALLBOX_V_"
#: How SayUnixTime says a date: weekday, month, day, year; year, month, day, weekday in Chinese.
DATE_FORMATS = {"en": "ABdY", "zh": "YBdA"}


def _compare(expression: str) -> str:
    return f'${{REGEX("^TRUE$" ${{MATH({expression})}})}}'


def value_of(name: str) -> str:
    """The dial plan's expression for what a say step says."""
    if name == ENTERED:
        return f"${{{ENTRY}}}"
    if name == CALLER:
        return "${FILTER(0123456789,${CALLERID(num)})}"
    return f"${{{VARIABLE_PREFIX}{name.upper()}}}"


def steps(menu: Section, ivr: IvrView, snap: Snapshot, goto: Callable[[tuple], str]) -> None:
    """The steps, continuing the menu's s extension."""
    own = f"{snap.system.sounds_dir}/${{CHANNEL(language)}}"
    agi = f"agi://{snap.system.agi}"
    for k, step in enumerate(ivr.steps, 1):
        kind = step["kind"]
        if kind == "digits":
            prompt = f"{snap.system.prompts_dir}/{step['prompt_file']}" if step.get("prompt_file") else "beep"
            length = f"${{LEN(${{{ENTRY}}})}}"
            menu.same(f"n(step{k}),Set(CALLBOX_ENTRY_TRIES={ivr.max_tries})")
            # One digit more than allowed: too many digits are told apart from just enough.
            menu.same(f"n(step{k}read),Read({ENTRY},{prompt},{step['max_digits'] + 1},,1,{step['timeout']})")
            menu.same(f'n,GotoIf(${{REGEX("{DIGITS_ONLY}" ${{{ENTRY}}})}}?:step{k}bad)')
            short, long = _compare(f"{length}<{step['min_digits']}"), _compare(f"{length}>{step['max_digits']}")
            menu.same(f"n,GotoIf({short}?step{k}bad)")
            menu.same(f"n,GotoIf({long}?step{k}bad:step{k}ok)")
            # Why the caller hears entry-invalid, for whoever reads the log (no commas: one message).
            menu.same(f"n(step{k}bad),Log(NOTICE,callbox: self-service entry refused in ${{CONTEXT}} step {k}"
                      f" ({length} keys where {step['min_digits']} to {step['max_digits']} digits are taken))")
            menu.same(f"n,Set({ENTRY}=)")
            menu.same("n,Set(CALLBOX_ENTRY_TRIES=${DEC(CALLBOX_ENTRY_TRIES)})")
            menu.same(f"n,Playback({own}/entry-invalid)")
            menu.same(f"n,GotoIf(${{CALLBOX_ENTRY_TRIES}}?step{k}read)")
            menu.same(f"n,{goto(ivr.on_invalid)}")
            menu.same(f"n(step{k}ok),NoOp(digits entered)")
        elif kind == "say":
            value = value_of(step["value"])
            menu.same(f"n(step{k}),GotoIf(${{ISNULL({value})}}?step{k}done)")
            if step["say_as"] == "digits":
                menu.same(f"n,SayDigits({value})")
            elif step["say_as"] == "number":
                menu.same(f"n,SayNumber({value})")
            else:
                zh = '${REGEX("^zh" ${CHANNEL(language)})}'
                menu.same(f"n,SayUnixTime(${{STRPTIME({value},UTC,%Y-%m-%d)}},UTC,"
                          f"${{IF({zh}?{DATE_FORMATS['zh']}:{DATE_FORMATS['en']})}})")
            menu.same(f"n(step{k}done),NoOp(said)")
        elif kind == "ticket_status":
            menu.same(f"n(step{k}),AGI({agi}/ticket-status)")
        elif kind == "http_lookup":
            menu.same(f"n(step{k}),Set({LOOKUP_PROMPT}=)")
            menu.same(f"n,AGI({agi}/ivr-lookup?ivr={ivr.id}&step={k - 1})")
            menu.same(f"n,GotoIf(${{LEN(${{{LOOKUP_PROMPT}}})}}?:lookup-failed-{k},1)")
            menu.same(f"n,Playback(${{{LOOKUP_PROMPT}}})")
        elif kind == "complaint":
            menu.same(f"n(step{k}),Playback({own}/complaint-intro)")
            menu.same(f"n,Set(CALLBOX_COMPLAINT={snap.system.spool_dir}/{COMPLAINT_DIR}/${{UNIQUEID}})")
            # A beep, then until # or the silence or the longest; kept when the caller hangs up.
            menu.same(f"n,Record(${{CALLBOX_COMPLAINT}}.wav,{step['silence_seconds']},{step['max_seconds']},k)")
            menu.same(f"n,AGI({agi}/complaint)")
            menu.same("n,Set(CALLBOX_COMPLAINT=)")
    if ivr.steps and not ivr.options:
        menu.same(f"n,{goto(ivr.on_timeout)}")  # no keys to wait for


def step_extensions(menu: Section, ivr: IvrView, snap: Snapshot, goto: Callable[[tuple], str]) -> None:
    """Where failed lookups go; a complaint whose caller hung up still becomes its ticket."""
    for k, step in enumerate(ivr.steps, 1):
        if step["kind"] == "http_lookup":
            fallback = step["fallback"]
            menu.exten(f"lookup-failed-{k},1,{goto((fallback['kind'], fallback.get('target')))}")
    if any(step["kind"] == "complaint" for step in ivr.steps):
        menu.exten(f"h,1,ExecIf(${{LEN(${{CALLBOX_COMPLAINT}})}}?AGI(agi://{snap.system.agi}/complaint))")
