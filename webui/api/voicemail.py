"""/extensions/<number>/voicemail and /greetings: a mailbox's messages and its own greetings.

Agents reach their own extension's mailbox only (require_own_extension).
"""

from __future__ import annotations

import re

from bottle import request, response, static_file

from appliance import audio
from appliance.errors import Invalid, NotFound
from appliance.extensions import service as extensions
from appliance.voicemail import greetings, spool

from ..plugins import require_own_extension

_ID = re.compile(r"[A-Za-z0-9\-]{1,64}")
ANYONE = ("admin", "supervisor", "agent")


def install(api, box) -> None:
    root = box.runtime.paths.voicemail

    def mailbox_of(number: str) -> str:
        require_own_extension(number)
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

    def greeting_kind(kind: str) -> str:
        if kind not in greetings.KINDS:
            raise NotFound(f"no greeting {kind!r}; the greetings are {', '.join(greetings.KINDS)}")
        return kind

    @api.get("/extensions/<number>/voicemail", roles=ANYONE)
    def list_messages(number):
        """The messages in the extension's mailbox, newest first."""
        return {"items": [m.to_dict() for m in spool.messages(root, mailbox_of(number))]}

    @api.get("/extensions/<number>/voicemail/<msg_id>", roles=ANYONE, produces="audio/wav")
    def get_audio(number, msg_id):
        """A message's audio as WAV."""
        msg = message(number, msg_id)
        if not msg.audio.is_file():
            raise NotFound(f"message {msg_id} has no audio")
        return static_file(msg.audio.name, root=str(msg.audio.parent), mimetype="audio/wav",
                           download=f"voicemail-{number}-{msg_id}.wav")

    @api.delete("/extensions/<number>/voicemail/<msg_id>", roles=ANYONE)
    def delete_message(number, msg_id):
        """Delete a message."""
        msg = message(number, msg_id)
        box.pbx.control.remove_message(msg.mailbox, msg.folder, msg.id)
        response.status = 204

    @api.get("/extensions/<number>/greetings", roles=ANYONE)
    def list_greetings(number):
        """Which greetings the mailbox has of its own."""
        return {"greetings": greetings.status(root, mailbox_of(number))}

    @api.get("/extensions/<number>/greetings/<kind>", roles=ANYONE, produces="audio/wav")
    def get_greeting(number, kind):
        """A greeting's audio as WAV."""
        found = greetings.path(root, mailbox_of(number), greeting_kind(kind))
        if not found.is_file():
            raise NotFound(f"mailbox {number} has no {kind} greeting of its own")
        return static_file(found.name, root=str(found.parent), mimetype="audio/wav",
                           download=f"greeting-{number}-{kind}.wav")

    @api.put("/extensions/<number>/greetings/<kind>", roles=ANYONE, body="application/octet-stream")
    def put_greeting(number, kind):
        """Upload a greeting: the body is the audio file itself (WAV or MP3)."""
        mailbox = mailbox_of(number)
        greeting_kind(kind)
        if request.content_length > audio.MAX_BYTES:
            raise Invalid(f"the file is larger than {audio.MAX_BYTES // 2**20} MB", "file")
        data = request.body.read(audio.MAX_BYTES + 1)
        try:
            seconds = greetings.save(root, mailbox, kind, data, owner=box.runtime.asterisk_user)
        except audio.AudioError as exc:
            raise Invalid(str(exc), "file") from None
        return {"kind": kind, "seconds": seconds, "greetings": greetings.status(root, mailbox)}

    @api.delete("/extensions/<number>/greetings/<kind>", roles=ANYONE)
    def reset_greeting(number, kind):
        """Go back to the standard greeting."""
        mailbox = mailbox_of(number)
        greetings.reset(root, mailbox, greeting_kind(kind))
        response.status = 204
