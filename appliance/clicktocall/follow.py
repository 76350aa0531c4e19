"""Follows each click-to-call from its Originate to its outcome and tells the user who asked
(a "click_to_call" event on the box's live events, which their page's stream carries).

The calls are told apart by the first channel's id (ChannelId c2c-...), which every event of
that channel carries as Uniqueid. An Originate that made no channel (nothing registered) answers
with an OriginateResponse that may carry no such id: its ActionID names it then. That response
can come before the Originate's own answer, hence before the ActionID is known here: such
responses wait (a few, briefly) to be claimed. A phone that refused the call is told apart by its
channel's Hangup, which can come after the OriginateResponse: the outcome waits for it (at most
SETTLE seconds: then no channel was made, the phone is not reachable).

Runs on the AMI reader's thread: only dictionaries and the event bus, nothing that blocks.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Callable

from ..log import kv
from ..pbx.render.dialplan import REFUSED_EVENT
from . import outcomes

log = logging.getLogger(__name__)
TOPIC = "click_to_call"
#: A call Asterisk never reported the end of is forgotten after this long (seconds).
FORGET_AFTER = 4 * 3600
#: OriginateResponses nobody claimed yet (their Originate's answer is on its way).
UNCLAIMED = 32
#: Seconds a failed Originate's outcome waits for its channel's Hangup.
SETTLE = 2.0


@dataclass
class Followed:
    id: str
    user: int
    extension: str
    endpoint: str  # the phone rung first: the extension's desk or browser endpoint
    number: str
    started: float = 0.0
    action_id: str | None = None
    state: str | None = None
    dials: list[str] = field(default_factory=list)
    refused: bool = False
    reason: str | None = None  # OriginateResponse's Reason once the phone did not answer
    cause: str | None = None  # the Hangup cause of the phone's channel before it answered
    why: str = ""  # what Asterisk said, for the log


class Follower:
    def __init__(self, publish: Callable[..., object], registration: Callable[[str], object],
                 now: Callable[[], float] = time.monotonic,
                 later: Callable[[float, Callable[[], None]], object] | None = None):
        self.publish = publish
        self.registration = registration
        self.now = now
        self.later = later or _timer
        self.calls: dict[str, Followed] = {}
        self._unclaimed: OrderedDict[str, object] = OrderedDict()
        self._lock = threading.Lock()

    # --- the API's side: before the Originate goes out, then with its ActionID
    def expect(self, call: Followed) -> None:
        call.started = self.now()
        with self._lock:
            for old in [c for c in self.calls.values() if call.started - c.started > FORGET_AFTER]:
                del self.calls[old.id]
            self.calls[call.id] = call

    def placed(self, call_id: str, action_id: str | None) -> None:
        with self._lock:
            call = self.calls.get(call_id)
            if call is None or not action_id:
                return
            call.action_id = action_id
            early = self._unclaimed.pop(action_id, None)
        if early is not None:
            self.on_event(early)

    def forget(self, call_id: str) -> None:
        """The Originate did not go out (Asterisk refused it): nothing to follow."""
        with self._lock:
            self.calls.pop(call_id, None)

    # --- the AMI reader's side
    def on_event(self, ev) -> None:
        name = ev.name
        if name == "FullyBooted":
            self._restarted()
            return
        if name not in ("OriginateResponse", "Newstate", "DialEnd", "UserEvent", "Hangup"):
            return
        with self._lock:
            call = self.calls.get(ev.get("Uniqueid", ""))
            if call is None and name == "OriginateResponse":
                action = ev.get("ActionID")
                call = next((c for c in self.calls.values() if action and c.action_id == action), None)
                if call is None and action:
                    self._unclaimed[action] = ev
                    while len(self._unclaimed) > UNCLAIMED:
                        self._unclaimed.popitem(last=False)
            if call is None:
                return
            state = self._next(call, ev)
            if state in outcomes.FINAL:
                self.calls.pop(call.id, None)
            if state is not None:  # told in order: the next event's state depends on this one
                self._tell(call, state)

    def _next(self, call: Followed, ev) -> str | None:
        """The state this event moves the call to (None: it changes nothing the user is told)."""
        name = ev.name
        answered = call.state == outcomes.ANSWERED
        if name == "OriginateResponse":
            if ev.get("Response") == "Success":
                return outcomes.ANSWERED
            call.reason = ev.get("Reason", "")
            return self._unanswered(call)
        if name == "Newstate":
            ringing = ev.get("ChannelStateDesc") == "Ringing" and call.state is None
            return outcomes.RINGING if ringing else None
        if not answered:
            if name == "Hangup":
                call.cause = ev.get("Cause", "")
                return self._unanswered(call) if call.reason is not None else None
            return None
        if name == "DialEnd":
            status = ev.get("DialStatus", "")
            if status == "ANSWER":
                return outcomes.CONNECTED
            call.dials.append(status)
            return None
        if name == "UserEvent":
            if ev.get("UserEvent") == REFUSED_EVENT:
                call.refused = True
            return None
        call.why = f"dialled {'/'.join(call.dials) or 'nothing'}, cause {ev.get('Cause', '')}"  # Hangup
        return outcomes.far_outcome(call.dials, call.refused, ev.get("Cause", ""))

    def _unanswered(self, call: Followed) -> str | None:
        call.why = f"reason {call.reason}, cause {call.cause}"
        state = outcomes.phone_outcome(call.reason, call.cause, bool(self.registration(call.endpoint)))
        if state is None:
            self.later(SETTLE, lambda: self._settle(call.id))
        return state

    def _settle(self, call_id: str) -> None:
        """No Hangup came after a failed Originate: no channel was made to the phone."""
        with self._lock:
            call = self.calls.pop(call_id, None)
            if call is not None:
                self._tell(call, outcomes.UNREACHABLE)

    def _tell(self, call: Followed, state: str) -> None:
        call.state = state
        if state in outcomes.FINAL:
            log.info("click-to-call ended", extra=kv(call=call.id, extension=call.extension, number=call.number,
                                                     outcome=state, why=call.why))
        self.publish(TOPIC, id=call.id, user=call.user, extension=call.extension, number=call.number,
                     state=state, final=state in outcomes.FINAL)

    def _restarted(self) -> None:
        """Asterisk (re)started: the calls it had are gone."""
        with self._lock:
            gone, self.calls = list(self.calls.values()), {}
            for call in gone:
                self._tell(call, outcomes.ENDED)


def _timer(seconds: float, action: Callable[[], None]) -> None:
    t = threading.Timer(seconds, action)
    t.daemon = True
    t.start()
