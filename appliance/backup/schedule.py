"""Scheduled backups: daily or weekly, into a folder on the box, keeping the newest N.

A backup is due from `hour` o'clock in the box's time zone (on `weekday` for a
weekly one) when the folder holds none made since that moment, so a box that
was off at that hour makes it when it is back and a restart never makes it
twice; nothing else needs remembering. The archive is written under a
temporary name and renamed when complete: a folder never holds half a backup
under a backup's name. The passphrase is a secret of the box (write-only).
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import asdict, dataclass
from pathlib import Path, PurePosixPath

from marshmallow import ValidationError, fields, validate, validates

from .. import box_settings, secrets
from ..fields import Bool, StrictSchema, StrictString
from ..mail import config
from . import archive, service
from .service import Passphrase

KEY = "backup_schedule"
PASSPHRASE = "backup-passphrase"
PATTERN = "callbox-*.cbk"
PARTIAL = ".callbox-backup.partial"
#: Where a scheduled backup may be written besides the data partition's own backups folder
#: (the default, ""): a disk the owner mounted. Never anywhere else on the system.
MOUNTS = ("/media", "/mnt")


@dataclass(frozen=True)
class Schedule:
    frequency: str = "off"  # off, daily, weekly
    hour: int = 2
    weekday: int = 0  # Monday
    keep: int = 7
    directory: str = ""  # "": the data partition's backups folder
    voicemail: bool = True
    recordings: bool = False
    reports: bool = False

    def to_dict(self) -> dict:
        return asdict(self)


class ScheduleSchema(StrictSchema):
    frequency = StrictString(validate=validate.OneOf(("off", "daily", "weekly")))
    hour = fields.Integer(strict=True, validate=validate.Range(0, 23))
    weekday = fields.Integer(strict=True, validate=validate.Range(0, 6))
    keep = fields.Integer(strict=True, validate=validate.Range(1, 100))
    directory = StrictString(validate=validate.Length(max=200))
    voicemail = Bool()
    recordings = Bool()
    reports = Bool()
    passphrase = Passphrase()

    @validates("directory")
    def _directory(self, value, **kwargs):
        if value == "":
            return
        path = PurePosixPath(value)
        if (not path.is_absolute() or ".." in path.parts or str(path) != value.rstrip("/")
                or not any(str(path).startswith(r + "/") for r in MOUNTS)
                or any(c in value for c in "\n\r\0")):
            raise ValidationError("must be empty (the box's own backups folder) or a folder under /media or /mnt")


def directory(schedule: "Schedule", paths) -> Path:
    return Path(schedule.directory) if schedule.directory else paths.data / "backups"


def load() -> Schedule:
    return config.read_row(KEY, Schedule)


def public(schedule: Schedule, paths) -> dict:
    folder = directory(schedule, paths)
    return {**schedule.to_dict(), "passphrase_set": bool(secrets.read(paths.secrets, PASSPHRASE)),
            "folder": str(folder),
            "files": [{"name": p.name, "size": p.stat().st_size,
                       "made": dt.datetime.fromtimestamp(p.stat().st_mtime, dt.timezone.utc)
                       .strftime("%Y-%m-%dT%H:%M:%SZ")} for p in backups(folder)]}


def save(cs, values: dict, secrets_dir: Path) -> Schedule:
    """Store validated values within the change `cs` (the passphrase as a secret)."""
    values = dict(values)
    passphrase = values.pop("passphrase", None)
    merged = Schedule(**{**load().to_dict(), **values})
    if merged.frequency != "off" and not (passphrase or secrets.read(secrets_dir, PASSPHRASE)):
        from ..errors import Invalid

        raise Invalid("passphrase: scheduled backups need a passphrase", "passphrase")
    config.write_row(cs, KEY, merged)
    if passphrase:
        secrets.store(secrets_dir, PASSPHRASE, passphrase)
    return merged


def passphrase(secrets_dir: Path) -> str:
    return secrets.read(secrets_dir, PASSPHRASE)


def period_start(now_utc: dt.datetime, timezone: str, schedule: Schedule) -> dt.datetime | None:
    """The latest moment (aware) a backup was due at, or None when none is scheduled."""
    if schedule.frequency == "off":
        return None
    local = now_utc.astimezone(box_settings.zone(timezone))
    start = local.replace(hour=schedule.hour, minute=0, second=0, microsecond=0)
    if schedule.frequency == "daily":
        return start if start <= local else start - dt.timedelta(days=1)
    start -= dt.timedelta(days=(local.weekday() - schedule.weekday) % 7)
    return start if start <= local else start - dt.timedelta(days=7)


def backups(directory: Path) -> list[Path]:
    """The backups in a folder, newest first."""
    try:
        found = [p for p in directory.glob(PATTERN) if p.is_file()]
    except OSError:
        return []
    return sorted(found, key=lambda p: (p.stat().st_mtime, p.name), reverse=True)


def due(now_utc: dt.datetime, timezone: str, schedule: Schedule, folder: Path) -> bool:
    start = period_start(now_utc, timezone, schedule)
    if start is None:
        return False
    newest = backups(folder)
    return not newest or newest[0].stat().st_mtime < start.timestamp()


def write(directory: Path, name: str, stream, keep: int) -> tuple[Path, int, list[Path]]:
    """The archive into `directory` (complete or not at all), then only the newest `keep` kept."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    partial = directory / PARTIAL
    size = 0
    try:
        with open(partial, "wb") as f:
            for piece in stream:
                f.write(piece)
                size += len(piece)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(partial, 0o600)
        final, n = directory / name, 1
        while final.exists():  # two in one second (a run by hand after the scheduled one)
            final, n = directory / name.replace(".cbk", f"-{n}.cbk"), n + 1
        os.replace(partial, final)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    removed = []
    for old in backups(directory)[keep:]:
        old.unlink(missing_ok=True)
        removed.append(old)
    return final, size, removed


def run(box, run=service.direct) -> dict:
    """Make the scheduled backup now (its options, passphrase and folder)."""
    from ..errors import Invalid

    paths = box.runtime.paths
    schedule = load()
    secret = passphrase(paths.secrets)
    if not secret:
        raise Invalid("passphrase: set the scheduled backups' passphrase first", "passphrase")
    options = archive.Options(voicemail=schedule.voicemail, recordings=schedule.recordings, reports=schedule.reports)
    name, manifest, stream = service.backup(box, secret, options, run=run)
    final, size, removed = write(directory(schedule, paths), name, stream, schedule.keep)
    return {"file": final.name, "size": size, "schema": manifest["schema"], "removed": [p.name for p in removed]}
