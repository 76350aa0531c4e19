"""/system/backup, /system/restore: the box's data as one encrypted archive, and back."""

from __future__ import annotations

from urllib.parse import unquote

from bottle import HTTPResponse, request

from appliance.backup import archive, schedule, service
from appliance.db import change
from appliance.errors import Invalid
from appliance.fields import validate

from ..offload import offload
from ..plugins import current_user, json_body

PASSPHRASE_HEADER = "Callbox-Passphrase"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class _Body:
    """The request body as a file, read as the archive streams in (never held whole)."""

    def __init__(self, stream, length: int):
        self.stream, self.left = stream, length

    def read(self, n: int = -1) -> bytes:
        if self.left <= 0:
            return b""
        n = self.left if n < 0 else min(n, self.left)
        data = self.stream.read(n)
        self.left -= len(data)
        if not data:
            self.left = 0
        return data

    def drain(self) -> None:
        while self.read(archive.PIECE):
            pass


def _backup_request() -> dict:
    """The JSON body, or the page's form (a form POST lets the browser save the stream to disk)."""
    ctype = (request.content_type or "").split(";")[0].strip().lower()
    if ctype in FORM_TYPES:
        form = request.forms
        data = {"passphrase": form.getunicode("passphrase") or ""}
        for name in ("voicemail", "recordings", "reports"):
            data[name] = form.get(name) in ("1", "on", "true")
        return data
    return json_body()


def install(api, box) -> None:
    @api.post("/system/backup", schema=service.BackupSchema, success="200", produces="application/octet-stream")
    def make_backup():
        """The box's data as one archive, encrypted with the passphrase (scrypt, AES-256-GCM), streamed
        as it is made: the config database, prompts, music, secrets; voicemail (default on), recordings
        and the reports store with received faxes (default off). Also accepts the page's form."""
        values = validate(service.BackupSchema(), _backup_request())
        options = archive.Options(voicemail=values["voicemail"], recordings=values["recordings"],
                                  reports=values["reports"])
        name, manifest, stream = service.backup(box, values["passphrase"], options, run=offload)
        return HTTPResponse(stream, headers={
            "Content-Type": "application/octet-stream",
            "Content-Disposition": f'attachment; filename="{name}"',
            "Callbox-Schema": str(manifest["schema"]),
            "Cache-Control": "no-store"})

    @api.post("/system/restore", body="application/octet-stream", success="200")
    def restore_backup():
        """Restore an archive made by /system/backup: the body is the archive, the passphrase is in the
        Callbox-Passphrase header (percent-encoded UTF-8). The whole archive is checked before anything
        changes (a wrong passphrase or a cut or altered archive is a 422 and changes nothing); an older
        schema is migrated forward; then the data is swapped in and the PBX runs it. Everyone signs in
        again afterwards (with the restored users' passwords)."""
        passphrase = service.check_passphrase(unquote(request.get_header(PASSPHRASE_HEADER, "") or ""))
        length = request.content_length
        if length <= 0:
            raise Invalid("file: send the archive as the request body", "file")
        body = _Body(request.environ["wsgi.input"], length)
        try:
            return service.restore(box, body, passphrase, current_user().username, run=offload)
        except Invalid:
            body.drain()  # the client is still sending: let it finish, so it reads the answer
            raise

    @api.get("/system/backup/schedule")
    def get_schedule():
        """Scheduled backups: frequency (off, daily, weekly), hour and weekday in the box's time zone,
        how many to keep, what they hold, where they go (target "folder": the folder; "sftp": the server,
        port, user, sign-in by the box's key or a password, the folder there, the pinned host key);
        passphrase_set, sftp_password_set, the box's public key (public_key, for the server's
        authorized_keys), the backups in the folder, and the last one made or failed (last)."""
        return {**schedule.public(schedule.load(), box.runtime.paths), "last": _last()}

    @api.put("/system/backup/schedule", schema=schedule.ScheduleSchema)
    def put_schedule():
        """Set scheduled backups. Fields left out keep their value; the passphrase and sftp_password are
        write-only (a schedule that is on needs a passphrase). directory: "" for the box's own backups
        folder, or a folder under /media or /mnt (a disk the owner mounted). An SFTP server's host key is
        pinned on first contact; another host or port forgets it, and sftp_host_key "" trusts the next."""
        values = validate(schedule.ScheduleSchema(), json_body(), partial=True)
        with change(current_user().username, "backup.schedule", ",".join(sorted(values)), settled=True) as cs:
            saved = schedule.save(cs, values, box.runtime.paths.secrets)
        manager = getattr(box, "backup", None)
        if manager is not None and not manager.error:
            manager.wake()
        return {**schedule.public(saved, box.runtime.paths), "last": _last()}

    @api.post("/system/backup/schedule/run", success="200")
    def run_schedule():
        """Make the scheduled backup now, into its folder or to its SFTP target (the box's oldest beyond
        `keep` are deleted there): {"target", "file", "size", "schema", "removed"}. A target that fails is
        a 422 naming the setting at fault, and is shown as the last backup."""
        manager = getattr(box, "backup", None)
        if manager is None or manager.error:
            return schedule.run(box, run=offload, actor=current_user().username)
        return manager.make(run=offload, actor=current_user().username)

    @api.post("/system/backup/sftp/test", success="200")
    def test_sftp():
        """Connect to the SFTP target as a backup would: reach it, check (or on first contact pin) its host
        key, sign in, open the folder. {"ok", "host_key", "host_key_type", "pinned_now", "files"}; a failure
        is a 422 at the setting at fault (sftp_host, sftp_port, sftp_auth, sftp_password, sftp_directory,
        sftp_host_key)."""
        return schedule.test(box.runtime.paths.secrets, current_user().username)

    def _last():
        manager = getattr(box, "backup", None)
        return getattr(manager, "last", None)
