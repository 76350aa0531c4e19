"""queues.conf: the queues, their members, and each queue's memory companion.

A queue with memory has a hidden twin, "<number>-memory", holding the same
agents with their extension number as penalty. A caller whose previous agent
is free enters it first with QUEUE_MIN_PENALTY = QUEUE_MAX_PENALTY = that
extension, which rings exactly that agent for the memory time; then the
caller enters the queue proper and its strategy takes over. Everything stays
in Asterisk's queue engine and its queue_log.
"""

from __future__ import annotations

from ..conf import ConfFile
from ..snapshot import QueueView, Snapshot
from . import webrtc
from .core import music_class

MEMORY_SUFFIX = "-memory"
# A member counts as unavailable for joining or staying when it is one of these.
UNAVAILABLE = "paused,penalty,invalid,unavailable"


def interface(extension: str, browser: bool = False) -> str:
    """The member a queue rings: the desk phone; with a browser phone, a Local channel ringing
    both (webrtc.agent_devices), which optimizes itself out of the call once answered."""
    if browser:
        return f"Local/{extension}@{webrtc.AGENT_CONTEXT}"
    return f"PJSIP/{extension}"


def state_interface(extension: str, browser: bool = False) -> str:
    """Where the queue reads the member's state: with a browser phone the extension's hint, whose
    devices are both phones, so that either one registered makes the agent available."""
    if browser:
        return f"hint:{extension}@{webrtc.HINT_CONTEXT}"
    return interface(extension)


def render(snap: Snapshot) -> dict[str, str]:
    conf = ConfFile("queues.conf: call queues")
    g = conf.section("general")
    g.set("persistentmembers", True)  # agents stay logged in across an Asterisk restart
    g.set("autofill", True)
    g.set("shared_lastcall", True)
    g.set("log_membername_as_agent", True)
    g.set("monitor-type", "MixMonitor")
    for q in snap.queues:
        _queue(conf, q, snap)
        if q.memory_seconds:
            _memory(conf, q, snap)
    return {"queues.conf": conf.render()}


def _playable(snap: Snapshot) -> set[str]:
    return {name for name, tracks in snap.music_classes if tracks}


def _common(sec, q: QueueView, snap: Snapshot) -> None:
    sec.set("musicclass", music_class(q.music) if q.music in _playable(snap) else "default")
    sec.set("wrapuptime", q.wrapup)
    sec.set("ringinuse", False)
    sec.set("setinterfacevar", True)
    sec.set("setqueuevar", True)
    sec.set("setqueueentryvar", True)
    sec.set("reportholdtime", False)


def _queue(conf: ConfFile, q: QueueView, snap: Snapshot) -> None:
    sec = conf.section(q.number)
    sec.set("strategy", q.strategy)
    sec.set("timeout", q.ring_timeout)
    sec.set("retry", "2")
    sec.set("maxlen", q.max_callers)
    sec.set("servicelevel", q.service_level)
    sec.set("joinempty", "yes" if q.join_empty else UNAVAILABLE)
    sec.set("leavewhenempty", UNAVAILABLE if q.leave_empty else "no")
    _common(sec, q, snap)
    interval = q.announce_interval if q.announce_position else 0
    sec.set("announce-frequency", interval)
    sec.set("announce-position", q.announce_position)
    sec.set("announce-holdtime", "yes" if q.announce_position else "no")
    if q.callback:
        # Pressing 1 while waiting leaves the queue into this context (EXITWITHKEY).
        sec.set("context", f"callbox-queue-keys-{q.number}")
        sec.set("periodic-announce", f"{snap.system.sounds_dir}/{snap.language('queue', q.number)}/callback-offer")
        sec.set("periodic-announce-frequency", "30")
    for ext, penalty, dynamic in q.members:
        if not dynamic:
            sec.set("member", _member(ext, penalty, snap), arrow=True)


def _member(ext: str, penalty: int, snap: Snapshot) -> str:
    browser = ext in webrtc.browser_numbers(snap)
    return f"{interface(ext, browser)},{penalty},{ext},{state_interface(ext, browser)}"


def _memory(conf: ConfFile, q: QueueView, snap: Snapshot) -> None:
    sec = conf.section(q.number + MEMORY_SUFFIX)
    sec.set("strategy", "ringall")
    sec.set("timeout", q.memory_seconds)
    sec.set("retry", "1")
    sec.set("joinempty", "yes")
    sec.set("leavewhenempty", "no")
    _common(sec, q, snap)
    sec.set("announce-frequency", "0")
    for ext, _penalty, dynamic in q.members:
        if not dynamic:
            sec.set("member", _member(ext, int(ext), snap), arrow=True)
