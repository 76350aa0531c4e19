"""/extensions/<number>/voicemail: the messages in an extension's mailbox."""

from __future__ import annotations

import re

from bottle import response, static_file

from appliance.errors import NotFound
from appliance.extensions import service as extensions
from appliance.voicemail import spool

_ID = re.compile(r"[A-Za-z0-9\-]{1,64}")


def install(api, box) -> None:
    root = box.runtime.paths.voicemail

    def mailbox_of(number: str) -> str:
        _, mailbox = extensions.get(number)
        if mailbox is None:
            raise NotFound(f"extension {number} has no voicemail", "voicemail_enabled")
        return mailbox.number

    def message(number: str, msg_id: str) -> spool.Message:
        mailbox = mailbox_of(number)
        msg = spool.find(root, mailbox, msg_id) if _ID.fullmatch(msg_id) else None
        if msg is None:
            raise NotFound(f"no message {msg_id} in mailbox {mailbox}")
        return msg

    @api.get("/extensions/<number>/voicemail")
    def list_messages(number):
        return {"items": [m.to_dict() for m in spool.messages(root, mailbox_of(number))]}

    @api.get("/extensions/<number>/voicemail/<msg_id>")
    def get_audio(number, msg_id):
        msg = message(number, msg_id)
        if not msg.audio.is_file():
            raise NotFound(f"message {msg_id} has no audio")
        return static_file(msg.audio.name, root=str(msg.audio.parent), mimetype="audio/wav",
                           download=f"voicemail-{number}-{msg_id}.wav")

    @api.delete("/extensions/<number>/voicemail/<msg_id>")
    def delete_message(number, msg_id):
        msg = message(number, msg_id)
        box.pbx.control.remove_message(msg.mailbox, msg.folder, msg.id)
        response.status = 204
