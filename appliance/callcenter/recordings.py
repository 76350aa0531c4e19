"""Call recordings: where they go, when the box refuses to start one, and retention.

Asterisk's MixMonitor writes the file; the box decides whether to start it
(never when the disk is nearly full: the call goes on unrecorded and the
dashboard says why) and deletes old ones: first those past the retention
days, then the oldest until the recordings fit their quota.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import time
from pathlib import Path

from ..log import kv
from ..reports.db import Recording, upsert

log = logging.getLogger(__name__)
MIN_FREE_FRACTION = 0.05
MIN_FREE_BYTES = 200 * 2**20
# A call id names the recording's file: Asterisk's own unique ids, and the ids the supervisor gives
# the channels it places (c2c-<hex> for click-to-call, survey-<entry>-<try>). Nothing that leaves
# the recordings' folder (no "/", no "..").
_CALLID = re.compile(r"[0-9]{1,20}\.[0-9]{1,10}|[a-z][a-z0-9]{0,11}(-[0-9a-f]{1,20}){1,3}")


class Recordings:
    def __init__(self, root: Path, publish=lambda topic, **data: None, disk_usage=shutil.disk_usage):
        self.root = root
        self.publish = publish
        self.disk_usage = disk_usage
        self.stopped: str | None = None  # why new recordings are refused, if they are

    def path_for(self, callid: str, now: float | None = None) -> Path:
        if not _CALLID.fullmatch(callid):
            raise ValueError(f"not a call id: {callid!r}")
        day = time.strftime("%Y/%m/%d", time.gmtime(now or time.time()))
        return self.root / day / f"{callid}.wav"

    def usage(self) -> int:
        return sum(p.stat().st_size for p in self.root.rglob("*.wav") if p.is_file())

    def room(self) -> str | None:
        """Why a new recording must not start now, or None."""
        disk = self.disk_usage(self.root if self.root.exists() else self.root.parent)
        if disk.free < MIN_FREE_BYTES or disk.free < disk.total * MIN_FREE_FRACTION:
            return "the disk is nearly full"
        return None

    def allow(self) -> bool:
        reason = self.room()
        if reason != self.stopped:
            self.stopped = reason
            if reason:
                log.error("recordings stopped", extra=kv(reason=reason))
            self.publish("alert", kind="recordings", active=reason is not None, message=reason)
        return reason is None

    def note(self, callid: str, path: Path, caller: str | None, callee: str | None, queue: str | None,
             on_demand: bool) -> None:
        upsert(Recording, callid=callid, path=str(path), started_at=time.time(), caller=caller, callee=callee,
               queue=queue, on_demand=int(on_demand))

    def sweep(self, retention_days: int, quota_bytes: int, now: float | None = None) -> list[Path]:
        """Delete recordings past their days, then the oldest over the quota."""
        now = now or time.time()
        files = sorted((p for p in self.root.rglob("*.wav") if p.is_file()), key=lambda p: p.stat().st_mtime)
        deleted = []
        total = sum(p.stat().st_size for p in files)
        for p in files:
            old = p.stat().st_mtime < now - retention_days * 86400
            if not old and total <= quota_bytes:
                break
            total -= p.stat().st_size
            p.unlink(missing_ok=True)
            deleted.append(p)
        if deleted:
            Recording.delete().where(Recording.path.in_([str(p) for p in deleted])).execute()
            for d in sorted({p.parent for p in deleted}, reverse=True):
                _remove_empty(d, self.root)
            log.info("old recordings deleted", extra=kv(count=len(deleted)))
        return deleted

    def find(self, callid: str) -> Path | None:
        row = Recording.get_or_none(Recording.callid == callid)
        if row is not None and Path(row.path).is_file():
            return Path(row.path)
        return None


def _remove_empty(directory: Path, root: Path) -> None:
    while directory != root and directory.is_dir() and not any(directory.iterdir()):
        os.rmdir(directory)
        directory = directory.parent
