"""The campaign runner's decisions, as pure functions of what it knows: whether the hour is
allowed, how many calls may start now, whether a number may be called at all, and what an
attempt's end means for the number. No database, no Asterisk, no clock of their own."""

from __future__ import annotations

import datetime as dt

#: A number's outcomes. Final: every one but a busy or unanswered attempt with tries left.
COMPLETED, PARTIAL, NO_ANSWER, BUSY, REFUSED = "completed", "partial", "no_answer", "busy", "refused"
BLACKLISTED, OPTED_OUT = "blacklisted", "opted_out"
OUTCOMES = (COMPLETED, PARTIAL, NO_ANSWER, BUSY, REFUSED, BLACKLISTED, OPTED_OUT)
RETRIED = (NO_ANSWER, BUSY)

# Originate's Reason (the AST_CONTROL the channel ended on): 5 busy, 8 congestion (the far end
# or the network refused the call); 3 rang out. 0 and 1 say only that the channel ended: a phone
# or trunk answering 486 gives 0, and the channel's Hangup cause that follows tells which.
_BUSY_REASONS = {"5"}
_CONGESTION_REASONS = {"8"}
UNCLEAR_REASONS = {"0", "1"}
# Hangup causes (Q.850) of a refusal: 17 user busy; 34, 38, 41, 42, 44 no circuit or congestion.
_REFUSED_CAUSES = {"17", "34", "38", "41", "42", "44"}


def minutes(clock: str) -> int:
    hours, mins = clock.split(":")
    return int(hours) * 60 + int(mins)


def within_hours(local: dt.datetime, start: str, end: str) -> bool:
    """Whether the box's local time `local` falls in [start, end); end before start spans midnight."""
    now, a, b = local.hour * 60 + local.minute, minutes(start), minutes(end)
    if a == b:
        return False
    if a < b:
        return a <= now < b
    return now >= a or now < b


def free_slots(at_once: int, per_minute: int, active: int, started: list[float], now: float) -> int:
    """How many calls may start now: no more than `at_once` at a time, no more than `per_minute`
    started in the last 60 seconds (`started`: when the earlier ones started)."""
    recent = sum(1 for t in started if now - t < 60)
    return max(0, min(at_once - active, per_minute - recent))


def screen(blacklisted: bool, opted_out: bool, refusal: str | None) -> str | None:
    """A number that must not be called, and why (the outcome it gets): None to call it."""
    if blacklisted:
        return BLACKLISTED
    if opted_out:
        return OPTED_OUT
    if refusal is not None:
        return REFUSED
    return None


def unanswered(reason: str, cause: str | None = None) -> str:
    """The outcome of an attempt Asterisk reports as not answered: OriginateResponse's Reason, and
    the Hangup cause of the call's channel where one was seen."""
    if cause in _REFUSED_CAUSES:
        return BUSY
    return BUSY if reason in _BUSY_REASONS | _CONGESTION_REASONS else NO_ANSWER


def answered(questions_answered: int, questions: int) -> str:
    return COMPLETED if questions_answered >= questions else PARTIAL


def after_attempt(outcome: str, attempts: int, retries: int) -> bool:
    """True when the number is tried again: busy or no answer, with tries left."""
    return outcome in RETRIED and attempts <= retries
