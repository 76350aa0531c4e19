"""Reading queue_log on from where the last read stopped.

Each batch of complete lines is stored with the new position in one
transaction. When Asterisk rotates the file (queue_log -> queue_log.0) the
rest of the old file is read first, found by its inode.
"""

from __future__ import annotations

import os
from pathlib import Path

from .db import IngestPosition, QueueCall, QueueEvent, reports_db, reports_write_lock, upsert
from .queuelog import apply, parse

BATCH_BYTES = 1 << 20


class QueueLogReader:
    def __init__(self, path: Path, source: str = "queue_log", key=lambda number: number, level=lambda queue: None):
        self.path = path
        self.source = source
        self.key = key  # normalises callers' numbers
        self.level = level  # a queue's service level now: its calls' hourly rollups count with it

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
        for text in lines:
            line = parse(text)
            if line is None:
                continue
            QueueEvent.create(time=line.time, callid=line.callid, queue=line.queue, agent=line.agent,
                              event=line.event, data="|".join(line.data))
            if line.callid not in calls:
                found = QueueCall.get_or_none(QueueCall.callid == line.callid)
                calls[line.callid] = found.__data__ if found is not None else None
            updated = apply(calls[line.callid], line, self.key)
            if updated is not None:
                if updated.get("service_level") is None:
                    updated["service_level"] = self.level(updated["queue"])
                calls[line.callid] = updated
                touched.add(updated["queue"])
        for call in calls.values():
            if call is not None:
                upsert(QueueCall, **call)
        return touched


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
