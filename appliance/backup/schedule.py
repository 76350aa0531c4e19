"""Scheduled backups: daily or weekly, into a folder on the box or to an SFTP server,
keeping the newest N.

A backup is due from `hour` o'clock in the box's time zone (on `weekday` for a
weekly one) when none was made since that moment: for a folder, the folder's
own files say so; for an SFTP target, the time of the last one that arrived
(kept by the manager), so the server is not listed every minute. A box that was
off at that hour makes it when it is back and a restart never makes it twice.
After a failure the next try waits RETRY_AFTER (a server refusing our password
is not asked again every minute), unless the settings change. The archive is
written under a temporary name and renamed when complete: a target never holds
half a backup under a backup's name. The passphrase and the SFTP password are
secrets of the box (write-only).

The SFTP server's host key is pinned on first contact (trust on first use,
shown on the page); a different key afterwards is refused until the owner
clears the pin. Only this box's archives (callbox-<host name>-*.cbk) are ever
pruned on a target, whatever else its folder holds.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
from dataclasses import asdict, dataclass
from pathlib import Path, PurePosixPath

from marshmallow import ValidationError, fields, validate, validates

from .. import box_settings, secrets
from ..fields import Bool, Host, StrictSchema, StrictString
from ..mail import config
from ..mail.config import Login, Password
from . import archive, service, sftp, sshkey
from .service import Passphrase

KEY = "backup_schedule"
PASSPHRASE = "backup-passphrase"
SFTP_PASSWORD = "backup-sftp-password"
TARGETS = ("folder", "sftp")
#: After a failed scheduled backup, the next try waits this long (a settings change tries at once).
RETRY_AFTER = 15 * 60.0
#: The fields that say which server and account: changing one forgets the pinned host key.
SERVER_FIELDS = ("sftp_host", "sftp_port")
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
    target: str = "folder"  # folder: `directory` on the box; sftp: the server below
    sftp_host: str = ""
    sftp_port: int = 22
    sftp_user: str = ""
    sftp_auth: str = "key"  # key: the box's own key pair; password: the stored password
    sftp_directory: str = ""  # on the server; "": the account's home folder
    sftp_host_key: str = ""  # the pinned host key's fingerprint ("SHA256:..."); "": trust on first contact
    sftp_host_key_type: str = ""  # its algorithm (asked for first, so a server with several shows the same)

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
    target = StrictString(validate=validate.OneOf(TARGETS))
    sftp_host = Host()
    sftp_port = fields.Integer(strict=True, validate=validate.Range(1, 65535))
    sftp_user = Login()
    sftp_auth = StrictString(validate=validate.OneOf(("key", "password")))
    #: Write-only: absent keeps the stored one, "" removes it.
    sftp_password = Password(load_only=True)
    sftp_directory = StrictString(validate=validate.Length(max=200))
    #: Only "" (forget the pinned key: trust the next one) or a fingerprint the owner read on the server.
    sftp_host_key = StrictString(validate=validate.Regexp(r"^(SHA256:[A-Za-z0-9+/]{43})?$",
                                                          error='must be empty or "SHA256:" and 43 characters'))

    @validates("sftp_directory")
    def _sftp_directory(self, value, **kwargs):
        if any(not ch.isprintable() for ch in value):
            raise ValidationError("must not contain line breaks or control characters")

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
            "sftp_password_set": bool(secrets.read(paths.secrets, SFTP_PASSWORD)),
            "public_key": sshkey.public_line(paths.secrets),
            "folder": str(folder),
            "files": [{"name": p.name, "size": p.stat().st_size,
                       "made": dt.datetime.fromtimestamp(p.stat().st_mtime, dt.timezone.utc)
                       .strftime("%Y-%m-%dT%H:%M:%SZ")} for p in backups(folder)]}


def save(cs, values: dict, secrets_dir: Path) -> Schedule:
    """Store validated values within the change `cs` (the passphrase as a secret)."""
    from ..errors import Invalid

    values = dict(values)
    passphrase = values.pop("passphrase", None)
    password = values.pop("sftp_password", None)
    current = load()
    if any(k in values and values[k] != getattr(current, k) for k in SERVER_FIELDS) \
            and "sftp_host_key" not in values:
        values["sftp_host_key"] = ""  # another server: its key is trusted on first contact again
    if "sftp_host_key" in values and values["sftp_host_key"] != current.sftp_host_key:
        values["sftp_host_key_type"] = ""
    merged = Schedule(**{**current.to_dict(), **values})
    if merged.frequency != "off" and not (passphrase or secrets.read(secrets_dir, PASSPHRASE)):
        raise Invalid("passphrase: scheduled backups need a passphrase", "passphrase")
    if merged.target == "sftp":
        for name in ("sftp_host", "sftp_user"):
            if not getattr(merged, name):
                raise Invalid(f"{name}: an SFTP target needs it", name)
        if merged.sftp_auth == "password" and not (password or (password is None
                                                                and secrets.read(secrets_dir, SFTP_PASSWORD))):
            raise Invalid("sftp_password: signing in with a password needs one", "sftp_password")
    config.write_row(cs, KEY, merged)
    if passphrase:
        secrets.store(secrets_dir, PASSPHRASE, passphrase)
    if password is not None:
        if password:
            secrets.store(secrets_dir, SFTP_PASSWORD, password)
        else:
            secrets.remove(secrets_dir, SFTP_PASSWORD)
    return merged


def pin(host_key: str, key_type: str, actor: str = "backup") -> Schedule:
    """Trust `host_key` for the SFTP target from now on (its first contact)."""
    from ..db import change

    current = load()
    with change(actor, "backup.sftp_host_key", host_key, settled=True) as cs:
        pinned = Schedule(**{**current.to_dict(), "sftp_host_key": host_key, "sftp_host_key_type": key_type})
        config.write_row(cs, KEY, pinned)
    return pinned


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


def newest_in(folder: Path) -> float | None:
    """When the newest backup in a folder was made (None: it holds none)."""
    found = backups(folder)
    return found[0].stat().st_mtime if found else None


def due(now_utc: dt.datetime, timezone: str, schedule: Schedule, newest: float | None,
        failed_at: float | None = None) -> bool:
    """Whether to make a backup now: none made (`newest`) since it was last due, and no
    failed try (`failed_at`) within RETRY_AFTER."""
    start = period_start(now_utc, timezone, schedule)
    if start is None:
        return False
    if failed_at is not None and now_utc.timestamp() - failed_at < RETRY_AFTER:
        return False
    return newest is None or newest < start.timestamp()


def ours(files: list[tuple[str, float]], hostname: str) -> list[tuple[str, float]]:
    """This box's archives among a target's files, newest first."""
    pattern = service.made_here(hostname)
    mine = [(n, t) for n, t in files if pattern.fullmatch(n)]
    return sorted(mine, key=lambda f: (f[1], f[0][:-len(".cbk")]), reverse=True)  # "-1" is the later


def to_prune(files: list[tuple[str, float]], hostname: str, keep: int) -> list[str]:
    """This box's archives beyond the newest `keep`: never anything else in the folder."""
    return [n for n, _ in ours(files, hostname)[keep:]]


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


