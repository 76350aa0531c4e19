"""Outgoing e-mail for the whole box: the one place other parts call.

    from appliance import mail
    mail.queue(["ops@example.com"], "Subject", "Text", attachments=[{"path": "/data/x.wav"}])
    mail.queue_template(["ops@example.com"], "voicemail", {...}, attachments=[...])

Both only write the message to the durable outbox (outbox.py) and wake the
sender (manager.py), which hands it to the configured relay off the request
and event paths, retrying with backoff for a day. Attachments are files named
by path and read at send time, so large recordings never enter the database.
"""

from __future__ import annotations

import threading

from . import outbox, templates

#: Set when a message is queued; the sender waits on it.
wake = threading.Event()


def queue(to, subject: str, text: str, attachments=(), key: str | None = None):
    """Queue a message to the addresses `to`; None if `key` was queued before (mailed once)."""
    to = [to] if isinstance(to, str) else list(to)
    if not to:
        raise ValueError("a message needs at least one recipient")
    row = outbox.add(to, subject, text, [_attachment(a) for a in attachments], key=key)
    wake.set()
    return row


def queue_template(to, name: str, values: dict, attachments=(), key: str | None = None, lang: str | None = None):
    """Queue template `name` in the box's language (or `lang`) with `values`."""
    if lang is None:
        from .. import box_settings

        lang = box_settings.load().language
    subject, text = templates.render(name, lang, **values)
    return queue(to, subject, text, attachments, key)


def _attachment(item) -> dict:
    """{path, name, type, remove}: `remove` deletes the file once the message is sent or given up
    (a file made only for this message, such as a report's CSV)."""
    if isinstance(item, dict):
        return {"path": str(item["path"]), "name": item.get("name"), "type": item.get("type"),
                "remove": bool(item.get("remove"))}
    return {"path": str(item), "name": None, "type": None, "remove": False}
