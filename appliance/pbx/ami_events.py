"""The AMI events the supervisor reads, and so the only ones Asterisk sends its connection.

A busy box raises many times more events than the managers read: Newexten and VarSet at
every dial plan step, RTCPSent and RTCPReceived every few seconds per channel, DialBegin,
Bridge*, DeviceStateChange and more for every call. Each one costs Asterisk a
write and the supervisor a parse and a call to every subscriber. manager.conf (render/manager.py)
lets the supervisor's user receive the events named here and no others (filters by name:
Asterisk compares a hash, no regular expression per event), and stops Asterisk from making
the busiest unread ones at all.

A manager that starts reading another event adds its name here: tests/unit/test_ami_events.py
looks for the names the event handlers compare against and fails on one missing.
Answers to list actions (QueueStatus, PJSIPShowContacts, ConfbridgeList ...) are not
affected: Asterisk writes them to the session that asked, whatever its filters.
"""

from __future__ import annotations

USED = frozenset({
    # pbx: Asterisk booted (every manager resyncs), phones' and browser phones' registrations,
    # trunks' registrations, calls counted, other sites' extensions (BLF), prompts recorded
    # from a phone, surveys' and refused calls' user events.
    "FullyBooted", "ContactStatus", "Registry", "Newchannel", "Hangup", "ExtensionStatus", "UserEvent",
    # call center: queue callers, members and agents' calls (live state, screen pops, wallboards).
    "QueueCallerJoin", "QueueCallerLeave", "QueueCallerAbandon",
    "QueueMemberAdded", "QueueMemberRemoved", "QueueMemberStatus", "QueueMemberPause",
    "AgentCalled", "AgentRingNoAnswer", "AgentConnect", "AgentComplete", "LocalOptimizationBegin",
    # call records (reports): CEL through cel_manager, and holds.
    "CEL", "Hold", "Unhold",
    # voicemail to e-mail and mailbox tickets.
    "MessageWaiting",
    # surveys' outbound campaigns; click-to-call following its calls (the user's phone ringing,
    # answered, refused).
    "OriginateResponse", "Newstate", "DialEnd",
    # conferences' live page and recording.
    "ConfbridgeStart", "ConfbridgeEnd", "ConfbridgeJoin", "ConfbridgeLeave", "ConfbridgeTalking",
    "ConfbridgeMute", "ConfbridgeUnmute", "ConfbridgeRecord", "ConfbridgeStopRecord",
    # switchboard: parked calls.
    "ParkedCall", "UnParkedCall", "ParkedCallTimeOut", "ParkedCallGiveUp", "ParkedCallSwap",
    # security: the ban engine's failures and successes.
    "SuccessfulAuth", "InvalidAccountID", "ChallengeResponseFailed", "InvalidPassword", "FailedACL",
    # hardware: a DAHDI channel's alarm (the first word of a card pulled: its calls are hung up).
    "Alarm",
})

#: Unread events Asterisk need not make at all (manager.conf disabledevents): those raised
#: several times per call or per channel every few seconds. Nothing else listens to AMI on a box.
DISABLED = frozenset({
    "Newexten", "VarSet", "RTCPSent", "RTCPReceived", "NewConnectedLine", "NewCallerid",
    "DeviceStateChange", "DialState", "AGIExecStart", "AGIExecEnd",
})
