"""What supervisors do to calls in progress: listen, whisper, barge; hang up; move."""

from __future__ import annotations

from ..db.models import Extension, Queue
from ..errors import Invalid, NotFound
from ..pbx.control import send
from ..pbx.render.dialplan import DIAL_FOR_CONTEXT
from ..permissions import service as permissions

SPY_OPTIONS = {"listen": "q", "whisper": "qw", "barge": "qB"}


class Supervision:
    def __init__(self, ami, live, supervisors):
        self.ami = ami
        self.live = live
        self.supervisors = supervisors  # -> the extensions allowed to spy

    def _call(self, callid: str):
        call = self.live.call(callid)
        if call is None or not call.connected:
            raise NotFound(f"no call {callid} in progress")
        return call

    def spy(self, callid: str, supervisor: str, mode: str) -> None:
        """Ring the supervisor's phone; when answered, it joins the agent's side of the call.
        During the call 4, 5 and 6 switch to listen, whisper and barge."""
        if mode not in SPY_OPTIONS:
            raise Invalid(f"mode: must be one of {', '.join(SPY_OPTIONS)}", "mode")
        if supervisor not in self.supervisors():
            raise Invalid(f"supervisor: extension {supervisor} does not belong to a supervisor", "supervisor")
        call = self._call(callid)
        target = call.agent_channel or f"PJSIP/{call.agent}-"
        send(self.ami, "Originate", Channel=f"PJSIP/{supervisor}", Application="ChanSpy",
                     Data=f"{target},{SPY_OPTIONS[mode]}dE", CallerID=f"Supervision <{call.agent}>",
                     Async="true", Timeout=30000)

    def hangup(self, callid: str) -> None:
        send(self.ami, "Hangup", Channel=self._call(callid).channel)

    def move(self, callid: str, kind: str, target: str, permission_class: str = "national",
             by: str = "supervisor") -> None:
        """Send the caller elsewhere: an extension, a queue or an outside number; an outside
        number is dialled for the one who moves the call (`by`), within their permission class."""
        call = self._call(callid)
        if kind == "extension" and Extension.select().where(Extension.number == target).exists():
            context = "callbox-extensions"
        elif kind == "queue" and Queue.select().where(Queue.number == target).exists():
            context = "callbox-queues"
        elif kind == "external" and (reason := permissions.check(permission_class, target)) is None:
            context = DIAL_FOR_CONTEXT
            send(self.ami, "Setvar", Channel=call.channel, Variable="CALLBOX_FOR_CLASS", Value=permission_class)
            send(self.ami, "Setvar", Channel=call.channel, Variable="CALLBOX_FOR", Value=by)
        elif kind == "external":
            raise Invalid(f"target: cannot move a call to {target!r}: {reason}", "target")
        else:
            raise Invalid(f"target: cannot move a call to {kind} {target!r}", "target")
        send(self.ami, "Redirect", Channel=call.channel, Context=context, Exten=target, Priority=1)
