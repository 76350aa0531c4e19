"""The self-service manager: answers the IVR steps' FastAGI questions, keeps the folder complaints
are recorded to (Asterisk writes there) and the one their audio is kept in, and turns the messages
of ticket mailboxes into tickets."""

from __future__ import annotations

import os
import pwd

from ..supervisor import Manager
from ..pbx.render.selfservice import COMPLAINT_DIR
from .mailbox_tickets import MailboxTickets
from .selfservice import SelfService


class SelfServiceManager(Manager):
    name = "selfservice"
    needs = ("database", "pbx")

    def load(self) -> None:
        rt = self.box.runtime
        pbx = self.box.pbx
        recorded = rt.paths.spool / COMPLAINT_DIR
        recorded.mkdir(parents=True, exist_ok=True)
        try:
            owner = pwd.getpwnam(rt.asterisk_user)
            os.chown(recorded, owner.pw_uid, owner.pw_gid)
        except KeyError:
            pass
        rt.paths.ticket_audio.mkdir(parents=True, exist_ok=True)
        os.chmod(rt.paths.ticket_audio, 0o750)
        self.service = SelfService(pbx.system.sounds_dir, pbx.system.prompts_dir, rt.paths.spool,
                                   rt.paths.ticket_audio)
        pbx.agi_handlers.update(self.service.handlers())
        self.mailboxes = MailboxTickets(rt.paths.voicemail, rt.paths.ticket_audio)
        pbx.ami.subscribe(self.mailboxes.on_event)

    def start(self) -> None:
        self.mailboxes.start()

    def stop(self) -> None:
        self.mailboxes.stop()
