"""Backups and bounded logs on real boxes: a backup from one box restored on a fresh one.

The phone that registered on the first box registers on the second with the secret it
always had and hears the message that was left in its mailbox before the backup. Archives
with a wrong passphrase or cut short are refused by the fresh box, which stays as it was.
"""

from __future__ import annotations

import secrets as _secrets
import time
from urllib.parse import quote

import pytest

from tests.api import Api
from tests.audio import write_tone
from tests.integration.conftest import ADMIN_PASSWORD, start_box, stop_box
from tests.integration.test_phones import MESSAGE_HZ, leave_voicemail, listen_to_voicemail, wait_messages

PASSPHRASE = "backup passphrase 备份"
#: Failed SIP guesses a second in the flood: five times what password crackers were seen sending.
RATE = 1000
FRESH_PASSWORD = "Fresh-Box-Pass-31"


@pytest.fixture(scope="module")
def tones(tmp_path_factory):
    return {"message": write_tone(tmp_path_factory.mktemp("tones") / "message.wav", MESSAGE_HZ, 3.0)}


@pytest.fixture(scope="module")
def fresh():
    """A second box, new from the factory, in the same module."""
    name = f"t-{_secrets.token_hex(4)}"
    instance = start_box(name)
    try:
        yield instance
    finally:
        stop_box(name)


def restore(api: Api, blob: bytes, passphrase: str = PASSPHRASE):
    return api.request("POST", "/system/restore", raw=blob, content_type="application/octet-stream",
                       headers={"Callbox-Passphrase": quote(passphrase)}, timeout=120)


