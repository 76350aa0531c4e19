"""Reading Asterisk's voicemail spool."""

from __future__ import annotations

import datetime as dt

from appliance.voicemail.spool import find, messages, parse_callerid, prune

INFO = """;
; Message Information file
;
[message]
origmailbox=8002
context=callbox-dial-extension
exten=NOANSWER
callerchan=PJSIP/8001-00000003
callerid={callerid}
origtime={origtime}
msg_id={msg_id}
flag=
duration={duration}
"""


def put(root, mailbox, folder, n, callerid='"Alice" <8001>', origtime=1796009472, msg_id=None, duration=3):
    d = root / "default" / mailbox / folder
    d.mkdir(parents=True, exist_ok=True)
    msg_id = msg_id or f"{origtime}-{n:08d}"
    (d / f"msg{n:04d}.txt").write_text(INFO.format(callerid=callerid, origtime=origtime, msg_id=msg_id,
                                                   duration=duration))
    (d / f"msg{n:04d}.wav").write_bytes(b"RIFF")
    return msg_id


def test_messages_across_folders_newest_first(tmp_path):
    a = put(tmp_path, "8002", "INBOX", 0, origtime=1796009472)
    b = put(tmp_path, "8002", "Old", 0, callerid="<8003>", origtime=1796000000, duration=12)
    found = messages(tmp_path, "8002")
    assert [m.id for m in found] == [a, b]
    first = found[0].to_dict()
    assert first == {"id": a, "folder": "INBOX", "caller_number": "8001", "caller_name": "Alice",
                     "duration": 3, "received_at": "2026-11-30T03:31:12Z"}
    assert found[1].caller_number == "8003" and found[1].caller_name is None and found[1].folder == "Old"
    assert found[0].received_at == dt.datetime(2026, 11, 30, 3, 31, 12)


def test_find_and_audio_path(tmp_path):
    msg_id = put(tmp_path, "8002", "INBOX", 3)
    msg = find(tmp_path, "8002", msg_id)
    assert msg.audio.name == "msg0003.wav" and msg.audio.exists()
    assert find(tmp_path, "8002", "nope") is None
    assert messages(tmp_path, "9999") == []


def test_stray_files_are_ignored(tmp_path):
    put(tmp_path, "8002", "INBOX", 0)
    (tmp_path / "default/8002/INBOX/greet.txt").write_text("x")
    (tmp_path / "default/8002/tmp").mkdir()
    assert len(messages(tmp_path, "8002")) == 1


def test_callerid_forms():
    assert parse_callerid('"Alice" <8001>') == ("Alice", "8001")
    assert parse_callerid('Alice Smith <8001>') == ("Alice Smith", "8001")
    assert parse_callerid('"张伟" <8002>') == ("张伟", "8002")
    assert parse_callerid("<8001>") == (None, "8001")
    assert parse_callerid("8001") == (None, "8001")
    assert parse_callerid("Unknown") == (None, None)
    assert parse_callerid("") == (None, None)


def test_prune_deletes_only_numbers_no_longer_in_use(tmp_path):
    for number in ("8001", "8002", "8003"):
        put(tmp_path, number, "INBOX", 0)
    assert prune(tmp_path, keep={"8001", "8003"}) == ["8002"]
    assert [d.name for d in sorted((tmp_path / "default").iterdir())] == ["8001", "8003"]
    assert prune(tmp_path, keep={"8001", "8003"}) == []
