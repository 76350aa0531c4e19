"""What became of a click-to-call, as the page that asked is told: pure functions of what
Asterisk reported about the call's first channel (the user's own phone). No Asterisk, no clock.

Two stages. The user's phone: rung by an asynchronous Originate, whose OriginateResponse says
whether it answered and, if not, why (Reason: the last control frame, AST_CONTROL_*; 0 when no
channel could be made: nothing registered for the endpoint, or not reachable). Then the number:
the answered channel dials it from the dial plan; its DialEnd events (one per trunk tried) and
the dial plan's refusal (the callbox-refused UserEvent) say what happened, known for sure when
the channel hangs up without the far end having answered.
"""

from __future__ import annotations

# States the page is told of. Not final: the phone rings, the phone answered (the number is
# being dialled). Final: every other.
RINGING, ANSWERED = "ringing", "answered"
CONNECTED = "connected"  # the number answered: the two talk
NO_ANSWER, BUSY, DECLINED = "no_answer", "busy", "declined"  # the user's phone
NOT_REGISTERED, UNREACHABLE = "not_registered", "unreachable"
FAR_BUSY, FAR_NO_ANSWER, FAR_FAILED = "far_busy", "far_no_answer", "far_failed"  # the number
REFUSED = "refused"  # the dial plan refused the number (the user's permission class, no route)
ENDED = "ended"  # hung up before the number answered or failed (the user changed their mind)
STATES = (RINGING, ANSWERED, CONNECTED, NO_ANSWER, BUSY, DECLINED, NOT_REGISTERED, UNREACHABLE,
          FAR_BUSY, FAR_NO_ANSWER, FAR_FAILED, REFUSED, ENDED)
FINAL = frozenset(STATES) - {RINGING, ANSWERED}

# OriginateResponse's Reason: the control frame the phone's channel ended on (AST_CONTROL_*):
# 3 rang until the ring time ran out, 5 busy, 8 congestion, 1 hung up. A phone that refuses the
# call (486 Busy Here, 603 Decline) ends it with Reason 0, as when no channel could be made at
# all: its channel's Hangup cause (Q.850, which Asterisk maps the SIP answer to) says which.
_PHONE_REASONS = {"3": NO_ANSWER, "5": BUSY, "8": DECLINED, "1": DECLINED}
_PHONE_CAUSES = {"17": BUSY, "18": NO_ANSWER, "19": NO_ANSWER, "21": DECLINED}


def phone_outcome(reason: str, cause: str | None, registered: bool) -> str | None:
    """Why the user's phone did not answer. `reason`: OriginateResponse's Reason; `cause`: the
    Hangup cause of the phone's channel, None while no Hangup was seen; `registered`: the box's
    live registration of the endpoint rung. None: not known yet (wait for the Hangup)."""
    if reason in _PHONE_REASONS:
        return _PHONE_REASONS[reason]
    if cause is not None:
        return _PHONE_CAUSES.get(cause, UNREACHABLE)
    return None if registered else NOT_REGISTERED


# Dial's DIALSTATUS for the number. CANCEL: the caller (the user) hung up first.
_FAR = {"BUSY": FAR_BUSY, "NOANSWER": FAR_NO_ANSWER, "CONGESTION": FAR_FAILED, "CHANUNAVAIL": FAR_FAILED,
        "CANCEL": ENDED}

# Hangup causes (Q.850) of a channel that dialled nothing: the dial plan ended it (Busy(),
# Congestion() after "all circuits are busy") unless the user hung up (16 normal clearing).
_USER_HUNG_UP = {"16", "0", ""}
_BUSY_CAUSE = "17"


def far_outcome(dial_statuses: list[str], refused: bool, hangup_cause: str) -> str:
    """The user's phone answered and its channel hung up without the number answering: what
    became of the number. `dial_statuses`: DIALSTATUS of each Dial in order (the last trunk tried
    says it); `refused`: the dial plan refused the number."""
    if refused:
        return REFUSED
    if dial_statuses:
        return _FAR.get(dial_statuses[-1], FAR_FAILED)
    if hangup_cause in _USER_HUNG_UP:
        return ENDED
    return FAR_BUSY if hangup_cause == _BUSY_CAUSE else FAR_FAILED
