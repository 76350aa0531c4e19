"""Mailbox greetings: upload WAV or MP3 (converted by sox), play back, reset."""

from __future__ import annotations

import io
import shutil
import subprocess
import wave

import pytest

from appliance.voicemail import greetings

pytestmark = pytest.mark.skipif(shutil.which("sox") is None, reason="sox converts uploads")


def sox_tone(tmp_path, suffix: str, rate: int = 44100, seconds: float = 1.5) -> bytes:
    out = tmp_path / f"tone{suffix}"
    subprocess.run(["sox", "-n", "-r", str(rate), "-c", "2", str(out), "synth", str(seconds), "sine", "440"],
                   check=True, capture_output=True)
    return out.read_bytes()


@pytest.fixture
def mailbox(admin):
    assert admin.post("/extensions", {"number": "8001", "name": "Alice"}).status == 201
    return admin.box.runtime.paths.voicemail / "default" / "8001"


def test_upload_wav_becomes_the_file_asterisk_plays(admin, mailbox, tmp_path):
    assert admin.get("/extensions/8001/greetings").json == {
        "greetings": {"unavail": False, "busy": False, "greet": False}}
    r = admin.put("/extensions/8001/greetings/unavail", raw=sox_tone(tmp_path, ".wav"), content_type="audio/wav")
    assert r.status == 200, r
    assert 1.4 <= r.json["seconds"] <= 1.6
    assert r.json["greetings"] == {"unavail": True, "busy": False, "greet": False}
    with wave.open(str(mailbox / "unavail.wav")) as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (8000, 1, 2)
    played = admin.get("/extensions/8001/greetings/unavail")
    assert played.status == 200 and played.headers["Content-Type"].startswith("audio/wav")
    with wave.open(io.BytesIO(played.body)) as w:
        assert w.getframerate() == 8000
    assert [p.name for p in mailbox.iterdir()] == ["unavail.wav"]  # no temporary file left


def test_upload_mp3_and_replace_a_recording_in_another_format(admin, mailbox, tmp_path):
    mailbox.mkdir(parents=True)
    (mailbox / "busy.gsm").write_bytes(b"an older greeting recorded on a phone")
    assert admin.get("/extensions/8001/greetings").json["greetings"]["busy"] is True
    r = admin.put("/extensions/8001/greetings/busy", raw=sox_tone(tmp_path, ".mp3"), content_type="audio/mpeg")
    assert r.status == 200, r
    assert sorted(p.name for p in mailbox.iterdir()) == ["busy.wav"]


def test_reset_deletes_the_own_greeting(admin, mailbox, tmp_path):
    admin.put("/extensions/8001/greetings/greet", raw=sox_tone(tmp_path, ".wav"), content_type="audio/wav")
    (mailbox / "greet.gsm").write_bytes(b"x")
    r = admin.delete("/extensions/8001/greetings/greet")
    assert r.status == 204
    assert not (mailbox / "greet.wav").exists() and not (mailbox / "greet.gsm").exists()
    assert admin.get("/extensions/8001/greetings/greet").status == 404
    assert admin.delete("/extensions/8001/greetings/greet").status == 204  # already the stock prompt


def test_bad_uploads_are_refused_and_change_nothing(admin, mailbox, tmp_path):
    r = admin.put("/extensions/8001/greetings/unavail", raw=b"not audio at all", content_type="audio/wav")
    assert r.status == 422 and r.json["field"] == "file" and "not a WAV or MP3" in r.json["error"]
    r = admin.put("/extensions/8001/greetings/unavail", raw=b"RIFF\x24\x00\x00\x00WAVEfmt broken",
                  content_type="audio/wav")
    assert r.status == 422 and r.json["field"] == "file"
    assert not (mailbox / "unavail.wav").exists()
    r = admin.put("/extensions/8001/greetings/temp", raw=sox_tone(tmp_path, ".wav"), content_type="audio/wav")
    assert r.status == 404
    assert admin.put("/extensions/9999/greetings/unavail", raw=b"x").status == 404


def test_files_go_to_the_asterisk_user_when_there_is_one(tmp_path, monkeypatch):
    import os
    import pwd

    me = pwd.getpwuid(os.getuid())
    calls = []
    monkeypatch.setattr(os, "chown", lambda path, uid, gid: calls.append((str(path), uid, gid)))
    root = tmp_path / "voicemail"
    greetings.save(root, "8001", "unavail", sox_tone(tmp_path, ".wav"), owner=me.pw_name)
    assert calls == [(str(p), me.pw_uid, me.pw_gid) for p in
                     (root, root / "default", root / "default" / "8001", root / "default" / "8001" / "unavail.wav")]
    calls.clear()
    greetings.save(root, "8001", "busy", sox_tone(tmp_path, ".wav"), owner="no-such-user-here")
    assert calls == []
    assert (root / "default" / "8001" / "busy.wav").is_file()
