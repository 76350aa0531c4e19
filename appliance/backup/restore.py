"""Restoring an archive: everything checked first, then swapped in at once.

`stage` decrypts and unpacks into a private folder on the data partition while
the archive streams in; only when every chunk has passed its check, the
archive's end is there, the databases pass SQLite's integrity check and have
been migrated to this software's schema does `swap_in` touch the box. The
config database is then replaced inside one SQLite transaction (the backup API
writing into the live file, so every open connection sees the old or the new
database, never a mix), and each folder by a rename. A wrong passphrase or a
damaged archive leaves the box exactly as it was.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tarfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from peewee import SqliteDatabase

from .. import secrets
from ..db.migrations import MIGRATIONS, migrate
from ..reports.db import MIGRATIONS as REPORTS_MIGRATIONS
from . import archive
from .crypto import DamagedArchive, Decryptor, direct

STAGING = ".restore-staging"
TREES = ("prompts", "sounds", "moh", "secrets", "ticket-audio", "voicemail", "recordings", "fax")


class BadArchive(ValueError):
    """The archive cannot be restored on this box (the message says why)."""


@dataclass
class Staged:
    root: Path
    manifest: dict
    schema_from: int
    schema_to: int
    contents: set[str] = field(default_factory=set)

    def discard(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def _member_path(name: str) -> PurePosixPath:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise DamagedArchive(f"the archive names a path outside itself: {name!r}")
    top = path.parts[0]
    if top not in TREES and name not in (archive.CONFIG_DB, archive.REPORTS_DB, archive.MANIFEST):
        raise DamagedArchive(f"the archive holds something a backup does not: {name!r}")
    return path


def _unpack(dec: Decryptor, root: Path) -> tuple[dict, set[str]]:
    manifest = None
    contents: set[str] = set()
    with tarfile.open(fileobj=dec, mode="r|") as tar:
        for member in tar:
            rel = _member_path(member.name)
            if manifest is None:
                if member.name != archive.MANIFEST or not member.isreg():
                    raise DamagedArchive("the archive does not begin with its manifest")
                try:
                    manifest = archive.read_manifest(tar.extractfile(member).read())
                except ValueError as exc:
                    raise DamagedArchive(str(exc)) from None
                known = MIGRATIONS[-1][0]
                if manifest["schema"] > known:
                    raise BadArchive(f"the archive was made by newer software (schema {manifest['schema']};"
                                     f" this box knows up to {known}): update the box first")
                continue
            target = root.joinpath(*rel.parts)
            contents.add(rel.parts[0])
            if member.isdir():
                target.mkdir(parents=True, exist_ok=True)
                os.chmod(target, 0o700 if rel.parts[0] == "secrets" else (member.mode & 0o777) | 0o700)
            elif member.isreg():
                target.parent.mkdir(parents=True, exist_ok=True)
                source = tar.extractfile(member)
                fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                with os.fdopen(fd, "wb") as out:
                    shutil.copyfileobj(source, out, archive.PIECE)
                if rel.parts[0] != "secrets":
                    os.chmod(target, (member.mode & 0o777) | 0o600)
            else:
                raise DamagedArchive(f"the archive holds a link or device: {member.name!r}")
    if manifest is None:
        raise DamagedArchive("the archive is empty")
    dec.finish()
    return manifest, contents


def _check_database(path: Path, migrations) -> tuple[int, int]:
    """SQLite's own integrity check, then the schema migrated forward: (version before, after)."""
    try:
        conn = sqlite3.connect(str(path))
        try:
            result = conn.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise DamagedArchive(f"{path.name} in the archive is not a database: {exc}") from None
    if result != "ok":
        raise DamagedArchive(f"{path.name} in the archive fails its integrity check: {result}")
    database = SqliteDatabase(str(path), pragmas={"foreign_keys": 1})
    try:
        with database.connection_context():
            row = database.execute_sql(
                "SELECT MAX(version) FROM schema_version").fetchone() if _has_versions(database) else (0,)
            before = row[0] or 0
            after = migrate(database, migrations)
    except RuntimeError as exc:
        raise BadArchive(str(exc)) from None
    finally:
        database.close()
    return before, after


