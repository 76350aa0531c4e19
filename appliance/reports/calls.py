"""Call records from channel events: pure, no database, no clock.

Asterisk sends CEL events (cel_manager) and Hold/Unhold over AMI. `event_of` keeps what a
record needs of each; `Calls` groups them into calls and says when one is over; `build`
turns one call's events into its record.

One call is everything that shares a linkedid. A transfer joins two calls: bridging copies
the oldest linkedid onto every channel in the bridge, and an attended transfer names the
consultation's channel. `Calls` keeps an alias table (linkedid -> call) so both halves end
in one record, named by the oldest linkedid. A call is over at a LINKEDID_END once none of
its channels is left.

Times are when the supervisor received the event (CEL's own EventTime has whole seconds).
"""

from __future__ import annotations

import json
import re
from collections import OrderedDict
from itertools import compress
from operator import itemgetter

from ..ami.protocol import Message, picker
from ..pbx.render import webrtc

PATH_EVENT = "CALLBOX_PATH"  # the dial plan's CELGenUserEvent at IVR, queue, ring group, ... (dialplan.py)
QUEUE_EXIT_EVENT = "CALLBOX_QUEUE_EXIT"  # the queue let the caller go: timed out, full, no agents
# A desk phone's channel, or its extension's browser phone (PJSIP/8001-web-0000002a).
_PHONE = re.compile(rf"^PJSIP/(\d+)(?:{re.escape(webrtc.SUFFIX)})?-[0-9a-f]+$")
_TRUNK = re.compile(r"^PJSIP/trunk-(\d+)-[0-9a-f]+$")
# A DAHDI channel by its line: an analog port or an MFC/R2 bearer by its channel number
# (DAHDI/5-1), a PRI call by its span, as chan_dahdi names them (DAHDI/i1/075512345678-3).
_DAHDI = re.compile(r"^DAHDI/(?:(i\d+)/.*|(\d+))-[0-9a-f]+$")
_OTHER = ("other", None)
_NO_NUMBER = (None, "", "s")  # "s": an analog channel's extension, a phone's or a line's
_DIALLED = ("extension", "ring_group", "queue", "external")  # path steps whose target is a number dialled
ENDED_KEPT = 10000
_TIME = itemgetter("time")
OUTCOMES = ("answered", "missed", "busy", "failed", "abandoned", "voicemail")
DIRECTIONS = ("inbound", "outbound", "internal")
_CEL_FIELDS = {"uniqueid": "uniqueid", "linkedid": "linkedid", "channel": "channel", "calleridnum": "cid_num",
               "calleridname": "cid_name", "context": "context", "exten": "exten", "application": "app",
               "appdata": "appdata", "peer": "peer", "userdeftype": "user_type"}.items()


_PICK = picker(("event", "eventname", *(src for src, _ in _CEL_FIELDS), "extra"))
_USED = ("CEL", "Hold", "Unhold")
# A CEL event as cel_manager writes it (Asterisk 22's cel/cel_manager.c: these headers in this order,
# TenantID only for a channel that has one, UserDefType only on a user-defined event, Extra always),
# read in one match: most of a busy box's AMI traffic. Any other shape (names in other case, another
# order, a header more) is read header by header. A value is '.*': any character but a newline, as
# [^\n]* is, matched faster.
_WRITTEN_SHAPE = re.compile(
    "Event: CEL\nPrivilege: .*\nEventName: (?P<eventname>.*)\nAccountCode: .*\n"
    "CallerIDnum: (?P<calleridnum>.*)\nCallerIDname: (?P<calleridname>.*)\nCallerIDani: .*\n"
    "CallerIDrdnis: .*\nCallerIDdnid: .*\nExten: (?P<exten>.*)\nContext: (?P<context>.*)\n"
    "Channel: (?P<channel>.*)\nApplication: (?P<application>.*)\nAppData: (?P<appdata>.*)\n"
    "EventTime: .*\nAMAFlags: .*\nUniqueID: (?P<uniqueid>.*)\nLinkedID: (?P<linkedid>.*)\n"
    "(?:TenantID: .*\n)?Userfield: .*\nPeer: (?P<peer>.*)\nPeerAccount: .*"
    "(?:\nUserDefType: (?P<userdeftype>.*))?(?:\nExtra: (?P<extra>.*))?")
