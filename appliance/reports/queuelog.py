"""Asterisk's queue_log: parsing its lines, and turning its events into call records.

A line is  time|callid|queue|agent|event|data1|data2|...  Besides Asterisk's
own events, the dial plan writes some of ours with QueueLog(): SURVEY (the
caller's rating), OVERFLOW (left for the overflow destination), RECORDING
(the file of the call), CALLBACK (this call is the callback of another).

The memory leg of a queue (queue "600-memory", ringing the caller's previous
agent first) belongs to the same call as queue "600": it is folded in here.
"""

from __future__ import annotations

from dataclasses import dataclass

MEMORY_SUFFIX = "-memory"


@dataclass(frozen=True)
class Line:
    time: float
    callid: str
    queue: str
    agent: str
    event: str
    data: tuple[str, ...]

    @property
    def logical_queue(self) -> str:
        return self.queue.removesuffix(MEMORY_SUFFIX)

    @property
    def memory(self) -> bool:
        return self.queue.endswith(MEMORY_SUFFIX)

    def arg(self, i: int) -> str:
        return self.data[i] if i < len(self.data) else ""


def parse(line: str) -> Line | None:
    parts = line.rstrip("\r\n").split("|")
    if len(parts) < 5:
        return None
    try:
        time = float(parts[0])
    except ValueError:
        return None
    return Line(time, parts[1], parts[2], parts[3], parts[4], tuple(parts[5:]))


def _num(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def apply(call: dict | None, line: Line, key=lambda number: number) -> dict | None:
    """The call record after this event (a dict of QueueCall fields), or None if the
    event is not about a caller (member events, for instance). `key` normalises
    the caller's number (so a contact's calls match however the number was written)."""
    ev = line.event
    if line.callid in ("", "NONE") or ev in ("ADDMEMBER", "REMOVEMEMBER", "PAUSE", "UNPAUSE", "PAUSEALL",
                                             "UNPAUSEALL", "QUEUESTART", "CONFIGRELOAD", "PENALTY"):
        return None
    if call is None:
        call = {"callid": line.callid, "queue": line.logical_queue, "caller": None, "caller_key": None,
                "entered_at": line.time,
                "position": None, "agent": None, "connected_at": None, "wait": None, "talk": None,
                "ended_at": None, "outcome": "waiting", "ring_attempts": 0, "memory": 0, "survey": None,
                "recording": None, "callback_of": None}
    else:
        call = dict(call)
    answered = call["outcome"] == "answered"
    if ev == "ENTERQUEUE":
        call["caller"] = call["caller"] or (line.arg(1) or None)
        if call["caller"] and not call["caller_key"]:
            call["caller_key"] = key(call["caller"]) or call["caller"]
        if not line.memory:
            call["position"] = int(line.arg(2)) if line.arg(2).isdigit() else call["position"]
    elif ev == "CONNECT":
        call.update(agent=line.agent, connected_at=line.time, outcome="answered",
                    wait=round(line.time - call["entered_at"], 3), memory=int(line.memory))
    elif ev in ("COMPLETECALLER", "COMPLETEAGENT"):
        talk = _num(line.arg(1))
        call.update(ended_at=line.time, talk=talk if talk is not None else _since(call, line))
    elif ev in ("BLINDTRANSFER", "ATTENDEDTRANSFER"):
        call.update(ended_at=line.time, talk=_since(call, line))
    elif ev == "RINGNOANSWER":
        call["ring_attempts"] += 1
    elif ev == "ABANDON":
        if not answered:  # a call once answered is never counted as abandoned
            call.update(outcome="abandoned", ended_at=line.time, wait=round(line.time - call["entered_at"], 3))
    elif ev == "EXITWITHTIMEOUT":
        # The memory leg timing out only hands the caller on to the queue proper.
        if not line.memory and not answered:
            call.update(outcome="timed_out", ended_at=line.time, wait=round(line.time - call["entered_at"], 3))
    elif ev in ("EXITEMPTY", "OVERFLOW"):
        if not answered:
            call.update(outcome="overflowed", ended_at=line.time, wait=round(line.time - call["entered_at"], 3))
    elif ev == "EXITWITHKEY":
        if not answered and line.arg(0) == "1":
            call.update(outcome="called_back", ended_at=line.time, wait=round(line.time - call["entered_at"], 3))
    elif ev == "SURVEY":
        digit = line.arg(0)
        call["survey"] = int(digit) if digit.isdigit() and 1 <= int(digit) <= 5 else None
    elif ev == "RECORDING":
        call["recording"] = line.arg(0) or None
    elif ev == "CALLBACK":
        call["callback_of"] = line.arg(0) or None
    return call


def _since(call: dict, line: Line) -> float | None:
    return round(line.time - call["connected_at"], 3) if call["connected_at"] else None
