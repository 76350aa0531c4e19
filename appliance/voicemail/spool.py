"""Reading the voicemail spool: <spool>/voicemail/<context>/<mailbox>/<folder>/msgNNNN.{txt,wav}.

Asterisk owns these files; the box only reads them and asks Asterisk (over AMI)
to remove or move a message, so Asterisk's numbering and message-waiting
lights stay right.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

FOLDERS = ("INBOX", "Old", "Urgent", "Work", "Family", "Friends")
_MSG = re.compile(r"msg(\d{4})\.txt")
_CALLERID = re.compile(r'^\s*(?:"(?P<qname>[^"]*)"|(?P<name>[^<]*?))\s*<(?P<num>[^>]*)>\s*$')


@dataclass(frozen=True)
class Message:
    id: str
    folder: str
    mailbox: str
    caller_number: str | None
    caller_name: str | None
    duration: int
    received_at: dt.datetime
    audio: Path

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "folder": self.folder,
            "caller_number": self.caller_number,
            "caller_name": self.caller_name,
            "duration": self.duration,
            "received_at": self.received_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }


def parse_info(text: str) -> dict[str, str]:
    info: dict[str, str] = {}
    in_message = False
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith(";"):
            continue
        if line.startswith("["):
            in_message = line == "[message]"
            continue
        if in_message and "=" in line:
            key, _, value = line.partition("=")
            info[key.strip()] = value.strip()
    return info


def parse_callerid(value: str | None) -> tuple[str | None, str | None]:
    """'"Alice" <8001>' -> ("Alice", "8001"); a bare number -> (None, number)."""
    if not value or value.lower() == "unknown":
        return None, None
    found = _CALLERID.match(value)
    if not found:
        return None, value.strip() or None
    name = found.group("qname") if found.group("qname") is not None else found.group("name")
    return (name.strip() or None), (found.group("num").strip() or None)


def messages(root: Path, mailbox: str, context: str = "default") -> list[Message]:
    out = []
    base = root / context / mailbox
    for folder in FOLDERS:
        directory = base / folder
        if not directory.is_dir():
            continue
        for txt in sorted(directory.iterdir()):
            if not _MSG.fullmatch(txt.name):
                continue
            try:
                info = parse_info(txt.read_text(encoding="utf-8", errors="replace"))
            except OSError:
                continue  # removed while we looked
            name, number = parse_callerid(info.get("callerid"))
            try:
                received = dt.datetime.fromtimestamp(int(info.get("origtime", "0")), dt.timezone.utc)
                duration = int(info.get("duration", "0"))
            except ValueError:
                continue
            out.append(Message(
                id=info.get("msg_id") or f"{folder}-{txt.stem}",
                folder=folder,
                mailbox=mailbox,
                caller_number=number,
                caller_name=name,
                duration=duration,
                received_at=received.replace(tzinfo=None),
                audio=txt.with_suffix(".wav"),
            ))
    out.sort(key=lambda m: m.received_at, reverse=True)
    return out


def find(root: Path, mailbox: str, msg_id: str, context: str = "default") -> Message | None:
    for msg in messages(root, mailbox, context):
        if msg.id == msg_id:
            return msg
    return None


def prune(root: Path, keep: set[str], context: str = "default") -> list[str]:
    """Delete the messages of numbers that are no longer in use.

    Run after the config without them is live, so that whoever gets the number
    next never hears the previous owner's messages. A number that still exists
    with its voicemail turned off keeps its messages.
    """
    base = root / context
    removed = []
    if not base.is_dir():
        return removed
    for directory in base.iterdir():
        if directory.is_dir() and directory.name.isdigit() and directory.name not in keep:
            shutil.rmtree(directory, ignore_errors=True)
            removed.append(directory.name)
    return sorted(removed)
