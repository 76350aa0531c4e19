"""Test audio: make tones as WAV files, find tones in received audio.

A phone records what it hears to a WAV file that grows while the call runs;
`Listener` reads the new samples as they arrive and tells which tone (if any)
each 20 ms frame carries, using the Goertzel algorithm.
"""

from __future__ import annotations

import math
import operator
import struct
import wave
from pathlib import Path

RATE = 8000
FRAME = RATE // 50  # 20 ms
HEADER = 44


def write_tone(path: Path, freq: float, seconds: float, amplitude: float = 0.5) -> Path:
    n = int(RATE * seconds)
    samples = (int(amplitude * 32767 * math.sin(2 * math.pi * freq * i / RATE)) for i in range(n))
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(b"".join(struct.pack("<h", s) for s in samples))
    return path


def goertzel_ratio(samples, freq: float) -> float:
    """Share of the frame's energy at `freq` (0..1)."""
    n = len(samples)
    if not n:
        return 0.0
    k = round(n * freq / RATE)
    coeff = 2 * math.cos(2 * math.pi * k / n)
    s1 = s2 = 0.0
    energy = 0.0
    for x in samples:
        s0 = x + coeff * s1 - s2
        s2, s1 = s1, s0
        energy += x * x
    if energy < 1e3 * n:  # below about -50 dBFS: silence
        return 0.0
    power = s1 * s1 + s2 * s2 - coeff * s1 * s2
    return min(1.0, 2 * power / (n * energy))


def level(samples) -> float:
    return math.sqrt(sum(x * x for x in samples) / len(samples)) if samples else 0.0


class Listener:
    """Reads a growing 16-bit mono WAV recording frame by frame."""

    def __init__(self, path: Path):
        self.path = path
        self.offset = HEADER
        self.frames: list[tuple[int, ...]] = []

    def poll(self) -> int:
        try:
            with open(self.path, "rb") as f:
                f.seek(self.offset)
                data = f.read()
        except FileNotFoundError:
            return 0
        usable = len(data) - len(data) % (FRAME * 2)
        for i in range(0, usable, FRAME * 2):
            self.frames.append(struct.unpack(f"<{FRAME}h", data[i:i + FRAME * 2]))
        self.offset += usable
        return usable // (FRAME * 2)

    def mark(self) -> int:
        """Index to look from, for 'after this moment' questions."""
        self.poll()
        return len(self.frames)

    def heard_tone(self, freq: float, min_ms: int = 200, since: int = 0, ratio: float = 0.6) -> bool:
        self.poll()
        need = max(1, min_ms // 20)
        run = 0
        for frame in self.frames[since:]:
            run = run + 1 if goertzel_ratio(frame, freq) >= ratio else 0
            if run >= need:
                return True
        return False

    def heard_sound(self, since: int = 0, min_ms: int = 200) -> bool:
        """Any non-silent audio (speech, prompts) for min_ms."""
        self.poll()
        need = max(1, min_ms // 20)
        run = 0
        for frame in self.frames[since:]:
            run = run + 1 if level(frame) > 300 else 0
            if run >= need:
                return True
        return False

    def sound_ms(self, since: int = 0) -> int:
        """How much non-silent audio arrived in all (a spoken prompt has pauses between words)."""
        self.poll()
        return 20 * sum(1 for frame in self.frames[since:] if level(frame) > 300)

    def silent_after_sound(self, since: int = 0, silence_ms: int = 600) -> bool:
        """Sound was heard after `since` and has since stopped for silence_ms (a prompt ended)."""
        self.poll()
        frames = self.frames[since:]
        need = silence_ms // 20
        if len(frames) < need or not any(level(f) > 300 for f in frames):
            return False
        return all(level(f) <= 300 for f in frames[-need:])


def envelope(frames) -> list[float]:
    """Loudness per 20 ms frame, in dB: the shape of speech, kept through codecs."""
    return [20 * math.log10(max(level(f), 1.0)) for f in frames]


def wav_frames(path: Path) -> list[tuple[int, ...]]:
    with wave.open(str(path)) as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (RATE, 1, 2), path
        data = w.readframes(w.getnframes())
    usable = len(data) - len(data) % (FRAME * 2)
    return [struct.unpack(f"<{FRAME}h", data[i:i + FRAME * 2]) for i in range(0, usable, FRAME * 2)]



def _correlation(a, b) -> float:
    n = len(b)
    mean_a, mean_b = sum(a) / n, sum(b) / n
    da = [x - mean_a for x in a]
    db = [x - mean_b for x in b]
    norm = math.sqrt(sum(map(operator.mul, da, da)) * sum(map(operator.mul, db, db))) or 1.0
    return sum(map(operator.mul, da, db)) / norm


def heard_file(listener: "Listener", path: Path, since: int = 0) -> float:
    """How closely something the phone heard after `since` matches the audio file `path`, as the
    waveforms' correlation (-1..1): the loudness envelopes find where it may start, the samples
    decide (G.711 keeps a prompt's waveform; another prompt does not match). The file is matched
    in 0.4 s pieces, each allowed to slip by 40 ms (a jitter buffer moves audio a little), and
    the median piece counts."""
    listener.poll()
    frames, reference = listener.frames[since:], wav_frames(path)
    n = len(reference)
    if n < 5 or len(frames) < n + 2:
        return 0.0
    heard_env, ref_env = envelope(frames), envelope(reference)
    starts = sorted(range(len(frames) - n + 1), key=lambda i: -_correlation(heard_env[i:i + n], ref_env))[:3]
    heard = [x for f in frames for x in f]
    ref = [x for f in reference for x in f]
    piece, slip = min(RATE * 2 // 5, len(ref)), 2 * FRAME
    best = -1.0
    for start in starts:
        scores = []
        for begin in range(0, len(ref) - piece + 1, piece):
            chunk = ref[begin:begin + piece]
            at = start * FRAME + begin
            scores.append(max((_correlation(heard[o:o + piece], chunk)
                               for o in range(max(0, at - slip), min(len(heard) - piece, at + slip) + 1)),
                              default=-1.0))
        if scores:
            best = max(best, sorted(scores)[len(scores) // 2])
    return best
