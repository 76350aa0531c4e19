"""Figures from the call history: a queue's day, an agent's day, a caller's last agent.

Service level: calls answered within the queue's threshold, out of the calls
that were offered and not withdrawn by the caller choosing a callback
(answered + abandoned + timed out + overflowed).
"""

from __future__ import annotations

import datetime as dt

from peewee import fn

from ..box_settings import zone
from .db import QueueCall

OFFERED = ("answered", "abandoned", "timed_out", "overflowed")


def day_start(timezone: str, now: dt.datetime | None = None) -> float:
    """Midnight of today in the box's time zone, as a Unix time."""
    return date_start(timezone, (now or dt.datetime.now(dt.timezone.utc)).astimezone(zone(timezone)).date())


def date_start(timezone: str, day: dt.date) -> float:
    """Midnight at the start of `day` in the box's time zone, as a Unix time."""
    return dt.datetime.combine(day, dt.time(), zone(timezone)).timestamp()


def queue_day(queue: str, since: float, service_level: int) -> dict:
    rows = list(QueueCall.select(QueueCall.outcome, QueueCall.wait)
                .where(QueueCall.queue == queue, QueueCall.entered_at >= since))
    counts = {k: 0 for k in ("answered", "abandoned", "timed_out", "overflowed", "called_back")}
    waits, in_time = [], 0
    for outcome, wait in ((r.outcome, r.wait) for r in rows):
        if outcome in counts:
            counts[outcome] += 1
        if outcome == "answered" and wait is not None:
            waits.append(wait)
            in_time += wait <= service_level
    offered = sum(counts[k] for k in OFFERED)
    return {
        **counts,
        "offered": offered,
        "avg_wait": round(sum(waits) / len(waits), 1) if waits else None,
        "max_wait": round(max(waits), 1) if waits else None,
        "service_level": round(100.0 * in_time / offered, 1) if offered else None,
        "service_level_seconds": service_level,
    }


def agent_day(agent: str, since: float) -> dict:
    q = QueueCall.select(fn.COUNT(QueueCall.callid), fn.SUM(QueueCall.talk), fn.AVG(QueueCall.survey),
                         fn.COUNT(QueueCall.survey)) \
        .where(QueueCall.agent == agent, QueueCall.outcome == "answered", QueueCall.entered_at >= since)
    calls, talk, survey, surveys = q.scalar(as_tuple=True)
    return {"calls": calls or 0, "talk_seconds": round(talk or 0, 1),
            "satisfaction": round(survey, 2) if survey is not None else None, "surveys": surveys or 0}


def last_agent(queue: str, caller_key: str) -> str | None:
    """The agent who last answered this caller in this queue (for queue memory)."""
    found = (QueueCall.select(QueueCall.agent)
             .where(QueueCall.queue == queue, QueueCall.caller_key == caller_key, QueueCall.outcome == "answered")
             .order_by(QueueCall.connected_at.desc()).first())
    return found.agent if found else None


def calls_of(caller_keys: list[str], limit: int = 20) -> list[dict]:
    """A contact's calls, by their normalised numbers."""
    rows = (QueueCall.select().where(QueueCall.caller_key.in_(caller_keys))
            .order_by(QueueCall.entered_at.desc()).limit(limit))
    return [to_dict(r) for r in rows]


def iso(t: float | None) -> str | None:
    return dt.datetime.fromtimestamp(t, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ") if t else None


def to_dict(r: QueueCall) -> dict:
    return {"id": r.callid, "queue": r.queue, "caller": r.caller, "entered_at": iso(r.entered_at),
            "agent": r.agent, "wait": r.wait, "talk": r.talk, "outcome": r.outcome, "survey": r.survey,
            "memory": bool(r.memory), "recording": bool(r.recording), "callback_of": r.callback_of}