_WRITTEN = _WRITTEN_SHAPE.fullmatch
_KEYS = tuple(dst for _, dst in _CEL_FIELDS)
# The match's groups (all of them at once: by name they cost more than the match) in the order of
# the event's keys: the stored event's JSON keeps that order.
_IN_ORDER = itemgetter(*(_WRITTEN_SHAPE.groupindex[src] - 1 for src, _ in _CEL_FIELDS))


def event_of(fields, received: float) -> dict | None:
    """The part of an AMI event (a Message, or a dict in tests) that call records use, or None for
    an event they do not use. AMI's header names are looked up without regard to case."""
    if isinstance(fields, Message):
        text = fields.text
        if text is not None and text.startswith("Event: "):  # as Asterisk writes them: by name, unread
            if text.startswith("CEL\n", 7):  # most of what is used: straight to the match
                written = _WRITTEN(text)
                if written is not None:
                    groups = written.groups()
                    return _cel(round(received, 3), groups[0], _IN_ORDER(groups), groups[-1])
            else:
                end = text.find("\n")
                if (text[7:end] if end >= 0 else text[7:]) not in _USED:
                    return None
        fields = _PICK(fields)
    else:
        lowered = getattr(fields, "lowered", None)
        fields = lowered() if lowered else {k.lower(): v for k, v in fields.items()}
    name = fields.get("event")
    received = round(received, 3)  # records show milliseconds: durations must add up with the times shown
    if name == "CEL":
        return _cel(received, fields.get("eventname", ""), [fields.get(src) for src, _ in _CEL_FIELDS],
                    fields.get("extra"))
    if name in ("Hold", "Unhold") and fields.get("linkedid") and fields.get("uniqueid"):
        return {"time": received, "event": name.upper(), "uniqueid": fields["uniqueid"],
                "linkedid": fields["linkedid"], "channel": fields.get("channel", "")}
    return None


def _cel(received: float, name: str, values, extra: str | None) -> dict | None:
    """A CEL event's part: its headers' values that are not empty, by the names records use
    (`values`: in the order of _KEYS, None where a header is missing)."""
    ev = {"time": received, "event": name}
    # (the keys and values that are not empty paired in C, not a Python step per header)
    ev.update(zip(compress(_KEYS, values), filter(None, values)))
    if extra:
        try:
            ev["extra"] = _json(extra)
        except ValueError:
            ev["extra"] = {"text": extra}
    return ev if ev.get("linkedid") and ev.get("uniqueid") else None


_SCAN = json.JSONDecoder().scan_once


def _json(text: str):
    """json.loads(text), by its scanner at once where the text is one value with no space around
    it (as Asterisk writes Extra): json.loads's own steps around it cost more than the scan."""
    try:
        value, end = _SCAN(text, 0)
    except StopIteration:
        return json.loads(text)  # not a value where it starts: json.loads says why
    return value if end == len(text) else json.loads(text)


def party(channel: str, lines: dict[str, tuple[str, str]] | None = None) -> tuple[str, str | None]:
    """What a channel is: ("phone", extension), ("trunk", trunk id) or ("other", None). A DAHDI
    channel is what `lines` says its line is (keyed "5" for channel 5, "i1" for span 1's PRI)."""
    m = _PHONE.match(channel or "")
    if m:
        return "phone", m.group(1)
    m = _TRUNK.match(channel or "")
    if m:
        return "trunk", m.group(1)
    if lines:
        m = _DAHDI.match(channel or "")
        if m:
            return lines.get(m.group(1) or m.group(2), _OTHER)
    return _OTHER