def _has_versions(database) -> bool:
    return bool(database.execute_sql(
        "SELECT 1 FROM sqlite_master WHERE type='table' AND name='schema_version'").fetchone())


def stage(src: BinaryIO, passphrase: str, data_dir: Path, run=direct) -> Staged:
    """Check and unpack an archive beside the live data. Raises WrongPassphrase,
    DamagedArchive or BadArchive with nothing on the box changed."""
    root = data_dir / STAGING
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(mode=0o700, parents=True)
    try:
        dec = Decryptor(src, passphrase, run)
        manifest, contents = _unpack(dec, root)
        if archive.CONFIG_DB not in contents:
            raise DamagedArchive("the archive has no config database")
        schema_from, schema_to = _check_database(root / archive.CONFIG_DB, MIGRATIONS)
        db_path = root / archive.CONFIG_DB
        conn = sqlite3.connect(str(db_path))
        try:
            # Sessions of the box the backup came from open nothing here: everyone signs in again.
            conn.execute("DELETE FROM session")
            conn.commit()
        finally:
            conn.close()
        if archive.REPORTS_DB in contents:
            _check_database(root / archive.REPORTS_DB, REPORTS_MIGRATIONS)
    except BaseException:
        shutil.rmtree(root, ignore_errors=True)
        raise
    return Staged(root, manifest, schema_from, schema_to, contents)


def _replace_database(staged: Path, live: Path) -> None:
    """The live database becomes the staged one in one transaction (connections stay valid)."""
    src = sqlite3.connect(str(staged))
    dst = sqlite3.connect(str(live), timeout=30)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def _own_like(tree: Path, live: Path) -> None:
    """Give the restored tree the owner of what it replaces (or of the folder it goes in: the
    spool is Asterisk's, which must be able to move messages from INBOX to Old)."""
    try:
        st = live.stat() if live.exists() else live.parent.stat()
    except FileNotFoundError:
        return
    for dirpath, dirnames, filenames in os.walk(tree):
        for name in [dirpath, *(os.path.join(dirpath, n) for n in dirnames + filenames)]:
            os.lchown(name, st.st_uid, st.st_gid)


def _swap_tree(staged: Path, live: Path) -> None:
    _own_like(staged, live)
    old = live.with_name(live.name + ".pre-restore")
    shutil.rmtree(old, ignore_errors=True)
    live.parent.mkdir(parents=True, exist_ok=True)
    if live.exists():
        os.rename(live, old)
    os.rename(staged, live)
    shutil.rmtree(old, ignore_errors=True)


def _swap_secrets(staged: Path, live: Path) -> None:
    """Secrets one by one (this box's own AMI login stays as it is)."""
    restored = {p.name for p in staged.iterdir() if p.is_file()}
    for name in sorted(restored - archive.LOCAL_SECRETS):
        secrets.store_bytes(live, name, (staged / name).read_bytes())
    if live.is_dir():
        for p in live.iterdir():
            if p.is_file() and p.name not in restored and p.name not in archive.LOCAL_SECRETS:
                p.unlink()


def swap_in(staged: Staged, paths, dbs: archive.Databases, write_lock) -> list[str]:
    """Put a staged archive in place of the box's data; returns what was replaced."""
    tree_paths = archive.trees(paths, archive.Options(voicemail=True, recordings=True, reports=True))
    done = []
    try:
        with write_lock:
            _replace_database(staged.root / archive.CONFIG_DB, dbs.config)
        done.append(archive.CONFIG_DB)
        if archive.REPORTS_DB in staged.contents and dbs.reports is not None:
            _replace_database(staged.root / archive.REPORTS_DB, dbs.reports)
            done.append(archive.REPORTS_DB)
        for tree in TREES:
            if tree not in staged.contents:
                continue
            if tree == "secrets":
                _swap_secrets(staged.root / tree, tree_paths[tree])
            else:
                _swap_tree(staged.root / tree, tree_paths[tree])
            done.append(tree)
    finally:
        staged.discard()
    return done
