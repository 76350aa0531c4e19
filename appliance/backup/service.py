"""Backups and restores of a running box: what the API and the schedule call."""

from __future__ import annotations

import datetime as dt
import logging
import re
import socket
import threading
from pathlib import Path
from typing import BinaryIO, Iterator

from marshmallow import fields as mfields, validate as mvalidate

from ..db import db, write_lock
from ..db.journal import PENDING, journal, utcnow
from ..db.models import Change
from ..errors import Conflict, Invalid
from ..fields import Bool, StrictSchema
from ..log import kv
from . import archive, restore as restoring
from .crypto import MIN_PASSPHRASE, DamagedArchive, Sealing, WrongPassphrase, direct, encrypt  # noqa: F401

log = logging.getLogger(__name__)
MAX_PASSPHRASE = 256
RESTORE_APPLY_WAIT = 60.0
#: One restore at a time, and no backup while one swaps the data.
_restoring = threading.Lock()


class Passphrase(mfields.String):
    def __init__(self, **kwargs):
        super().__init__(validate=mvalidate.Length(min=MIN_PASSPHRASE, max=MAX_PASSPHRASE,
                                                    error=f"{MIN_PASSPHRASE} to {MAX_PASSPHRASE} characters"),
                         **kwargs)


class BackupSchema(StrictSchema):
    passphrase = Passphrase(required=True)
    voicemail = Bool(load_default=True)
    recordings = Bool(load_default=False)
    reports = Bool(load_default=False)


def open_databases() -> archive.Databases:
    from ..reports.db import reports_db

    return archive.Databases(Path(db.database), Path(reports_db.database) if reports_db.database else None)


def check_passphrase(passphrase: str | None) -> str:
    if not passphrase or not MIN_PASSPHRASE <= len(passphrase) <= MAX_PASSPHRASE:
        raise Invalid(f"passphrase: {MIN_PASSPHRASE} to {MAX_PASSPHRASE} characters", "passphrase")
    return passphrase


def _host(hostname: str) -> str:
    return re.sub(r"[^A-Za-z0-9-]", "", hostname)[:40] or "callbox"


def file_name(hostname: str, when: dt.datetime | None = None) -> str:
    when = when or dt.datetime.now(dt.timezone.utc)
    return f"callbox-{_host(hostname)}-{when.strftime('%Y%m%d-%H%M%S')}.cbk"


def made_here(hostname: str) -> re.Pattern:
    """The names file_name gives on this box (a "-N" suffix for a second one in the same second), and
    no other box's: "callbox-box-2-..." is not one of box's."""
    return re.compile(rf"callbox-{re.escape(_host(hostname))}-\d{{8}}-\d{{6}}(-\d+)?\.cbk")


def backup(box, passphrase: str, options: archive.Options, run=direct) -> tuple[str, dict, Iterator[bytes]]:
    """(file name, manifest, the encrypted archive as it is produced)."""
    if _restoring.locked():
        raise Conflict("a restore is running; back up once it is done")
    paths = box.runtime.paths
    hostname = socket.gethostname()
    box_id = getattr(getattr(box, "settings", None), "box_id", "")
    snap = run(lambda: archive.snapshot(paths, options, open_databases(), hostname=hostname, box_id=box_id))
    try:
        sealing = Sealing(passphrase, run)
    except BaseException:
        snap.close()
        raise
    log.info("backup started", extra=kv(contents=snap.manifest["contents"], schema=snap.manifest["schema"]))
    return file_name(hostname), snap.manifest, encrypt(snap.stream(), sealing)


def restore(box, src: BinaryIO, passphrase: str, actor: str, run=direct) -> dict:
    """Check the archive whole, then swap it in and have the PBX run it.

    Raises Invalid (422) for a wrong passphrase or a damaged or foreign archive,
    with nothing changed; Conflict while another restore runs."""
    if not _restoring.acquire(blocking=False):
        raise Conflict("a restore is already running")
    try:
        paths = box.runtime.paths
        try:
            staged = restoring.stage(src, passphrase, paths.data, run)
        except WrongPassphrase as exc:
            raise Invalid(str(exc), "passphrase") from None
        except (DamagedArchive, restoring.BadArchive) as exc:
            log.warning("restore refused", extra=kv(error=str(exc)))
            raise Invalid(str(exc), "file") from None
        replaced = restoring.swap_in(staged, paths, open_databases(), write_lock)
        log.info("backup restored", extra=kv(replaced=replaced, schema_from=staged.schema_from,
                                             schema_to=staged.schema_to, made=staged.manifest.get("created")))
        applied = _apply(box, actor, staged.manifest)
        return {"restored": replaced, "made": staged.manifest.get("created"),
                "version": staged.manifest.get("version"), "schema_from": staged.schema_from,
                "schema": staged.schema_to, "applied": applied}
    finally:
        _restoring.release()


def _apply(box, actor: str, manifest: dict) -> bool:
    """Bring the running box to the restored data: the prompts Asterisk reads, then the
    config (one revision in the audit log, applied like any change)."""
    settings = getattr(box, "settings", None)
    if settings is not None:
        from .. import secrets

        settings.box_id = secrets.read(box.runtime.paths.secrets, "box-id") or settings.box_id
    pbx = getattr(box, "pbx", None)
    with write_lock:
        with db.atomic():
            revision = Change.create(at=utcnow(), actor=actor, action="system.restore",
                                     target=manifest.get("created") or "", status=PENDING).id
    box.events.publish("restored", made=manifest.get("created"))
    if pbx is None or pbx.error:
        return False
    from ..prompts import replacements

    replacements.lay_out(pbx.prompt_sources)
    journal.committed(revision)
    record = pbx.wait_settled(revision, RESTORE_APPLY_WAIT)
    return record.status == "applied"
