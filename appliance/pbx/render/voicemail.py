"""voicemail.conf: mailboxes and how messages are recorded."""

from __future__ import annotations

from ..conf import ConfFile, list_value
from ..snapshot import Snapshot
from .dialplan import VM_CONTEXT


def render(snap: Snapshot) -> dict[str, str]:
    conf = ConfFile("voicemail.conf: mailboxes")
    g = conf.section("general")
    g.set("format", "wav")
    g.set("serveremail", "callbox")
    g.set("attach", True)
    g.set("maxmsg", "100")
    g.set("maxsecs", snap.settings.voicemail_max_seconds)
    # Shorter messages are dropped; a one-second "hello" still counts. Silence
    # detection stays off: it would trim messages below that minimum.
    g.set("minsecs", "1")
    g.set("maxsilence", "0")
    g.set("maxlogins", "3")
    g.set("moveheard", True)
    g.set("nextaftercmd", True)
    g.set("review", False)
    g.set("operator", False)
    g.set("sendvoicemail", False)
    g.set("envelope", True)
    g.set("skipms", "3000")
    boxes = conf.section(VM_CONTEXT)
    for box in snap.mailboxes:
        # Commas separate voicemail.conf's fields; in a name they are only punctuation.
        name = box.name.replace(",", " ").strip() or box.number
        boxes.set(box.number, list_value((box.pin, name), ",", f"mailbox {box.number}"), arrow=True)
    return {"voicemail.conf": conf.render()}
