"""A consistent, immutable view of everything the renderers need.

Read in one transaction so that a render never mixes two revisions.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import box_settings
from ..box_settings import BoxSettings
from ..db import db
from ..db.journal import Journal
from ..db.models import Extension, Mailbox


@dataclass(frozen=True)
class MailboxView:
    number: str
    name: str
    pin: str
    email: str | None


@dataclass(frozen=True)
class ExtensionView:
    number: str
    name: str
    secret: str
    has_mailbox: bool


@dataclass(frozen=True)
class System:
    """What the running box contributes: addresses, paths, secrets."""

    sip_host: str
    sip_port: int
    ami_host: str
    ami_port: int
    ami_user: str
    ami_secret: str
    rtp_start: int
    rtp_end: int
    etc_dir: str
    module_dir: str
    run_dir: str
    data_lib_dir: str
    spool_dir: str
    log_dir: str


@dataclass(frozen=True)
class Snapshot:
    revision: int
    pending: tuple[int, ...]
    settings: BoxSettings
    extensions: tuple[ExtensionView, ...]
    mailboxes: tuple[MailboxView, ...]
    system: System


def load_snapshot(system: System) -> Snapshot:
    with db.atomic():
        mailboxes = list(Mailbox.select().order_by(Mailbox.number))
        owned = {m.extension_id for m in mailboxes if m.extension_id is not None}
        extensions = tuple(
            ExtensionView(e.number, e.name, e.secret, e.id in owned)
            for e in Extension.select().order_by(Extension.number)
        )
        return Snapshot(
            revision=Journal.latest(),
            pending=tuple(Journal.pending()),
            settings=box_settings.load(),
            extensions=extensions,
            mailboxes=tuple(MailboxView(m.number, m.name, m.pin, m.email) for m in mailboxes),
            system=system,
        )
