"""Backups: the archive's encryption, what it holds, and restoring it through the API."""

from __future__ import annotations

import io
import os
import sqlite3
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import quote

import pytest

from appliance.backup import archive, crypto, restore
from appliance.db.migrations import MIGRATIONS, migrate
from appliance.settings import Paths

PASS = "correct horse 电池"


def _pieces(data: bytes, size: int = 10_000):
    for i in range(0, len(data), size):
        yield data[i:i + size]


def _seal(data: bytes, passphrase: str = PASS) -> bytes:
    return b"".join(crypto.encrypt(_pieces(data), crypto.Sealing(passphrase)))


def _open(blob: bytes, passphrase: str = PASS) -> bytes:
    dec = crypto.Decryptor(io.BytesIO(blob), passphrase)
    out = dec.read()
    dec.finish()
    return out


def test_an_archive_of_several_chunks_opens_with_its_passphrase():
    data = os.urandom(3 * crypto.CHUNK + 123)
    blob = _seal(data)
    assert data not in blob and _open(blob) == data
    assert _open(_seal(b"")) == b""


def test_wrong_passphrase_cut_or_altered_archives_are_refused():
    data = os.urandom(2 * crypto.CHUNK + 5)
    blob = _seal(data)
    with pytest.raises(crypto.WrongPassphrase):
        _open(blob, "not the passphrase")
    for cut in (len(blob) - 1, len(blob) - 30, crypto.HEADER_SIZE + 4 + crypto.CHUNK + crypto.TAG):
        with pytest.raises(crypto.DamagedArchive):
            _open(blob[:cut])  # the last chunk (marked last) is missing
    altered = bytearray(blob)
    altered[crypto.HEADER_SIZE + 100] ^= 1
    with pytest.raises(crypto.DamagedArchive):
        _open(bytes(altered))
    with pytest.raises(crypto.DamagedArchive):
        _open(blob + b"x")
    first = crypto.HEADER_SIZE
    chunk = 4 + crypto.CHUNK + crypto.TAG
    swapped = (blob[:first] + blob[first + chunk:first + 2 * chunk] + blob[first:first + chunk]
               + blob[first + 2 * chunk:])
    with pytest.raises(crypto.DamagedArchive):
        _open(swapped)
    with pytest.raises(crypto.DamagedArchive):
        _open(b"not an archive at all" * 10)


def _paths(root: Path) -> Paths:
    return Paths(data=root / "data", run=root / "run", asterisk_etc=root / "etc")


def _make_db(path: Path, upto: int) -> None:
    from peewee import SqliteDatabase

    path.parent.mkdir(parents=True, exist_ok=True)
    database = SqliteDatabase(str(path), pragmas={"journal_mode": "wal"})
    with database.connection_context():
        migrate(database, [m for m in MIGRATIONS if m[0] <= upto])
        database.execute_sql("INSERT INTO setting (key, value) VALUES ('marker', '\"kept\"')")
    database.close()


def _archive(paths: Paths, options=archive.Options(), passphrase: str = PASS) -> bytes:
    snap = archive.snapshot(paths, options, archive.Databases(paths.config_db, None), hostname="old-box")
    return b"".join(crypto.encrypt(snap.stream(), crypto.Sealing(passphrase)))


def test_an_archive_from_an_older_schema_is_migrated_forward_when_staged(tmp_path):
    old = _paths(tmp_path / "old")
    _make_db(old.config_db, 5)
    (old.prompts).mkdir(parents=True)
    (old.prompts / "ivr-1.wav").write_bytes(b"RIFF....")
    blob = _archive(old)
    staged = restore.stage(io.BytesIO(blob), PASS, tmp_path / "new")
    try:
        assert (staged.schema_from, staged.schema_to) == (5, MIGRATIONS[-1][0])
        assert staged.manifest["hostname"] == "old-box" and staged.manifest["schema"] == 5
        conn = sqlite3.connect(staged.root / archive.CONFIG_DB)
        assert conn.execute("SELECT value FROM setting WHERE key='marker'").fetchone() == ('"kept"',)
        conn.close()
        assert (staged.root / "prompts" / "ivr-1.wav").read_bytes() == b"RIFF...."
    finally:
        staged.discard()


