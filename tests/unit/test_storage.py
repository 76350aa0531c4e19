"""Bounded storage: log rotation by size and age, the log folder's quota, quota alerts, streamed logs."""

from __future__ import annotations

import dataclasses
import io
import logging
import logging.handlers
import os
import tarfile
from itertools import chain
from pathlib import Path
from types import SimpleNamespace

import pytest

from appliance import box_settings, tarstream
from appliance.events import EventBus
from appliance.settings import Paths
from appliance.storage import quotas, rotation
from appliance.storage.manager import StorageManager

MB = rotation.MB


class RecordingAmi:
    connected = True

    def __init__(self):
        self.commands: list[str] = []

    def command(self, text, timeout=10.0):
        self.commands.append(text)


def _box(tmp_path: Path):
    paths = Paths(data=tmp_path / "data", run=tmp_path / "run", asterisk_etc=tmp_path / "etc")
    paths.asterisk_log.mkdir(parents=True)
    box = SimpleNamespace(runtime=SimpleNamespace(paths=paths), events=EventBus(),
                          pbx=SimpleNamespace(ami=RecordingAmi()))
    manager = StorageManager(box)
    manager.load()
    return box, manager


def _settings(**values):
    return dataclasses.replace(box_settings.BoxSettings(), **values)


def _grow(path: Path, n: int) -> None:
    with open(path, "ab") as f:
        f.write(b"x" * n)


def test_logs_rotate_by_size_keep_n_and_asterisk_reopens_them(tmp_path):
    box, storage = _box(tmp_path)
    logs = box.runtime.paths.asterisk_log
    settings = _settings(log_rotate_mb=1, log_keep=2, log_quota_mb=100)
    _grow(logs / "messages.log", MB - 1)
    assert storage.tend_logs(settings) == [] and box.pbx.ami.commands == []
    for round_ in range(4):
        _grow(logs / "messages.log", MB + round_)
        _grow(logs / "queue_log", 10)
        assert storage.tend_logs(settings) == ["messages.log"]
    assert box.pbx.ami.commands == ["logger reload"] * 4
    assert sorted(p.name for p in logs.iterdir()) == ["messages.log.1", "messages.log.2", "queue_log"]
    # The newest rotated file is .1 (the queue_log reader follows the same numbering).
    assert [(logs / f"messages.log.{n}").stat().st_size for n in (1, 2)] == [MB + 3, MB + 2]
    assert storage.rotations == 4


def test_logs_rotate_by_age_and_empty_logs_never(tmp_path):
    box, storage = _box(tmp_path)
    logs = box.runtime.paths.asterisk_log
    settings = _settings(log_rotate_days=2)
    (logs / "security.log").write_bytes(b"")
    _grow(logs / "queue_log", 100)
    assert storage.tend_logs(settings, now=1000.0) == []
    assert storage.tend_logs(settings, now=1000.0 + 2 * 86400 - 1) == []
    assert storage.tend_logs(settings, now=1000.0 + 2 * 86400) == ["queue_log"]
    assert (logs / "queue_log.1").exists() and not (logs / "security.log.1").exists()


def test_the_console_log_is_copied_and_truncated_under_its_writer(tmp_path):
    box, storage = _box(tmp_path)
    console = box.runtime.paths.asterisk_log / "console.log"
    writer = open(console, "ab")  # as Asterisk's standard output is held
    try:
        writer.write(b"a" * (MB + 5))
        writer.flush()
        assert storage.tend_logs(_settings(log_rotate_mb=1)) == ["console.log"]
        writer.write(b"after")
        writer.flush()
        assert console.read_bytes() == b"after"
        assert (console.parent / "console.log.1").stat().st_size == MB + 5
    finally:
        writer.close()


def test_the_log_folder_stays_under_its_quota_oldest_rotated_files_first(tmp_path):
    box, storage = _box(tmp_path)
    logs = box.runtime.paths.asterisk_log
    settings = _settings(log_rotate_mb=1, log_keep=5, log_quota_mb=5)
    for i in range(12):
        for name in ("messages.log", "security.log"):
            _grow(logs / name, MB + 100)
        storage.tend_logs(settings)
        assert rotation.usage(box.runtime.paths.log) <= 5 * MB, f"over the quota after round {i}"
    names = {p.name for p in logs.iterdir()}
    assert "messages.log" not in names or (logs / "messages.log").stat().st_size == 0
    assert {"messages.log.1", "security.log.1"} <= names  # the newest rotated ones stay
    assert storage.deleted > 0