class Calls:
    """Calls in progress: events grouped by call, linkedids merged by transfers."""

    def __init__(self):
        self.events: dict[str, list[dict]] = {}  # call id -> its events in arrival order
        self.alias: dict[str, str] = {}  # linkedid -> call id
        self.leg_call: dict[str, str] = {}  # uniqueid -> call id
        self.live: dict[str, set[str]] = {}  # call id -> uniqueids not ended yet
        self.ended: OrderedDict[str, None] = OrderedDict()  # linkedids retired lately
        # Call id -> the keys of alias and of leg_call that lead to it: a call that ends takes its
        # own out without a pass over every call in progress (hundreds, in a busy box).
        self.links: dict[str, list[str]] = {}
        self.uids: dict[str, list[str]] = {}

    def feed(self, ev: dict) -> list[tuple[str, list[dict]]]:
        """Take one event; returns the calls it ended, as (call id, events)."""
        if ev["linkedid"] in self.ended:
            return []  # a late event of a call already recorded (a linkedid is never used again)
        call = self._call_for(ev)
        self.events[call].append(ev)
        name = ev["event"]
        if name == "CHAN_START":
            self.live[call].add(ev["uniqueid"])
        elif name == "CHAN_END":
            self.live[call].discard(ev["uniqueid"])
        elif name == "ATTENDEDTRANSFER":
            # The consultation call joins the transferred one, before its own LINKEDID_END.
            extra = ev.get("extra") or {}
            for key in ("channel2_uniqueid", "transfer_target_channel_uniqueid", "transferee_channel_uniqueid"):
                other = self.leg_call.get(extra.get(key) or "")
                if other is not None and self._root(other) != self._root(call):
                    call = self._merge(self._root(call), self._root(other))
        elif name == "LINKEDID_END":
            call = self._root(call)
            if not self.live[call]:
                return [(call, self._forget(call))]
        return []

    def open_calls(self) -> dict[str, set[str]]:
        """Each call in progress and its channels still up."""
        return {call: set(legs) for call, legs in self.live.items()}

    def close(self, call: str) -> list[dict]:
        """Take a call out (Asterisk went away under it); returns its events."""
        return self._forget(call)

    def _root(self, call: str) -> str:
        while self.alias.get(call, call) != call:
            call = self.alias[call]
        return call

    def _call_for(self, ev: dict) -> str:
        alias, leg_call = self.alias, self.leg_call
        linked, uid = ev["linkedid"], ev["uniqueid"]
        by_link = alias.get(linked)
        if by_link is not None and alias.get(by_link, by_link) != by_link:
            by_link = self._root(by_link)
        by_leg = leg_call.get(uid)
        if by_leg is not None and by_leg != by_link:
            by_leg = self._root(by_leg)
        if by_link is None and by_leg is None:
            call = linked
            alias[linked] = call
            self.events[call] = []
            self.live[call] = set()
            self.links[call] = [linked]
            self.uids[call] = []
        elif by_link is None:
            call = by_leg
            alias[linked] = call
            self.links[call].append(linked)
        elif by_leg is None or by_leg == by_link:
            call = by_link
        else:
            call = self._merge(by_link, by_leg)
        if uid not in leg_call:
            leg_call[uid] = call
            self.uids[call].append(uid)
        return call

    def _merge(self, a: str, b: str) -> str:
        """One call from two: it keeps the id of the one that began first."""
        first, second = sorted((a, b), key=lambda c: (self.events[c][0]["time"] if self.events[c] else 0, c))
        self.events[first] = sorted(self.events[first] + self.events.pop(second), key=_TIME)
        self.live[first] |= self.live.pop(second)
        self.links[first] += self.links.pop(second)
        self.uids[first] += self.uids.pop(second)
        self.alias[second] = first
        return first

    def _forget(self, call: str) -> list[dict]:
        events = self.events.pop(call, [])
        self.live.pop(call, None)
        for k in self.links.pop(call, [call]):
            self.alias.pop(k, None)
            self.ended[k] = None
        while len(self.ended) > ENDED_KEPT:
            self.ended.popitem(last=False)
        for uid in self.uids.pop(call, ()):
            del self.leg_call[uid]
        return events