def test_an_archive_from_newer_software_or_with_foreign_paths_is_refused_and_leaves_nothing(tmp_path):
    old = _paths(tmp_path / "old")
    _make_db(old.config_db, MIGRATIONS[-1][0])
    conn = sqlite3.connect(old.config_db)
    conn.execute("INSERT INTO schema_version (version, description) VALUES (?, 'from the future')",
                 (MIGRATIONS[-1][0] + 1,))
    conn.commit()
    conn.close()
    new = tmp_path / "new"
    new.mkdir()
    with pytest.raises(restore.BadArchive, match="newer software"):
        restore.stage(io.BytesIO(_archive(old)), PASS, new)
    assert list(new.iterdir()) == []

    import tarfile

    tar = io.BytesIO()
    with tarfile.open(fileobj=tar, mode="w") as t:
        manifest = b'{"format": 1, "schema": 1}'
        info = tarfile.TarInfo(archive.MANIFEST)
        info.size = len(manifest)
        t.addfile(info, io.BytesIO(manifest))
        info = tarfile.TarInfo("../escape")
        info.size = 1
        t.addfile(info, io.BytesIO(b"x"))
    blob = b"".join(crypto.encrypt([tar.getvalue()], crypto.Sealing(PASS)))
    with pytest.raises(crypto.DamagedArchive, match="outside"):
        restore.stage(io.BytesIO(blob), PASS, new)
    assert list(new.iterdir()) == [] and not (tmp_path / "escape").exists()


def test_the_ami_secret_stays_with_the_box(tmp_path):
    old = _paths(tmp_path / "old")
    _make_db(old.config_db, MIGRATIONS[-1][0])
    old.secrets.mkdir(parents=True)
    (old.secrets / "ami").write_text("old-ami\n")
    (old.secrets / "mail-password").write_text("relay\n")
    staged = restore.stage(io.BytesIO(_archive(old)), PASS, tmp_path / "new" / "data")
    new = _paths(tmp_path / "new")
    new.secrets.mkdir(parents=True)
    (new.secrets / "ami").write_text("new-ami\n")
    (new.secrets / "stale").write_text("x\n")
    _make_db(new.config_db, MIGRATIONS[-1][0])
    import threading

    replaced = restore.swap_in(staged, new, archive.Databases(new.config_db, None), threading.RLock())
    assert "secrets" in replaced and "config.db" in replaced
    assert sorted(p.name for p in new.secrets.iterdir()) == ["ami", "mail-password"]
    assert (new.secrets / "ami").read_text() == "new-ami\n"
    assert (new.secrets / "mail-password").read_text() == "relay\n"
    assert not staged.root.exists()


# -- through the API, on the unit box --------------------------------------------------------


def _download(admin, **options) -> bytes:
    r = admin.post("/system/backup", {"passphrase": PASS, **options})
    assert r.status == 200, r
    assert r.headers["Content-Type"] == "application/octet-stream"
    assert r.headers["Content-Disposition"].startswith('attachment; filename="callbox-')
    return r.body


def _restore(admin, blob: bytes, passphrase: str = PASS):
    return admin.request("POST", "/system/restore", raw=blob, content_type="application/octet-stream",
                         headers={"Callbox-Passphrase": quote(passphrase)}, timeout=60)


