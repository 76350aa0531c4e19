"""Audio kept with a ticket (a caller's complaint recorded through an IVR): one WAV file per
ticket, named by its number, in the data partition; shown to whoever may see the ticket."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

_NUMBER = re.compile(r"[0-9]{4}-[0-9]{6,8}")


def path_of(root: Path, number: str) -> Path | None:
    """The ticket's audio file, None when it has none (or `number` is not a ticket's number)."""
    if not _NUMBER.fullmatch(number or ""):
        return None
    path = root / f"{number}.wav"
    return path if path.is_file() else None


def keep(root: Path, number: str, source: Path, move: bool = True) -> Path:
    """Move (or copy: a voicemail message stays in its mailbox) a recording made for the ticket
    `number` to its place beside the ticket."""
    if not _NUMBER.fullmatch(number):
        raise ValueError(f"not a ticket number: {number!r}")
    root.mkdir(parents=True, exist_ok=True)
    target = root / f"{number}.wav"
    if move:
        shutil.move(str(source), target)
    else:
        shutil.copyfile(source, target)
    target.chmod(0o640)
    return target