def _union(intervals: list[tuple[float, float]]) -> float:
    total, end = 0.0, None
    for a, b in sorted(intervals):
        if end is None or a > end:
            total += b - a
            end = b
        elif b > end:
            total += b - end
            end = b
    return total


def build(call_id: str, events: list[dict], failed_at: float | None = None,
          lines: dict[str, tuple[str, str]] | None = None) -> dict:
    """The record of one call from all its events. `failed_at`: Asterisk went away at that time
    with the call still up (the record ends there, as failed). `lines`: what the box's DAHDI
    lines are (`party`)."""
    events = sorted(events, key=_TIME)
    legs: dict[str, dict] = {}
    path: list[dict] = []
    transfers: list[dict] = []
    bridges: dict[str, set[str]] = {}
    talking: list[tuple[float, float]] = []
    since: dict[str, float] = {}  # bridge id -> when it got two members
    holds: dict[str, float] = {}
    held: list[tuple[float, float]] = []
    first_bridge: set[str] | None = None
    answer = voicemail_at = None
    voicemail = False
    queue_exit = None
    last = events[-1]["time"] if events else 0.0
    end_time = failed_at if failed_at is not None else last

    for ev in events:
        uid, name, t = ev["uniqueid"], ev["event"], ev["time"]
        leg = legs.get(uid)
        if leg is None:
            kind, who = party(ev.get("channel", ""), lines)
            leg = legs[uid] = {"uniqueid": uid, "channel": ev.get("channel", ""), "kind": kind, "party": who,
                               "start": t, "answer": None, "end": None, "cause": None, "dialstatus": None,
                               "number": ev.get("cid_num"), "name": ev.get("cid_name"),
                               "exten": ev.get("exten"), "context": ev.get("context")}
        elif not leg["number"] and ev.get("cid_num"):
            # A line's channel starts at the first ring, before the caller ID sent after it is read.
            leg["number"], leg["name"] = ev["cid_num"], ev.get("cid_name") or leg["name"]
        if name == "ANSWER" and leg["answer"] is None:
            leg["answer"] = t
        elif name == "HANGUP":
            extra = ev.get("extra") or {}
            leg["cause"] = extra.get("hangupcause")
            leg["dialstatus"] = extra.get("dialstatus") or None
        elif name == "CHAN_END":
            leg["end"] = t
            if uid in holds:
                held.append((holds.pop(uid), t))
        elif name == "USER_DEFINED" and ev.get("user_type") == PATH_EVENT:
            text = str((ev.get("extra") or {}).get("extra", ""))
            kind, _, target = text.partition(" ")
            step = {"kind": kind, "target": target or None}
            if kind and (not path or path[-1] != step):
                path.append(step)
        elif name == "USER_DEFINED" and ev.get("user_type") == QUEUE_EXIT_EVENT:
            queue_exit = len(path)  # let go by the queue at this point of the path
        elif name == "APP_START" and (ev.get("app") or "").lower() == "voicemail":
            voicemail = True
            voicemail_at = voicemail_at or t
        elif name == "BRIDGE_ENTER":
            bid = (ev.get("extra") or {}).get("bridge_id", "")
            members = bridges.setdefault(bid, set())
            members.add(uid)
            if len(members) == 2 and bid not in since:
                since[bid] = t
                if answer is None:
                    answer, first_bridge = t, set(members)
        elif name == "BRIDGE_EXIT":
            bid = (ev.get("extra") or {}).get("bridge_id", "")
            members = bridges.setdefault(bid, set())
            members.discard(uid)
            if len(members) < 2 and bid in since:
                talking.append((since.pop(bid), t))
        elif name == "BLINDTRANSFER":
            extra = ev.get("extra") or {}
            transfers.append({"from": _who(leg), "to": extra.get("extension"), "kind": "blind"})
        elif name == "ATTENDEDTRANSFER":
            extra = ev.get("extra") or {}
            target = legs.get(extra.get("transfer_target_channel_uniqueid") or "")
            transfers.append({"from": _who(leg), "to": _who(target) if target else extra.get("transfer_target_channel_name"),
                              "kind": "attended"})
        elif name == "HOLD":
            holds.setdefault(uid, t)
        elif name == "UNHOLD" and uid in holds:
            held.append((holds.pop(uid), t))
    for start in since.values():
        talking.append((start, end_time))
    for start in holds.values():
        held.append((start, end_time))

    caller = legs.get(call_id) or (next(iter(legs.values())) if legs else None)
    others = [leg for leg in legs.values() if leg is not caller]
    caller_kind = caller["kind"] if caller else "other"
    trunk_legs = [leg for leg in legs.values() if leg["kind"] == "trunk"]
    if caller_kind == "trunk":
        direction = "inbound"
    elif trunk_legs:
        direction = "outbound"
    else:
        direction = "internal"
    dialled = (caller or {}).get("exten")
    if dialled in _NO_NUMBER:
        # chan_dahdi runs an analog phone's call at the number dialled but shows it in no event:
        # the number is where the call first went. A line brings no number.
        dialled = next((s["target"] for s in path if s["kind"] in _DIALLED), None) if caller_kind == "phone" else None
    external = next((s["target"] for s in path if s["kind"] == "external"), None)

    answered_by = None
    if first_bridge:
        who = [legs[u] for u in first_bridge if caller is None or u != caller["uniqueid"]]
        if who:
            answered_by = _who(who[0], external or dialled)

    start = caller["start"] if caller else (events[0]["time"] if events else 0.0)
    if failed_at is not None:
        outcome = "failed"
    elif answer is not None:
        outcome = "answered"
    elif voicemail:
        outcome = "voicemail"
    elif path and path[-1]["kind"] == "queue" and queue_exit == len(path):
        outcome = "missed"  # the queue let the caller go (and its overflow hung up)
    elif path and path[-1]["kind"] in ("queue", "ivr"):
        outcome = "abandoned"
    elif any(leg["cause"] == 17 for leg in others) or (caller or {}).get("dialstatus") == "BUSY":
        outcome = "busy"
    elif (caller or {}).get("dialstatus") in ("CHANUNAVAIL", "CONGESTION") or (
            not others and not path and not (caller or {}).get("answer")):
        outcome = "failed"
    elif not others and not path:
        outcome = "answered"  # the box itself served it: a feature code, the voicemail menu
    else:
        outcome = "missed"
    waited_until = answer or voicemail_at or end_time
    record = {
        "id": call_id,
        "start": start,
        "answer": answer,
        "end": end_time,
        "direction": direction,
        "from": (caller["party"] if caller_kind == "phone" else (caller or {}).get("number")) if caller else None,
        "from_name": (caller or {}).get("name"),
        "to": external or dialled,
        "did": dialled if direction == "inbound" else None,
        "trunk": int(trunk_legs[0]["party"]) if trunk_legs else None,
        "path": path,
        "answered_by": answered_by,
        "wait_seconds": round(max(0.0, waited_until - start), 3),
        "talk_seconds": round(_union(talking), 3),
        "hold_seconds": round(_union(held), 3),
        "transfers": transfers,
        "outcome": outcome,
        "legs": [{k: leg[k] for k in ("uniqueid", "channel", "kind", "party", "start", "answer", "end", "cause",
                                      "dialstatus")} for leg in sorted(legs.values(), key=lambda x: x["start"])],
    }
    return record


def _who(leg: dict | None, trunk_number: str | None = None) -> str | None:
    """Who a leg is, as a person reads it: the extension, or the outside number."""
    if leg is None:
        return None
    if leg["kind"] == "phone":
        return leg["party"]
    if leg["kind"] == "trunk":
        return trunk_number or leg.get("number")
    return leg.get("number")


def parties(record: dict) -> set[str]:
    """The box's extensions that took part in a call (what an agent may see, and the extension filter)."""
    return {leg["party"] for leg in record["legs"] if leg["kind"] == "phone"}
