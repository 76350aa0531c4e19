"""Reading queue_log on from where the last read stopped.

Each batch of complete lines is stored with the new position in one
transaction. When Asterisk rotates the file (queue_log -> queue_log.0) the
rest of the old file is read first, found by its inode.

An answered call's wrap-up (after-call work) is written with it: the queue's
setting when the call ends, cut short when the same agent's next queue call
is answered sooner. Kept on the call (and added up in its hour's rollup), it
still counts once the call's row is pruned, and a later change of the
setting does not rewrite the past.
"""

from __future__ import annotations

import os
from collections import defaultdict
from pathlib import Path

from .db import IngestPosition, QueueCall, QueueEvent, reports_db, reports_write_lock, upsert
from .queuelog import apply, parse

BATCH_BYTES = 1 << 20


class QueueLogReader:
    def __init__(self, path: Path, source: str = "queue_log", key=lambda number: number, level=lambda queue: None,
                 wrapup=lambda queue: None):
        self.path = path
        self.source = source
        self.key = key  # normalises callers' numbers
        self.level = level  # a queue's service level now: its calls' hourly rollups count with it
        self.wrapup = wrapup  # a queue's wrap-up seconds now: what its calls ending now are given

    def poll(self) -> set[str]:
        """Store every complete line not read yet; returns the queues they concern."""
        touched: set[str] = set()
        with reports_write_lock, reports_db.atomic():
            pos = IngestPosition.get_or_none(IngestPosition.source == self.source)
            try:
                current = os.stat(self.path).st_ino
            except FileNotFoundError:
                return touched
            if pos is not None and pos.inode != current:
                rotated = self._find_inode(pos.inode)
                if rotated is not None:
                    touched |= self._read(rotated, pos.offset)
                pos.inode, pos.offset = current, 0
            if pos is None:
                pos = IngestPosition(source=self.source, inode=current, offset=0)
            offset, lines = _complete_lines(self.path, pos.offset, BATCH_BYTES)
            touched |= self._store(lines)
            upsert(IngestPosition, source=self.source, inode=current, offset=offset)
        return touched

    def _find_inode(self, inode: int) -> Path | None:
        for candidate in sorted(self.path.parent.glob(self.path.name + ".*")):
            try:
                if candidate.stat().st_ino == inode:
                    return candidate
            except FileNotFoundError:
                continue
        return None

    def _read(self, path: Path, offset: int) -> set[str]:
        touched = set()
        while True:
            offset, lines = _complete_lines(path, offset, BATCH_BYTES)
            if not lines:
                return touched
            touched |= self._store(lines)

    def _store(self, lines: list[str]) -> set[str]:
        touched = set()
        calls: dict[str, dict | None] = {}
        answered_by: dict[str, set[str]] = defaultdict(set)  # this batch's answered calls per agent
        for text in lines:
            line = parse(text)
            if line is None:
                continue
            QueueEvent.create(time=line.time, callid=line.callid, queue=line.queue, agent=line.agent,
                              event=line.event, data="|".join(line.data))
            if line.callid not in calls:
                found = QueueCall.get_or_none(QueueCall.callid == line.callid)
                calls[line.callid] = found.__data__ if found is not None else None
            before = calls[line.callid]
            updated = apply(before, line, self.key)
            if updated is not None:
                if updated.get("service_level") is None:
                    updated["service_level"] = self.level(updated["queue"])
                calls[line.callid] = updated
                touched.add(updated["queue"])
                if updated["outcome"] == "answered" and updated["agent"]:
                    answered_by[updated["agent"]].add(updated["callid"])
                    self._wrapups(calls, answered_by, updated, before is None or before["outcome"] != "answered")
        for call in calls.values():
            if call is not None:
                upsert(QueueCall, **call)
        return touched

    def _wrapups(self, calls: dict, answered_by: dict, call: dict, just_answered: bool) -> None:
        """An answered call that has just ended gets its queue's wrap-up, cut short by the agent's
        next answered call; the agent's previous call is cut short by this one."""
        if call["ended_at"] is not None and call.get("wrapup") is None:
            call["wrapup"] = float(self.wrapup(call["queue"]) or 0)
            following = _neighbour(calls, answered_by, call, later=True)
            if following is not None:
                _cut(call, following["connected_at"])
        previous = _neighbour(calls, answered_by, call, later=False) if just_answered else None
        if previous is not None and previous.get("wrapup") is not None:
            _cut(previous, call["connected_at"])


def _cut(call: dict, next_connected: float) -> None:
    call["wrapup"] = max(0.0, min(call["wrapup"], round(next_connected - call["ended_at"], 3)))


def _neighbour(calls: dict, answered_by: dict, call: dict, later: bool) -> dict | None:
    """The same agent's answered call answered just before (or after) `call`: the batch's own
    version of it where the batch has one (it is newer than the stored row)."""
    agent, t = call["agent"], call["connected_at"]

    def nearer(a: dict | None, b: dict | None) -> dict | None:
        if a is None or b is None:
            return a or b
        return a if (a["connected_at"] < b["connected_at"]) == later else b

    found = None
    for callid in answered_by[agent]:
        other = calls[callid]
        if other is None or callid == call["callid"]:
            continue
        if other["connected_at"] > t if later else other["connected_at"] < t:
            found = nearer(found, other)
    q = QueueCall.select().where(QueueCall.agent == agent, QueueCall.outcome == "answered",
                                 QueueCall.connected_at > t if later else QueueCall.connected_at < t)
    stored = q.order_by(QueueCall.connected_at if later else QueueCall.connected_at.desc()).first()
    if stored is not None and stored.callid != call["callid"]:
        if calls.get(stored.callid) is None:
            calls[stored.callid] = stored.__data__
            answered_by[agent].add(stored.callid)
        found = nearer(found, calls[stored.callid])
    return found


def _complete_lines(path: Path, offset: int, max_bytes: int) -> tuple[int, list[str]]:
    """The lines ending in a newline within `max_bytes` from `offset` (a line still being
    written stays for the next read), and the offset after them."""
    try:
        with open(path, "rb") as f:
            f.seek(offset)
            data = f.read(max_bytes)
    except FileNotFoundError:
        return offset, []
    end = data.rfind(b"\n")
    if end < 0:
        return offset, []
    chunk = data[:end + 1]
    return offset + len(chunk), chunk.decode("utf-8", errors="replace").splitlines()