def test_restore_on_a_fresh_box_keeps_phones_and_voicemail(api, sip, box, fresh, tones, tmp_path):
    exts = {}
    for number, name in (("8001", "Alice"), ("8002", "Bob")):
        r = api.post("/extensions", {"number": number, "name": name})
        assert r.status == 201, r
        exts[number] = r.json
    alice = sip.phone("8001", exts["8001"]["secret"], box.sip).register()
    bob = sip.phone("8002", exts["8002"]["secret"], box.sip).register()
    leave_voicemail(sip, alice, bob, "8002", tones["message"], busy=True)
    left = wait_messages(api, "8002", 1, "INBOX")[0]

    r = api.post("/system/backup", {"passphrase": PASSPHRASE, "voicemail": True}, timeout=120)
    assert r.status == 200, r
    blob = r.body
    assert r.headers["Content-Disposition"].endswith('.cbk"') and b"msg0000" not in blob

    new = Api(fresh.url).sign_in(FRESH_PASSWORD)
    spool = "/data/asterisk/spool/voicemail/default"

    def fresh_state():
        files = fresh.exec("sh", "-c", "find /data/asterisk/spool /data/prompts /data/moh /data/secrets -type f"
                           " 2>/dev/null | sort | xargs -r sha256sum")
        return new.get("/extensions").json, files

    before = fresh_state()
    r = restore(new, blob, "not the passphrase")
    assert r.status == 422 and r.json["field"] == "passphrase", r
    r = restore(new, blob[: len(blob) * 2 // 3])
    assert r.status == 422 and r.json["field"] == "file" and "cut short" in r.json["error"], r
    assert fresh_state() == before, "a refused restore changed the fresh box"
    assert new.get("/extensions").status == 200, "a refused restore signed the administrator out"

    r = restore(new, blob)
    assert r.status == 200, r
    assert r.json["applied"] is True and "voicemail" in r.json["restored"], r.json
    # The old box's administrator and password came with the data; the fresh box's did not.
    assert new.get("/extensions").status == 401
    assert Api(fresh.url).post("/auth/login", {"username": "admin", "password": FRESH_PASSWORD}).status == 401
    restored = Api(fresh.url).sign_in(ADMIN_PASSWORD)
    assert restored.get("/extensions/8002").json["secret"] == exts["8002"]["secret"]
    assert "msg0000.wav" in fresh.exec("ls", f"{spool}/8002/INBOX")
    message = wait_messages(restored, "8002", 1, "INBOX")[0]
    assert (message["caller_number"], message["duration"]) == (left["caller_number"], left["duration"])

    from tests.phones import SipStack

    stack = SipStack(fresh.host_ip, tmp_path)
    try:
        # The same phone (its number and the secret it always had) on the restored box.
        phone = stack.phone("8002", exts["8002"]["secret"], fresh.sip).register(timeout=10)
        fresh.wait_health(lambda h: h["phones_registered"] >= 1, 10, "the restored box to see the phone")
        listen_to_voicemail(stack, phone, "#8", exts["8002"]["voicemail_pin"])
        wait_messages(restored, "8002", 1, "Old")
    finally:
        stack.close()


def test_log_rotation_keeps_the_log_folder_under_its_limit_during_a_flood(api, box):
    """Failed SIP guesses (each a line in Asterisk's messages and security logs) from an address the
    ban engine is told to spare, faster than the box rotates: the log folder stays under its quota."""
    from appliance.storage.rotation import usage
    from tests.sipattack import SipClient

    r = api.post("/extensions", {"number": "8101", "name": "Flooded"})
    assert r.status == 201, r
    assert api.put("/security/settings", {"allow": [box.host_ip]}).status == 200
    quota = 5 * 2**20
    assert api.patch("/settings", {"log_rotate_mb": 1, "log_keep": 2, "log_quota_mb": 5}).status == 200
    log_dir = box.data / "log"

    def used() -> int:
        return usage(log_dir)

    def rotations() -> int:
        return ((box.health().get("storage") or {}).get("logs") or {}).get("rotations", 0)

    client = SipClient(box.host_ip, box.sip)
    try:
        challenge = client.challenge("8101")
        assert challenge is not None
        start_rotations, peak, sent = rotations(), 0, 0
        deadline = time.monotonic() + 120
        # Until more has been written than the quota holds (each rotation is a 1 MB file).
        while rotations() - start_rotations < 8:
            assert time.monotonic() < deadline, f"only {rotations() - start_rotations} rotations after {sent} guesses"
            burst = time.monotonic()
            for _ in range(RATE // 10):
                client.send("REGISTER", "8101", client.authorization("8101", f"guess-{sent}", challenge))
                sent += 1
            client.drain()
            time.sleep(max(0.0, burst + 0.1 - time.monotonic()))
            now_used = used()
            if now_used > peak:
                peak = now_used
                peak_files = sorted((str(p.relative_to(log_dir)), p.stat().st_size) for p in log_dir.rglob("*")
                                    if p.is_file())
    finally:
        client.close()
    elapsed = time.monotonic() - (deadline - 120)
    # What lands between two of the box's checks (a quarter of a second) comes on top.
    assert peak <= quota + 2**20, (f"the log folder reached {peak} bytes (quota {quota}) with {sent} guesses"
                                   f" in {elapsed:.1f} s: {peak_files}")
    print(f"log flood: {sent} guesses in {elapsed:.1f} s, peak {peak} bytes (quota {quota})")
    names = {p.name for p in (log_dir / "asterisk").iterdir()}
    assert "messages.log.1" in names and "messages.log.3" not in names, names
    assert "messages.log" in names or box.asterisk("core show uptime")  # Asterisk reopened it
    assert api.get("/health").json["storage"]["logs"]["used"] <= quota + 2**20


def test_a_scheduled_backup_is_made_at_its_hour_into_the_box_folder(api, box):
    """A daily backup due from this hour (the box's time zone is UTC) is made at once, complete,
    and opens with the schedule's passphrase."""
    import tarfile

    from appliance.backup.crypto import Decryptor

    hour = time.gmtime().tm_hour
    r = api.put("/system/backup/schedule", {"frequency": "daily", "hour": hour, "keep": 2, "passphrase": PASSPHRASE,
                                            "voicemail": True, "target": "folder"})
    assert r.status == 200 and r.json["passphrase_set"], r
    folder = box.data / "backups"
    deadline = time.monotonic() + 60
    while not (folder.is_dir() and [p for p in folder.iterdir() if p.suffix == ".cbk"]):
        assert time.monotonic() < deadline, "no scheduled backup was made"
        time.sleep(0.2)
    made, = [p for p in folder.iterdir() if p.suffix == ".cbk"]
    with open(made, "rb") as f:
        dec = Decryptor(f, PASSPHRASE)
        with tarfile.open(fileobj=dec, mode="r|") as tar:
            names = {m.name for m in tar}
        dec.finish()
    assert {"manifest.json", "config.db", "voicemail", "secrets"} <= names
    doc = api.get("/system/backup/schedule").json
    assert [f["name"] for f in doc["files"]] == [made.name]
    assert api.get("/health").json["backup"]["last"]["file"] == made.name


def _archive_names(blob_file, passphrase: str = PASSPHRASE) -> tuple[set, bytes]:
    """What an archive holds, and its config database, opened with the passphrase."""
    import tarfile

    from appliance.backup.crypto import Decryptor

    with open(blob_file, "rb") as f:
        dec = Decryptor(f, passphrase)
        names, config = set(), b""
        with tarfile.open(fileobj=dec, mode="r|") as tar:
            for member in tar:
                names.add(member.name)
                if member.name == "config.db":
                    config = tar.extractfile(member).read()
        dec.finish()
    return names, config


def test_scheduled_backups_to_an_sftp_server(api, box, tmp_path):
    """A real sshd on the host's end of the box's link, signing the box in with the box's own key:
    bad settings are refused at their field, the host key is pinned on first contact, the scheduled
    backup arrives and opens with the passphrase, keep-last-N prunes only this box's archives, and a
    re-keyed server is refused and shown as a failed backup."""
    import sqlite3

    from tests.sftpserver import SftpServer

    assert api.put("/system/backup/schedule", {"frequency": "off", "target": "folder"}).status == 200
    server = SftpServer(box.host_ip, tmp_path / "sshd")
    doc = api.get("/system/backup/schedule").json
    assert doc["public_key"].startswith("ssh-ed25519 ")
    server.authorize(doc["public_key"])
    folder = server.root / "backups"
    folder.mkdir()
    (folder / "notes.txt").write_text("the owner's, not a backup")
    foreign = folder / "callbox-otherbox-20260101-020000.cbk"
    foreign.write_bytes(b"another box's backup")
    base = {"target": "sftp", "sftp_host": box.host_ip, "sftp_user": "root", "sftp_auth": "key",
            "sftp_directory": str(folder), "keep": 2, "passphrase": PASSPHRASE, "voicemail": False}
    with server:
        base["sftp_port"] = server.port
        r = api.put("/system/backup/schedule", {**base, "sftp_port": 70000})
        assert r.status == 422 and r.json["field"] == "sftp_port", r.json

        def refused(changes: dict, field: str, words: str) -> None:
            assert api.put("/system/backup/schedule", {**base, **changes}).status == 200
            r = api.post("/system/backup/sftp/test", timeout=60)
            assert r.status == 422 and r.json["field"] == field and words in r.json["error"], (changes, r.json)

        refused({"sftp_directory": str(folder / "missing")}, "sftp_directory", "does not exist")
        refused({"sftp_auth": "password", "sftp_password": "not-the-password"}, "sftp_password", "refused")
        refused({"sftp_host": "backup-server.invalid"}, "sftp_host", "does not resolve")
        assert api.get("/system/backup/schedule").json["sftp_host_key"] == ""  # nothing pinned on failures

        r = api.put("/system/backup/schedule", base)
        assert r.status == 200, r.json
        r = api.post("/system/backup/sftp/test", timeout=60)
        assert r.status == 200 and r.json["pinned_now"] and r.json["host_key"] == server.fingerprint, r.json
        assert api.get("/system/backup/schedule").json["sftp_host_key"] == server.fingerprint

        # Due from this hour (the box's time zone is UTC): the manager makes it by itself.
        r = api.put("/system/backup/schedule", {"frequency": "daily", "hour": time.gmtime().tm_hour})
        assert r.status == 200, r.json
        deadline = time.monotonic() + 60
        def ours():
            return [p for p in folder.glob("callbox-*.cbk") if p != foreign]

        while not ours():
            assert time.monotonic() < deadline, f"no backup arrived: {box.health().get('backup')}"
            time.sleep(0.2)
        first, = ours()
        last = box.wait_health(lambda h: (h.get("backup") or {}).get("last", {}).get("file") == first.name, 30,
                               "the scheduled backup's record")["backup"]["last"]
        assert last["ok"] and last["target"] == "sftp" and last["size"] == first.stat().st_size > 0, last
        names, config = _archive_names(first)
        assert {"manifest.json", "config.db", "secrets"} <= names and "voicemail" not in names, names
        copy = tmp_path / "config.db"
        copy.write_bytes(config)
        with sqlite3.connect(copy) as db:
            assert db.execute("SELECT value FROM setting WHERE key = 'backup_schedule'").fetchone()

        made = [api.post("/system/backup/schedule/run", timeout=120) for _ in range(2)]
        assert all(r.status == 200 for r in made), [r.json for r in made]
        assert made[1].json["removed"] == [first.name], made[1].json
        kept = sorted(p.name for p in folder.iterdir())
        assert kept == sorted([made[0].json["file"], made[1].json["file"], "notes.txt", foreign.name]), kept

        server.stop()
        server.start(new_host_key=True)  # the same address and port, another host key
        r = api.post("/system/backup/sftp/test", timeout=60)
        assert r.status == 422 and r.json["field"] == "sftp_host_key" and "changed" in r.json["error"], r.json
        r = api.post("/system/backup/schedule/run", timeout=60)
        assert r.status == 422 and r.json["field"] == "sftp_host_key", r.json
        assert sorted(p.name for p in folder.iterdir()) == kept
        assert api.get("/health").json["backup"]["last"]["ok"] is False  # the dashboard's alert
        last = api.get("/system/backup/schedule").json["last"]
        assert not last["ok"] and last["field"] == "sftp_host_key" and "host key has changed" in last["error"], last
    assert api.put("/system/backup/schedule", {"frequency": "off", "target": "folder"}).status == 200
