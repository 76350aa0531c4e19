"""The call center as it is right now, kept from Asterisk's queue events.

Callers waiting (per queue, with the time they joined), queue members (per
queue: paused, in a call, their last call), agents ringing or talking and the
calls they are on. Only the queues users see are kept: a queue's memory twin
("<n>-memory") is folded into its queue for callers and ignored for members.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Callable

MEMORY_SUFFIX = "-memory"
# Asterisk device states a member's Status carries.
RINGING_STATES = {"6", "7"}
BUSY_STATES = {"2", "3", "7", "8"}



def _cid(ev, key: str) -> str:
    """A caller-ID field, empty where Asterisk says "<unknown>"."""
    value = ev.get(key, "")
    return "" if value == "<unknown>" else value

@dataclass
class Caller:
    uniqueid: str
    number: str
    name: str
    joined: float
    position: int


@dataclass
class Member:
    extension: str
    paused: bool = False
    reason: str = ""
    in_call: bool = False
    status: str = "1"
    last_call: float = 0.0
    wrapup: int = 0
    dynamic: bool = False
    calls_taken: int = 0
    interface: str = ""  # what the queue rings: PJSIP/<n>, or Local/<n>@... with a browser phone


@dataclass
class LiveCall:
    """A queue call an agent is on (or being rung for)."""

    callid: str  # the caller's uniqueid: the call's id everywhere in the box
    queue: str
    caller: str
    agent: str
    channel: str  # the caller's channel
    agent_channel: str = ""
    connected: bool = False
    started: float = field(default_factory=time.time)


class CallCenterLive:
    def __init__(self, publish: Callable[..., object] = lambda topic, **data: None,
                 changed: Callable[[str, str], None] = lambda kind, key: None):
        self._lock = threading.RLock()
        self._callers: dict[str, dict[str, Caller]] = {}
        self._members: dict[str, dict[str, Member]] = {}
        self._calls: dict[str, LiveCall] = {}
        self._positions: dict[str, int] = {}  # a leaving caller's last position, for callbacks
        self._publish = publish  # events that must go out at once (an agent's phone rings)
        self._changed = changed  # marks a queue or an agent for the next coalesced update

    # -- events -----------------------------------------------------------------------------

    def on_event(self, ev) -> None:
        handler = getattr(self, "_on_" + ev.name, None)
        if handler is not None:
            with self._lock:
                handler(ev)

    def _on_QueueCallerJoin(self, ev) -> None:
        queue = ev.get("Queue", "").removesuffix(MEMORY_SUFFIX)
        callers = self._callers.setdefault(queue, {})
        uid = ev.get("Uniqueid")
        old = callers.pop(uid, None)
        position = int(ev.get("Position", "0") or 0)
        # A caller with priority joins ahead of others: Asterisk says so only for the newcomer.
        for c in callers.values():
            if c.position >= position:
                c.position += 1
        callers[uid] = Caller(uid, _cid(ev, "CallerIDNum"), _cid(ev, "CallerIDName"),
                              old.joined if old else time.time(), position)
        self._queue_changed(queue)

    def _on_QueueCallerLeave(self, ev) -> None:
        queue = ev.get("Queue", "").removesuffix(MEMORY_SUFFIX)
        uid = ev.get("Uniqueid")
        self._positions[uid] = int(ev.get("Position", "0") or 0)
        if ev.get("Queue", "").endswith(MEMORY_SUFFIX):
            return  # the caller moves on to the queue proper: still waiting
        gone = self._callers.get(queue, {}).pop(uid, None)
        if gone is not None:
            for c in self._callers[queue].values():
                if c.position > gone.position:
                    c.position -= 1
            self._queue_changed(queue)

    _on_QueueCallerAbandon = _on_QueueCallerLeave

    def _member_event(self, ev) -> Member | None:
        queue = ev.get("Queue", "")
        if queue.endswith(MEMORY_SUFFIX):
            return None
        # Live events name the member MemberName; QueueStatus's QueueMember listing calls it Name.
        ext = ev.get("MemberName") or ev.get("Name", "")
        m = self._members.setdefault(queue, {}).setdefault(ext, Member(ext))
        m.paused = ev.get("Paused", "0") == "1"
        m.reason = ev.get("PausedReason", "") if m.paused else ""
        m.in_call = ev.get("InCall", "0") == "1"
        m.status = ev.get("Status", m.status)
        m.last_call = float(ev.get("LastCall", "0") or 0)
        m.wrapup = int(ev.get("Wrapuptime", "0") or 0)
        m.dynamic = ev.get("Membership", "") == "dynamic"
        m.calls_taken = int(ev.get("CallsTaken", "0") or 0)
        # Live events say Interface; QueueStatus's listing says Location.
        m.interface = ev.get("Interface") or ev.get("Location") or m.interface
        self._agent_changed(ext)
        self._queue_changed(queue)
        return m

    _on_QueueMemberAdded = _member_event
    _on_QueueMemberStatus = _member_event
    _on_QueueMemberPause = _member_event

    def _on_QueueMemberRemoved(self, ev) -> None:
        queue = ev.get("Queue", "")
        if queue.endswith(MEMORY_SUFFIX):
            return
        ext = ev.get("MemberName", "")
        self._members.get(queue, {}).pop(ext, None)
        self._agent_changed(ext)
        self._queue_changed(queue)

    def _on_AgentCalled(self, ev) -> None:
        callid = ev.get("Uniqueid", "")
        call = LiveCall(callid, ev.get("Queue", "").removesuffix(MEMORY_SUFFIX), _cid(ev, "CallerIDNum"),
                        ev.get("MemberName", ""), ev.get("Channel", ""), ev.get("DestChannel", ""))
        self._calls[callid] = call
        self._agent_changed(call.agent)
        self._publish("agent_ringing", **self._call_dict(call))

    def _on_AgentRingNoAnswer(self, ev) -> None:
        call = self._calls.get(ev.get("Uniqueid", ""))
        if call is not None and call.agent == ev.get("MemberName") and not call.connected:
            del self._calls[call.callid]
            self._agent_changed(call.agent)

    def _on_AgentConnect(self, ev) -> None:
        callid = ev.get("Uniqueid", "")
        call = self._calls.get(callid) or LiveCall(
            callid, ev.get("Queue", "").removesuffix(MEMORY_SUFFIX), _cid(ev, "CallerIDNum"),
            ev.get("MemberName", ""), ev.get("Channel", ""))
        call.agent = ev.get("MemberName", call.agent)
        call.agent_channel = ev.get("DestChannel", call.agent_channel)
        call.connected = True
        self._calls[callid] = call
        self._agent_changed(call.agent)
        self._publish("call_connected", **self._call_dict(call))

    def _on_AgentComplete(self, ev) -> None:
        call = self._calls.pop(ev.get("Uniqueid", ""), None)
        ext = ev.get("MemberName", call.agent if call else "")
        for members in self._members.values():
            if ext in members:
                members[ext].last_call = time.time()
        self._agent_changed(ext)
        if call is not None:
            self._publish("call_ended", **self._call_dict(call))

    def _on_LocalOptimizationBegin(self, ev) -> None:
        """An agent rung through a Local channel (a browser phone beside the desk phone) answered:
        the phone's own channel takes the Local channel's place in the call, and the Local one
        hangs up. The call goes on at the phone's channel (supervisors listen in there)."""
        local, source = ev.get("LocalOneChannel", ""), ev.get("SourceChannel", "")
        if not source or source.startswith("Local/"):
            return
        for call in self._calls.values():
            if call.agent_channel == local:
                call.agent_channel = source

    def _on_Hangup(self, ev) -> None:
        # A caller's last position is asked for while its channel lives (a callback request):
        # once the channel is gone nobody asks, and a box taking calls for months must not keep it.
        self._positions.pop(ev.get("Uniqueid", ""), None)
        call = self._calls.pop(ev.get("Uniqueid", ""), None)
        if call is None:
            # The agent's leg ended while the caller lives on (moved elsewhere by a supervisor):
            # the agent is free now, whatever Asterisk writes when the caller hangs up.
            channel = ev.get("Channel", "")
            call = next((c for c in self._calls.values() if c.connected and c.agent_channel == channel), None)
            if call is not None:
                del self._calls[call.callid]
                self._publish("call_ended", **self._call_dict(call))
        if call is not None:
            self._agent_changed(call.agent)

    def resync(self, events) -> None:
        """Replace the state with a QueueStatus listing."""
        with self._lock:
            self._callers.clear()
            self._members.clear()
            for ev in events:
                if ev.name == "QueueMember":
                    self._member_event(ev)
                elif ev.name == "QueueEntry":
                    queue = ev.get("Queue", "").removesuffix(MEMORY_SUFFIX)
                    wait = float(ev.get("Wait", "0") or 0)
                    self._callers.setdefault(queue, {})[ev.get("Uniqueid")] = Caller(
                        ev.get("Uniqueid"), _cid(ev, "CallerIDNum"), _cid(ev, "CallerIDName"),
                        time.time() - wait, int(ev.get("Position", "0") or 0))

    def clear(self) -> None:
        with self._lock:
            self._callers.clear()
            self._members.clear()
            self._calls.clear()

    # -- questions ------------------------------------------------------------------------

    def agent_state(self, ext: str) -> dict:
        """logged_out | available | ringing | on_call | wrapup | paused (with its reason)."""
        with self._lock:
            memberships = [(q, m[ext]) for q, m in self._members.items() if ext in m]
            calls = [c for c in self._calls.values() if c.agent == ext]
            if not memberships:
                state = "logged_out"
            elif any(c.connected for c in calls) or any(m.in_call or m.status in BUSY_STATES
                                                        for _, m in memberships):
                state = "on_call"
            elif calls or any(m.status in RINGING_STATES for _, m in memberships):
                state = "ringing"
            elif any(m.paused for _, m in memberships):
                state = "paused"
            elif any(m.wrapup and time.time() < m.last_call + m.wrapup for _, m in memberships):
                state = "wrapup"
            else:
                state = "available"
            reason = next((m.reason for _, m in memberships if m.paused and m.reason), "")
            call = next((c for c in calls if c.connected), calls[0] if calls else None)
            return {"extension": ext, "state": state, "reason": reason or None,
                    "queues": sorted(q for q, _ in memberships),
                    "call": self._call_dict(call) if call else None}

    def member(self, queue: str, ext: str) -> Member | None:
        with self._lock:
            return self._members.get(queue, {}).get(ext)

    def member_of(self, queue: str, ext: str) -> bool:
        with self._lock:
            return ext in self._members.get(queue, {})

    def queue_live(self, queue: str) -> dict:
        with self._lock:
            now = time.time()
            callers = sorted(self._callers.get(queue, {}).values(), key=lambda c: c.position)
            agents = [self.agent_state(ext) for ext in sorted(self._members.get(queue, {}))]
        by_state: dict[str, int] = {}
        for a in agents:
            by_state[a["state"]] = by_state.get(a["state"], 0) + 1
        return {
            "queue": queue,
            "callers": [{"id": c.uniqueid, "number": c.number, "name": c.name, "position": c.position,
                         "joined": round(c.joined, 3), "waiting": round(now - c.joined, 1)} for c in callers],
            "longest_wait": round(max((now - c.joined for c in callers), default=0), 1),
            "agents": agents,
            "agents_by_state": by_state,
        }

    def call(self, callid: str) -> LiveCall | None:
        with self._lock:
            return self._calls.get(callid)

    def remembered(self) -> int:
        """How many callers' and calls' entries the live state holds (bounded by the calls in progress)."""
        with self._lock:
            return (len(self._positions) + len(self._calls)
                    + sum(len(c) for c in self._callers.values()))

    def last_position(self, uniqueid: str) -> int | None:
        with self._lock:
            return self._positions.get(uniqueid)

    def calls(self) -> list[dict]:
        with self._lock:
            return [self._call_dict(c) for c in self._calls.values()]

    # -- publishing -----------------------------------------------------------------------

    @staticmethod
    def _call_dict(call: LiveCall) -> dict:
        return {"id": call.callid, "queue": call.queue, "caller": call.caller, "agent": call.agent,
                "connected": call.connected, "since": round(call.started, 3)}

    def _queue_changed(self, queue: str) -> None:
        self._changed("queue", queue)

    def _agent_changed(self, ext: str) -> None:
        if ext:
            self._changed("agent", ext)
