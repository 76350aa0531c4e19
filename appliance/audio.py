"""Turning uploaded audio (WAV or MP3) into what Asterisk plays: 8 kHz mono 16-bit WAV.

sox does the conversion, so the box never parses audio formats itself; this
module only checks that a file is what it claims to be before sox sees it,
and bounds its length.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import wave
from pathlib import Path

MAX_BYTES = 20 * 1024 * 1024
MAX_SECONDS = 600
RATE = 8000


class AudioError(ValueError):
    pass


def kind_of(data: bytes) -> str:
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "wav"
    if data[:3] == b"ID3" or (len(data) > 1 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0):
        return "mp3"
    raise AudioError("not a WAV or MP3 file")


def convert(data: bytes, dest: Path) -> float:
    """Write `data` to `dest` as Asterisk's WAV; returns the length in seconds."""
    if len(data) > MAX_BYTES:
        raise AudioError(f"the file is larger than {MAX_BYTES // 2**20} MB")
    kind = kind_of(data)
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest.parent) as tmp:
        src = Path(tmp) / f"upload.{kind}"
        src.write_bytes(data)
        out = Path(tmp) / "out.wav"
        result = subprocess.run(
            ["sox", "--no-show-progress", "-t", kind, str(src),
             "-r", str(RATE), "-c", "1", "-b", "16", "-e", "signed-integer", str(out),
             "trim", "0", str(MAX_SECONDS)],
            capture_output=True, text=True, timeout=60)
        if result.returncode != 0 or not out.exists():
            raise AudioError("the audio could not be read: " + (result.stderr.strip().splitlines() or ["?"])[-1])
        with wave.open(str(out)) as w:
            seconds = w.getnframes() / w.getframerate()
        if seconds < 0.1:
            raise AudioError("the audio is empty")
        os.chmod(out, 0o644)
        os.replace(out, dest)
    return round(seconds, 2)
