"""Rotating log files by size and age, keeping N of each, and the log folder's quota.

The supervisor rotates rather than logrotate or Asterisk's own `logger rotate`:
Asterisk renames every file at once and keeps rotated ones for ever, and the
box has no cron. A file Asterisk writes by name is renamed here (name -> name.1,
name.1 -> name.2, ...) and Asterisk told to reopen it (`logger reload`); the
console file, which Asterisk holds as its standard output, is copied and
truncated instead. The numbering is the one the queue_log reader follows
(appliance/reports/ingest.py) and Python's RotatingFileHandler writes.
"""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

MB = 2**20


@dataclass(frozen=True)
class Policy:
    rotate_bytes: int
    rotate_seconds: float
    keep: int
    quota_bytes: int

    @classmethod
    def from_settings(cls, s) -> "Policy":
        return cls(s.log_rotate_mb * MB, s.log_rotate_days * 86400.0, s.log_keep, s.log_quota_mb * MB)


def numbered(path: Path) -> dict[int, Path]:
    """The rotated files of `path`: number -> file (path.1 is the newest)."""
    out = {}
    for p in path.parent.glob(path.name + ".*"):
        suffix = p.name[len(path.name) + 1:]
        if suffix.isdigit() and p.is_file():
            out[int(suffix)] = p
    return out


def _shift(path: Path, keep: int) -> None:
    """Make room for a new path.1: each rotated file moves up one; those past `keep` go."""
    files = numbered(path)
    for n in sorted(files, reverse=True):
        if n >= keep:
            files[n].unlink(missing_ok=True)
        else:
            os.rename(files[n], path.with_name(f"{path.name}.{n + 1}"))


def rotate(path: Path, keep: int) -> None:
    """path becomes path.1 (whoever writes it by name must reopen it)."""
    _shift(path, keep)
    os.rename(path, path.with_name(path.name + ".1"))


def copy_truncate(path: Path, keep: int) -> None:
    """For a file a process holds open in append mode: copy it aside, then empty it in place."""
    _shift(path, keep)
    shutil.copy2(path, path.with_name(path.name + ".1"))
    with open(path, "r+b") as f:
        f.truncate(0)


class Ages:
    """When each live file began (first seen with content, per inode): rotation by age needs it,
    and a log's own timestamps differ by file (queue_log has epoch seconds)."""

    def __init__(self):
        self._began: dict[tuple[str, int], float] = {}

    def age(self, path: Path, st: os.stat_result, now: float) -> float:
        key = (str(path), st.st_ino)
        began = self._began.setdefault(key, now)
        return now - began

    def forget(self, path: Path) -> None:
        for key in [k for k in self._began if k[0] == str(path)]:
            del self._began[key]


def due(path: Path, policy: Policy, ages: Ages, now: float | None = None) -> bool:
    """Whether `path` has reached its size or age (an empty file never rotates)."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return False
    if st.st_size == 0:
        return False
    now = time.time() if now is None else now
    return st.st_size >= policy.rotate_bytes or ages.age(path, st, now) >= policy.rotate_seconds


def usage(root: Path) -> int:
    """Bytes in the files below `root`."""
    total = 0
    for dirpath, _, filenames in os.walk(root):
        for name in filenames:
            try:
                total += os.lstat(os.path.join(dirpath, name)).st_size
            except FileNotFoundError:
                continue
    return total


def enforce_quota(root: Path, quota_bytes: int) -> list[Path]:
    """Delete rotated files (oldest first) until the folder fits its quota; live files stay."""
    total = usage(root)
    if total <= quota_bytes:
        return []
    rotated = []
    for dirpath, _, filenames in os.walk(root):
        for name in filenames:
            base, _, suffix = name.rpartition(".")
            if base and suffix.isdigit():
                p = Path(dirpath) / name
                try:
                    st = p.stat()
                except FileNotFoundError:
                    continue
                rotated.append((st.st_mtime, p, st.st_size))
    deleted = []
    for _, p, size in sorted(rotated, key=lambda r: (r[0], r[1].name)):
        if total <= quota_bytes:
            break
        p.unlink(missing_ok=True)
        total -= size
        deleted.append(p)
    return deleted
