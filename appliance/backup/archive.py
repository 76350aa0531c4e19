"""What a backup holds, and the tar stream it is written as.

The tar is produced in small pieces (appliance/tarstream.py: a recording of
an hour streams like a prompt), so neither a download nor a scheduled backup
holds an archive in memory. The databases are copied first
with SQLite's online backup API: a consistent copy of a live database, which a
file copy taken while the box writes is not.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from .. import __version__, tarstream

PIECE = tarstream.PIECE
MANIFEST = "manifest.json"
CONFIG_DB = "config.db"
REPORTS_DB = "reports.db"
FORMAT = 1
#: Secrets that belong to this box's running processes (the supervisor's own AMI
#: login, written into the config it renders): never carried to another box.
LOCAL_SECRETS = frozenset({"ami"})


@dataclass(frozen=True)
class Options:
    voicemail: bool = True
    recordings: bool = False
    reports: bool = False


def trees(paths, options: Options) -> dict[str, Path]:
    """Archive folder -> the box's folder, for what these options include."""
    # Tickets are in the config database: the audio kept with them (complaints, the mayor's
    # mailbox) comes along whatever the options say.
    out = {"prompts": paths.prompts, "sounds": paths.sounds, "moh": paths.music, "secrets": paths.secrets,
           "ticket-audio": paths.ticket_audio}
    if options.voicemail:
        out["voicemail"] = paths.voicemail
    if options.recordings:
        out["recordings"] = paths.recordings
    if options.reports:
        out["fax"] = paths.faxes
    return out


@dataclass(frozen=True)
class Databases:
    """The databases the box has open (their files; reports may be None where it has no store)."""

    config: Path
    reports: Path | None


def copy_database(live: Path, dest: Path) -> int:
    """A consistent copy of a database in use (SQLite's backup API); returns its schema version."""
    src = sqlite3.connect(str(live))
    dst = sqlite3.connect(str(dest))
    try:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        row = dst.execute("SELECT MAX(version) FROM schema_version").fetchone()
        return row[0] or 0
    finally:
        dst.close()
        src.close()


def _skip(tree: str, rel: str, name: str) -> bool:
    return tree == "secrets" and rel == "." and (name in LOCAL_SECRETS or name.endswith(".tmp"))


@dataclass
class Snapshot:
    """The databases copied aside, ready to stream; `close()` removes the copies."""

    manifest: dict
    databases: dict[str, Path]
    trees: dict[str, Path]

    def stream(self) -> Iterator[bytes]:
        """The tar: the manifest first (what it is, before anything else is read), then the rest."""
        try:
            yield from tarstream.data(MANIFEST, json.dumps(self.manifest, indent=1).encode())
            for name, path in self.databases.items():
                yield from tarstream.file(name, path)
            for tree, root in self.trees.items():
                yield from tarstream.tree(tree, root, skip=lambda rel, name, tree=tree: _skip(tree, rel, name))
            yield tarstream.END
        finally:
            self.close()

    def close(self) -> None:
        for path in self.databases.values():
            path.unlink(missing_ok=True)


def snapshot(paths, options: Options, dbs: Databases, *, box_version: str | None = None, hostname: str = "",
             box_id: str = "") -> Snapshot:
    """Copy the databases aside (consistently) and describe the archive."""
    work = paths.data / ".backup-tmp"
    work.mkdir(mode=0o700, exist_ok=True)
    stamp = f"{os.getpid()}-{time.monotonic_ns()}"
    databases = {CONFIG_DB: work / f"config-{stamp}.db"}
    schema = copy_database(dbs.config, databases[CONFIG_DB])
    manifest = {
        "format": FORMAT,
        "version": box_version or __version__,
        "schema": schema,
        "created": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "hostname": hostname,
        "box_id": box_id,
        "options": {"voicemail": options.voicemail, "recordings": options.recordings, "reports": options.reports},
    }
    if options.reports and dbs.reports is not None and dbs.reports.exists():
        databases[REPORTS_DB] = work / f"reports-{stamp}.db"
        manifest["reports_schema"] = copy_database(dbs.reports, databases[REPORTS_DB])
    chosen = trees(paths, options)
    manifest["contents"] = sorted([*databases, *chosen])
    return Snapshot(manifest, databases, chosen)


def read_manifest(data: bytes) -> dict:
    try:
        manifest = json.load(io.BytesIO(data))
    except ValueError:
        raise ValueError("the archive's manifest is not readable") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ValueError("the archive's format is not known to this software")
    if not isinstance(manifest.get("schema"), int):
        raise ValueError("the archive's manifest has no schema version")
    return manifest
