#!/usr/bin/env python3
"""Make the box's own prompts (rootfs/usr/share/callbox/sounds/<language>/*.wav).

Asterisk's stock sounds have no words for a satisfaction survey, a callback
offer, "agent N is serving you" or follow-me switched on and off; these are synthesised once with espeak-ng,
converted with sox to what Asterisk plays (8 kHz mono 16-bit WAV) and kept in
the repository, so building or running the box needs neither tool. Run again
after changing a text:   python3 scripts/make-sounds.py   (needs espeak-ng, sox)
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "rootfs" / "usr" / "share" / "callbox" / "sounds"

TEXTS = {
    "en": {
        "agent-serving-1": "Agent",
        "agent-serving-2": "is now serving you.",
        "survey": "Please rate our service, from 1, poor, to 5, excellent.",
        "survey-thanks": "Thank you for your rating. Goodbye.",
        "callback-offer": "To be called back instead of waiting, press 1.",
        "callback-confirm": "Thank you. We will call you back as soon as an agent is free. Goodbye.",
        "agent-paused": "You are paused.",
        "agent-unpaused": "You are taking calls again.",
        "follow-me-on": "Follow me is on.",
        "follow-me-off": "Follow me is off.",
    },
    "zh": {
        "agent-serving-1": "坐席",
        "agent-serving-2": "号为您服务。",
        "survey": "请为我们的服务评分，一分最低，五分最高。",
        "survey-thanks": "感谢您的评价，再见。",
        "callback-offer": "如不想等待，需要回电，请按一。",
        "callback-confirm": "谢谢，坐席空闲后我们会尽快给您回电，再见。",
        "agent-paused": "您已暂停接听。",
        "agent-unpaused": "您已恢复接听。",
        "follow-me-on": "分机随行已开启。",
        "follow-me-off": "分机随行已关闭。",
    },
}
VOICES = {"en": "en-us", "zh": "cmn"}


def main() -> int:
    for language, texts in TEXTS.items():
        folder = OUT / language
        folder.mkdir(parents=True, exist_ok=True)
        for name, text in texts.items():
            with tempfile.TemporaryDirectory() as tmp:
                raw = Path(tmp) / "raw.wav"
                subprocess.run(["espeak-ng", "-v", VOICES[language], "-s", "150", "-w", str(raw), text], check=True)
                subprocess.run(["sox", str(raw), "-r", "8000", "-c", "1", "-b", "16", "-e", "signed-integer",
                                str(folder / f"{name}.wav"), "norm", "-3"], check=True)
        print(f"{language}: {len(texts)} prompts in {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
