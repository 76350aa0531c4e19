"""A mailbox's own greetings: the files Asterisk plays instead of its stock prompts.

<spool>/voicemail/default/<mailbox>/unavail.wav when nobody answers, busy.wav
when the line is busy, greet.wav for the owner's recorded name. An upload is
converted to what Asterisk plays (appliance.audio) and replaces any copy in
another format a phone recording may have left, so Asterisk never picks a
stale one; resetting deletes them and Asterisk goes back to its stock prompt.
"""

from __future__ import annotations

import os
import pwd
from pathlib import Path

from .. import audio

KINDS = ("unavail", "busy", "greet")
CONTEXT = "default"


def _directory(root: Path, mailbox: str) -> Path:
    return root / CONTEXT / mailbox


def path(root: Path, mailbox: str, kind: str) -> Path:
    if kind not in KINDS:
        raise ValueError(f"unknown greeting {kind!r}")
    return _directory(root, mailbox) / f"{kind}.wav"


def _others(root: Path, mailbox: str, kind: str) -> list[Path]:
    """The greeting's copies in other formats (unavail.gsm, unavail.WAV, ...)."""
    directory = _directory(root, mailbox)
    if not directory.is_dir():
        return []
    return [p for p in directory.iterdir() if p.stem == kind and p.suffix != ".wav" and p.is_file()]


def status(root: Path, mailbox: str) -> dict[str, bool]:
    """Which greetings the mailbox has its own copy of."""
    return {kind: path(root, mailbox, kind).is_file() or bool(_others(root, mailbox, kind)) for kind in KINDS}


def _asterisk_ids(user: str) -> tuple[int, int] | None:
    try:
        entry = pwd.getpwnam(user)
    except KeyError:
        return None  # a unit test or a host without Asterisk: leave files as they are
    return entry.pw_uid, entry.pw_gid


def save(root: Path, mailbox: str, kind: str, data: bytes, owner: str = "asterisk") -> float:
    """Convert and store an uploaded greeting; returns its length in seconds."""
    dest = path(root, mailbox, kind)
    ids = _asterisk_ids(owner)
    # Asterisk makes a mailbox's directory on its first message: make it the
    # same way (owned by Asterisk) when the greeting comes first.
    made = []
    root.parent.mkdir(parents=True, exist_ok=True)  # the spool: the pbx manager's on a box
    for directory in (root, root / CONTEXT, dest.parent):
        if not directory.is_dir():
            directory.mkdir(mode=0o750)
            made.append(directory)
    seconds = audio.convert(data, dest)
    for stale in _others(root, mailbox, kind):
        stale.unlink(missing_ok=True)
    if ids is not None:
        for item in (*made, dest):
            os.chown(item, *ids)
    return seconds


def reset(root: Path, mailbox: str, kind: str) -> bool:
    """Delete the mailbox's own greeting; True if there was one."""
    found = [p for p in (path(root, mailbox, kind), *_others(root, mailbox, kind)) if p.is_file()]
    for p in found:
        p.unlink(missing_ok=True)
    return bool(found)