def test_the_supervisor_log_follows_the_settings(tmp_path):
    box, storage = _box(tmp_path)
    path = box.runtime.paths.log / "supervisor.log"
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=5 * MB, backupCount=4)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        handler.emit(logging.makeLogRecord({"msg": "hello"}))
        storage.tend_logs(_settings(log_rotate_mb=2, log_keep=3, log_rotate_days=1), now=0.0)
        assert (handler.maxBytes, handler.backupCount) == (2 * MB, 3)
        assert storage.tend_logs(_settings(log_rotate_days=1), now=86400.0) == ["supervisor.log"]
        assert (path.parent / "supervisor.log.1").read_text().strip() == "hello"
    finally:
        root.removeHandler(handler)
        handler.close()


def test_quota_states_alert_once_per_change_and_mail_once_a_day(tmp_path, config_db):
    from appliance.mail.outbox import OutgoingMail

    box, storage = _box(tmp_path)
    paths = box.runtime.paths
    sub = box.events.subscribe()
    inbox = paths.voicemail / "default" / "8001" / "INBOX"
    inbox.mkdir(parents=True)
    (inbox / "msg0000.wav").write_bytes(b"x" * (int(9.5 * MB)))
    settings = _settings(voicemail_quota_mb=10, alert_email=("ops@example.com",), language="zh")
    usage = storage.check_quotas(settings)
    assert usage["voicemail"].state == "near" and usage["logs"].state == "ok"
    storage.check_quotas(settings)
    (inbox / "msg0001.wav").write_bytes(b"x" * MB)
    assert storage.check_quotas(settings)["voicemail"].state == "over"
    alerts = [e.data for e in sub.get(0) if e.topic == "alert"]
    assert [(a["store"], a["state"], a["active"]) for a in alerts] == [("voicemail", "near", True),
                                                                       ("voicemail", "over", True)]
    mails = list(OutgoingMail.select().order_by(OutgoingMail.id))
    assert [m.key.rsplit(":", 1)[0] for m in mails] == ["storage:voicemail:near", "storage:voicemail:over"]
    assert "语音留言" in mails[1].subject and "超出配额" in mails[1].subject
    storage.check_quotas(settings)
    assert OutgoingMail.select().count() == 2  # not again the same day
    health = storage.health()["storage"]
    assert health["voicemail"]["state"] == "over" and health["voicemail"]["quota"] == 10 * MB
    (inbox / "msg0001.wav").unlink()
    (inbox / "msg0000.wav").unlink()
    storage.check_quotas(settings)
    assert [e.data["active"] for e in sub.get(0) if e.topic == "alert"] == [False]


def test_a_large_log_streams_in_small_pieces(tmp_path):
    root = tmp_path / "log"
    (root / "asterisk").mkdir(parents=True)
    big = os.urandom(3 * MB + 7)
    (root / "asterisk" / "messages.log").write_bytes(big)
    (root / "supervisor.log").write_text("{}\n")
    pieces = list(tarstream.gzipped(chain(tarstream.tree("logs", root, folders=False), [tarstream.END])))
    assert max(len(p) for p in pieces) <= tarstream.PIECE + 1024 and len(pieces) > 10
    with tarfile.open(fileobj=io.BytesIO(b"".join(pieces)), mode="r:gz") as tar:
        assert sorted(tar.getnames()) == ["logs/asterisk/messages.log", "logs/supervisor.log"]
        assert tar.extractfile("logs/asterisk/messages.log").read() == big


def test_log_and_quota_settings_are_checked(admin):
    for body, field in (({"log_rotate_mb": 0}, "log_rotate_mb"), ({"log_keep": 51}, "log_keep"),
                        ({"log_quota_mb": 4}, "log_quota_mb"), ({"voicemail_quota_mb": "10"}, "voicemail_quota_mb"),
                        ({"alert_email": ["not an address"]}, "alert_email")):
        r = admin.patch("/settings", body)
        assert r.status == 422 and r.json["field"].startswith(field), (body, r)
    r = admin.patch("/settings", {"log_rotate_mb": 5, "log_keep": 3, "alert_email": ["ops@example.com"]})
    assert r.status == 200 and r.json["log_keep"] == 3 and r.json["alert_email"] == ["ops@example.com"]


def test_quota_usage_states():
    assert quotas.Usage("logs", 89, 100).state == "ok"
    assert quotas.Usage("logs", 90, 100).state == "near"
    assert quotas.Usage("logs", 101, 100).state == "over"
    assert quotas.Usage("logs", 50, 100).to_dict() == {"used": 50, "quota": 100, "state": "ok", "percent": 50.0}
