"""BENCHMARKS.md: one benchmark's section put in place of the one there (a script run alone)."""

from __future__ import annotations

from pathlib import Path

DOC = Path(__file__).resolve().parent.parent / "BENCHMARKS.md"


def replace_section(heading: str, section: str) -> None:
    """`section` (which starts with "\\n## <heading>") instead of the section under `heading`, or at the end."""
    text = DOC.read_text()
    start = text.find("\n## " + heading)
    if start >= 0:
        end = text.find("\n## ", start + 1)
        text = text[:start] + (text[end:] if end >= 0 else "")
    DOC.write_text(text.rstrip("\n") + "\n" + section)


def publish(heading: str, section: str, write: bool) -> None:
    """A benchmark run alone: its section printed and, when asked (--write), put in BENCHMARKS.md."""
    print(section)
    if write:
        replace_section(heading, section)