def sftp_target(schedule: Schedule, secrets_dir: Path) -> sftp.Target:
    password = secrets.read(secrets_dir, SFTP_PASSWORD) if schedule.sftp_auth == "password" else None
    return sftp.Target(schedule.sftp_host, schedule.sftp_port, schedule.sftp_user, schedule.sftp_directory,
                       password=password,
                       key=None if password is not None else sshkey.paramiko_key(secrets_dir),
                       pinned=schedule.sftp_host_key, pinned_type=schedule.sftp_host_key_type)


def connect(schedule: Schedule, secrets_dir: Path, actor: str = "backup") -> sftp.Session:
    """A session on the schedule's SFTP target; its host key pinned if this is the first contact."""
    session = sftp.connect(sftp_target(schedule, secrets_dir))
    if not schedule.sftp_host_key:
        pin(session.fingerprint, session.key_type, actor)
    return session


def test(secrets_dir: Path, actor: str) -> dict:
    """Connect to the SFTP target as a backup would (a failure is a 422 at its field)."""
    from ..errors import Invalid

    schedule = load()
    if not (schedule.sftp_host and schedule.sftp_user):
        raise Invalid("sftp_host: set the server and user first", "sftp_host")
    try:
        with connect(schedule, secrets_dir, actor) as session:
            files = session.files()
            return {"ok": True, "host_key": session.fingerprint, "host_key_type": session.key_type,
                    "pinned_now": not schedule.sftp_host_key,
                    "files": [n for n, _ in ours(files, socket.gethostname())]}
    except sftp.Failure as exc:
        raise Invalid(f"{exc.field}: {exc.message}", exc.field) from None


def run(box, run=service.direct, actor: str = "backup") -> dict:
    """Make the scheduled backup now (its options and passphrase, to its folder or SFTP target).
    A target that fails raises Invalid naming the setting at fault."""
    from ..errors import Invalid

    paths = box.runtime.paths
    schedule = load()
    secret = passphrase(paths.secrets)
    if not secret:
        raise Invalid("passphrase: set the scheduled backups' passphrase first", "passphrase")
    options = archive.Options(voicemail=schedule.voicemail, recordings=schedule.recordings, reports=schedule.reports)
    if schedule.target == "sftp":
        try:
            return _to_sftp(box, schedule, secret, options, run, actor)
        except sftp.Failure as exc:
            raise Invalid(f"{exc.field}: {exc.message}", exc.field) from None
    name, manifest, stream = service.backup(box, secret, options, run=run)
    final, size, removed = write(directory(schedule, paths), name, stream, schedule.keep)
    return {"target": "folder", "file": final.name, "size": size, "schema": manifest["schema"],
            "removed": [p.name for p in removed]}


def _to_sftp(box, schedule: Schedule, secret: str, options, run, actor: str) -> dict:
    made = {}

    def make():
        name, made["manifest"], stream = service.backup(box, secret, options, run=run)
        return name, stream

    with connect(schedule, box.runtime.paths.secrets, actor) as session:
        name, size = session.upload(make)
        removed = to_prune(session.files(), socket.gethostname(), schedule.keep)
        for old in removed:
            session.remove(old)
    return {"target": "sftp", "file": name, "size": size, "schema": made["manifest"]["schema"], "removed": removed}
