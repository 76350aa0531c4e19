"""The fax manager: the folder Asterisk writes faxes to, and the receiver's FastAGI handler."""

from __future__ import annotations

import os
import pwd

from ..reports.db import reports_db
from ..supervisor import Manager
from .receiver import Receiver


class FaxManager(Manager):
    name = "fax"
    needs = ("database", "pbx", "reports")

    def load(self) -> None:
        rt = self.box.runtime
        root = rt.paths.faxes
        root.mkdir(parents=True, exist_ok=True)
        try:
            owner = pwd.getpwnam(rt.asterisk_user)
            os.chown(root, owner.pw_uid, owner.pw_gid)
        except KeyError:
            pass
        os.chmod(root, 0o750)
        self.receiver = Receiver(root)
        self.box.pbx.agi_handlers["fax"] = self._handle

    def _handle(self, session) -> None:
        with reports_db.connection_context():
            self.receiver.handle(session)