def test_backup_and_restore_through_the_api(admin):
    paths = admin.box.runtime.paths
    created = admin.post("/extensions", {"number": "8001", "name": "Alice"}).json
    mailbox = paths.voicemail / "default" / "8001" / "INBOX"
    mailbox.mkdir(parents=True)
    (mailbox / "msg0000.txt").write_text("[message]\ncallerid=8002\n")
    (mailbox / "msg0000.wav").write_bytes(b"RIFF" + os.urandom(2000))
    paths.prompts.mkdir(parents=True, exist_ok=True)
    (paths.prompts / "welcome.wav").write_bytes(b"RIFF-welcome")
    paths.ticket_audio.mkdir(parents=True, exist_ok=True)
    (paths.ticket_audio / "2026-000001.wav").write_bytes(b"RIFF-complaint")
    blob = _download(admin)
    assert b"8001" not in blob and b"RIFF" not in blob  # encrypted, not merely packed

    # Changes after the backup, which the restore takes back.
    assert admin.delete("/extensions/8001").status == 204
    (mailbox / "msg0000.wav").unlink()
    (paths.prompts / "welcome.wav").write_bytes(b"RIFF-changed")
    (paths.prompts / "later.wav").write_bytes(b"RIFF-later")
    (paths.ticket_audio / "2026-000001.wav").unlink()

    def state():
        files = sorted(str(p.relative_to(paths.data)) for p in paths.data.rglob("*") if p.is_file()
                       and "log" not in p.parts)
        return admin.get("/extensions").json, files, (paths.prompts / "welcome.wav").read_bytes()

    before = state()
    r = _restore(admin, blob, "wrong passphrase")
    assert r.status == 422 and r.json["field"] == "passphrase", r
    r = _restore(admin, blob[:len(blob) // 2])
    assert r.status == 422 and r.json["field"] == "file" and "cut short" in r.json["error"], r
    r = _restore(admin, blob[:-1] + bytes([blob[-1] ^ 1]))
    assert r.status == 422 and r.json["field"] == "file", r
    # Refused before the body is read: a body that fits the socket's buffers, so that the test
    # server closing on the answer does not break the client's send.
    r = admin.request("POST", "/system/restore", raw=blob[:1024], content_type="application/octet-stream",
                      headers={"Callbox-Passphrase": "short"})
    assert r.status == 422 and r.json["field"] == "passphrase"
    assert state() == before, "a refused restore changed the box"

    r = _restore(admin, blob)
    assert r.status == 200, r
    doc = r.json
    assert doc["applied"] is True and "config.db" in doc["restored"] and "voicemail" in doc["restored"]
    # The restored database has no sessions: everyone signs in again.
    assert admin.get("/extensions").status == 401
    admin.sign_in("Unit-Test-Pass-99")
    ext = admin.get("/extensions/8001").json
    assert ext["secret"] == created["secret"] and ext["name"] == "Alice"
    assert (mailbox / "msg0000.wav").exists()
    assert (paths.prompts / "welcome.wav").read_bytes() == b"RIFF-welcome"
    assert not (paths.prompts / "later.wav").exists()
    assert (paths.ticket_audio / "2026-000001.wav").read_bytes() == b"RIFF-complaint"  # with the tickets
    # The PBX runs it: the restored endpoint is in the config Asterisk has loaded.
    assert "8001" in admin.box.pbx.asterisk.endpoints()
    audit = admin.get("/audit").json["items"][0]
    assert audit["action"] == "system.restore" and audit["status"] == "applied"


def test_backup_options_and_bad_requests(admin):
    paths = admin.box.runtime.paths
    (paths.voicemail / "default" / "8001" / "INBOX").mkdir(parents=True)
    (paths.voicemail / "default" / "8001" / "INBOX" / "msg0000.wav").write_bytes(b"RIFF")
    paths.recordings.mkdir(parents=True, exist_ok=True)
    (paths.recordings / "call.wav").write_bytes(b"RIFF")

    def names(blob):
        import tarfile

        dec = crypto.Decryptor(io.BytesIO(blob), PASS)
        with tarfile.open(fileobj=dec, mode="r|") as tar:
            return {m.name for m in tar}

    plain = names(_download(admin, voicemail=False))
    assert "config.db" in plain and "voicemail" not in plain and "recordings" not in plain
    full = names(_download(admin, recordings=True, reports=True))
    assert {"voicemail/default/8001/INBOX/msg0000.wav", "recordings/call.wav", "reports.db"} <= full
    for body, field in (({"passphrase": "short"}, "passphrase"), ({}, "passphrase"),
                        ({"passphrase": PASS, "voicemail": "yes"}, "voicemail"),
                        ({"passphrase": PASS, "extra": 1}, "extra")):
        r = admin.post("/system/backup", body)
        assert r.status == 422 and r.json["field"] == field, (body, r)
    assert not list((paths.data / ".backup-tmp").iterdir())


# -- scheduled backups -------------------------------------------------------------------------


def test_a_scheduled_backup_is_due_from_its_hour_once_per_period():
    import datetime as dt

    from appliance.backup import schedule

    daily = schedule.Schedule(frequency="daily", hour=2)
    at = dt.datetime(2026, 12, 9, 17, 30, tzinfo=dt.timezone.utc)  # 01:30 on the 10th in Shanghai
    assert schedule.period_start(at, "Asia/Shanghai", daily).isoformat() == "2026-12-09T02:00:00+08:00"
    later = at + dt.timedelta(hours=1)
    assert schedule.period_start(later, "Asia/Shanghai", daily).isoformat() == "2026-12-10T02:00:00+08:00"
    weekly = schedule.Schedule(frequency="weekly", hour=2, weekday=0)  # Mondays; the 10th is a Thursday
    assert schedule.period_start(later, "Asia/Shanghai", weekly).isoformat() == "2026-12-07T02:00:00+08:00"
    assert schedule.period_start(later, "UTC", schedule.Schedule()) is None


def test_scheduled_backups_keep_the_newest_and_never_a_partial_file(tmp_path):
    import datetime as dt

    from appliance.backup import schedule

    folder = tmp_path / "backups"
    plan = schedule.Schedule(frequency="daily", hour=0)
    now = dt.datetime.now(dt.timezone.utc)
    assert schedule.due(now, "UTC", plan, schedule.newest_in(folder))
    for i in range(3):
        final, size, removed = schedule.write(folder, "callbox-box-20261206-000000.cbk", [b"x" * 10, b"y"], keep=2)
        assert size == 11 and (i < 2) == (removed == [])
    assert sorted(p.name for p in folder.iterdir()) == ["callbox-box-20261206-000000-1.cbk",
                                                        "callbox-box-20261206-000000-2.cbk"]
    assert not schedule.due(now, "UTC", plan, schedule.newest_in(folder))

    def broken():
        yield b"start"
        raise OSError("disk full")

    with pytest.raises(OSError):
        schedule.write(folder, "callbox-box-20261206-000001.cbk", broken(), keep=2)
    assert len(list(folder.iterdir())) == 2


def test_backup_schedule_through_the_api(admin):
    paths = admin.box.runtime.paths
    r = admin.get("/system/backup/schedule")
    assert r.status == 200 and r.json["frequency"] == "off" and r.json["passphrase_set"] is False
    for body, field in (({"frequency": "daily"}, "passphrase"), ({"directory": "/etc"}, "directory"),
                        ({"directory": "/mnt/../etc"}, "directory"), ({"directory": "relative"}, "directory"),
                        ({"keep": 0}, "keep"), ({"frequency": "hourly"}, "frequency"),
                        ({"passphrase": "short"}, "passphrase")):
        r = admin.put("/system/backup/schedule", body)
        assert r.status == 422 and r.json["field"] == field, (body, r)
    assert admin.post("/system/backup/schedule/run").status == 422  # no passphrase yet
    r = admin.put("/system/backup/schedule", {"frequency": "weekly", "hour": 3, "keep": 2, "passphrase": PASS})
    assert r.status == 200 and r.json["passphrase_set"] is True and "passphrase" not in r.json
    assert r.json["folder"] == str(paths.data / "backups") and r.json["files"] == []
    made = [admin.post("/system/backup/schedule/run").json for _ in range(3)]
    assert made[2]["removed"] == [made[0]["file"]]
    files = admin.get("/system/backup/schedule").json["files"]
    assert [f["name"] for f in files] == [made[2]["file"], made[1]["file"]]
    with open(paths.data / "backups" / made[2]["file"], "rb") as f:
        assert b"config.db" in _open(f.read())


def test_a_failed_scheduled_backup_waits_before_the_next_try():
    import datetime as dt

    from appliance.backup import schedule

    plan = schedule.Schedule(frequency="daily", hour=2, target="sftp")
    now = dt.datetime(2026, 12, 9, 3, 0, tzinfo=dt.timezone.utc)
    made_before = (now - dt.timedelta(hours=2)).timestamp()  # at 01:00, before today's 02:00
    assert schedule.due(now, "UTC", plan, made_before)
    assert not schedule.due(now, "UTC", plan, (now - dt.timedelta(minutes=30)).timestamp())
    failed = now.timestamp() - 60
    assert not schedule.due(now, "UTC", plan, made_before, failed_at=failed)
    later = now + dt.timedelta(seconds=schedule.RETRY_AFTER)
    assert schedule.due(later, "UTC", plan, made_before, failed_at=failed)
    assert not schedule.due(now, "UTC", schedule.Schedule(target="sftp"), None)  # off


def test_only_this_boxs_archives_beyond_keep_are_pruned_on_a_target():
    from appliance.backup import schedule

    files = [("callbox-box-20261201-020000.cbk", 100.0), ("callbox-box-20261202-020000.cbk", 200.0),
             ("callbox-box-20261203-020000.cbk", 300.0), ("callbox-box-20261203-020000-1.cbk", 300.0),
             ("callbox-box-2-20261130-020000.cbk", 50.0),  # another box whose name starts alike
             ("callbox-other-20261101-020000.cbk", 10.0), ("notes.txt", 1.0), ("callbox-box-latest.cbk", 0.0),
             (".callbox-partial-0a1b2c", 5.0)]
    assert [n for n, _ in schedule.ours(files, "box")] == [
        "callbox-box-20261203-020000-1.cbk", "callbox-box-20261203-020000.cbk",
        "callbox-box-20261202-020000.cbk", "callbox-box-20261201-020000.cbk"]
    assert schedule.to_prune(files, "box", 2) == ["callbox-box-20261202-020000.cbk", "callbox-box-20261201-020000.cbk"]
    assert schedule.to_prune(files, "box", 10) == []
    assert schedule.to_prune(files, "box-2", 0) == ["callbox-box-2-20261130-020000.cbk"]


def test_sftp_settings_are_checked_and_another_server_forgets_the_pinned_key(admin):
    paths = admin.box.runtime.paths
    base = {"target": "sftp", "sftp_host": "192.0.2.10", "sftp_user": "backup", "passphrase": PASS}
    for body, field in (({**base, "sftp_port": 0}, "sftp_port"), ({**base, "sftp_port": 65536}, "sftp_port"),
                        ({**base, "sftp_port": "22"}, "sftp_port"), ({**base, "sftp_host": "bad host"}, "sftp_host"),
                        ({**base, "sftp_host": "x;rm"}, "sftp_host"), ({**base, "sftp_user": "a b"}, "sftp_user"),
                        ({**base, "sftp_directory": "in\nside"}, "sftp_directory"),
                        ({**base, "sftp_auth": "agent"}, "sftp_auth"),
                        ({**base, "sftp_auth": "password"}, "sftp_password"),
                        ({**base, "sftp_host_key": "MD5:aa"}, "sftp_host_key"),
                        ({**base, "target": "ftp"}, "target"),
                        ({"target": "sftp", "sftp_host": "", "passphrase": PASS}, "sftp_host"),
                        ({"target": "sftp", "sftp_host": "192.0.2.10", "passphrase": PASS}, "sftp_user")):
        r = admin.put("/system/backup/schedule", body)
        assert r.status == 422 and r.json["field"] == field, (body, r.json)
    assert admin.get("/system/backup/schedule").json["target"] == "folder"  # nothing stored
    key = "SHA256:" + "A" * 43
    r = admin.put("/system/backup/schedule", {**base, "sftp_host_key": key, "sftp_auth": "password",
                                              "sftp_password": "pw 密码"})
    doc = r.json
    assert r.status == 200 and doc["sftp_host_key"] == key and doc["sftp_password_set"], doc
    assert "sftp_password" not in doc and doc["public_key"].startswith("ssh-ed25519 AAAA")
    assert (paths.secrets / "backup-sftp-password").read_text().strip() == "pw 密码"
    assert admin.put("/system/backup/schedule", {"sftp_user": "other"}).json["sftp_host_key"] == key
    assert admin.put("/system/backup/schedule", {"sftp_port": 2222}).json["sftp_host_key"] == ""
    # The key pair is made once and kept.
    assert admin.get("/system/backup/schedule").json["public_key"] == doc["public_key"]
    r = admin.put("/system/backup/schedule", {"sftp_password": ""})
    assert r.status == 422 and r.json["field"] == "sftp_password"  # password sign-in needs one
    assert admin.put("/system/backup/schedule", {"sftp_auth": "key", "sftp_password": ""}).json[
        "sftp_password_set"] is False


def test_an_unreachable_sftp_target_is_a_422_at_its_field_and_shown_as_the_last_backup(admin):
    import socket

    with socket.socket() as s:  # a port on loopback where nothing listens
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    r = admin.put("/system/backup/schedule", {"target": "sftp", "sftp_host": "127.0.0.1", "sftp_port": port,
                                              "sftp_user": "backup", "passphrase": PASS})
    assert r.status == 200, r.json
    r = admin.post("/system/backup/sftp/test")
    assert r.status == 422 and r.json["field"] == "sftp_port" and "refused" in r.json["error"], r.json
    r = admin.post("/system/backup/schedule/run")
    assert r.status == 422 and r.json["field"] == "sftp_port", r.json
    assert not list((admin.box.runtime.paths.data / ".backup-tmp").glob("*"))  # no copy left behind


def test_a_backup_reaches_an_sftp_server_that_signs_in_by_password(admin, tmp_path):
    """paramiko's server side on loopback knows one user and password (sshd would check the host's
    accounts): the password set on the page is what signs the box in, and the archive arrives whole."""
    from tests.sftppassword import PasswordSftpServer

    root = tmp_path / "sftp" / "files"
    (root / "backups").mkdir(parents=True)
    server = PasswordSftpServer(root, "backup", "the password 口令")
    try:
        base = {"target": "sftp", "sftp_host": "127.0.0.1", "sftp_port": server.port, "sftp_user": "backup",
                "sftp_auth": "password", "sftp_directory": "backups", "passphrase": PASS, "keep": 1}
        assert admin.put("/system/backup/schedule", {**base, "sftp_password": "wrong"}).status == 200
        r = admin.post("/system/backup/sftp/test")
        assert r.status == 422 and r.json["field"] == "sftp_password", r.json
        assert admin.put("/system/backup/schedule", {"sftp_password": "the password 口令"}).status == 200
        r = admin.post("/system/backup/sftp/test")
        assert r.status == 200 and r.json["pinned_now"] and r.json["files"] == [], r.json
        made = [admin.post("/system/backup/schedule/run").json for _ in range(2)]
        assert made[1]["removed"] == [made[0]["file"]], made
        arrived, = (root / "backups").iterdir()
        assert arrived.name == made[1]["file"] and arrived.stat().st_size == made[1]["size"]
        assert b"config.db" in _open(arrived.read_bytes())
    finally:
        server.close()
