#!/usr/bin/env python3
"""Make the prompts callers hear in Chinese, and the box's own prompts, at build time.

Debian has no Chinese Asterisk sounds and the stock ones have no words for a
satisfaction survey, a callback offer or "agent N is serving you". The texts
live in scripts/sounds/ (one `name: words` line per prompt); this script speaks
them with espeak-ng, an offline synthesizer, and converts them with sox to what
Asterisk plays (8 kHz mono 16-bit WAV):

  scripts/sounds/asterisk-zh.txt  -> OUT/usr/share/asterisk/sounds/zh/<name>.wav
                                     (Asterisk's own prompts: voicemail, queues,
                                     conferences, digits and numbers said the
                                     Chinese way)
  scripts/sounds/callbox-<lang>.txt -> OUT/usr/share/callbox/sounds/<lang>/<name>.wav

scripts/rootfs.py runs it once per change of the texts (a cached layer), so
neither tool is needed on the box itself. By hand:

    python3 scripts/make-sounds.py OUT      (needs espeak-ng and sox)
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

TEXTS = Path(__file__).resolve().parent / "sounds"
VOICES = {"en": "en-us", "zh": "cmn"}


def read_texts(path: Path) -> dict[str, str]:
    """`name: words` lines; ';' starts a comment line."""
    texts = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith(";"):
            continue
        name, sep, words = line.partition(":")
        if not sep or not words.strip() or not all(c.isalnum() or c in "-_/" for c in name):
            raise SystemExit(f"{path.name}:{number}: expected 'name: words'")
        texts[name.strip()] = words.strip()
    return texts


def jobs(out: Path) -> list[tuple[str, str, Path]]:
    """(voice, words, file) for every prompt."""
    todo = [(VOICES["zh"], words, out / "usr/share/asterisk/sounds/zh" / f"{name}.wav")
            for name, words in read_texts(TEXTS / "asterisk-zh.txt").items()]
    for language, voice in VOICES.items():
        todo += [(voice, words, out / "usr/share/callbox/sounds" / language / f"{name}.wav")
                 for name, words in read_texts(TEXTS / f"callbox-{language}.txt").items()]
    return todo


def speak(voice: str, words: str, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw.wav"
        subprocess.run(["espeak-ng", "-v", voice, "-s", "150", "-w", str(raw), words], check=True)
        subprocess.run(["sox", str(raw), "-r", "8000", "-c", "1", "-b", "16", "-e", "signed-integer",
                        str(target), "norm", "-3"], check=True)


def make(out: Path) -> int:
    todo = jobs(out)
    with ThreadPoolExecutor(max_workers=4) as pool:
        for future in [pool.submit(speak, *job) for job in todo]:
            future.result()
    return len(todo)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    print(f"{make(Path(argv[1]))} prompts made in {argv[1]}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
