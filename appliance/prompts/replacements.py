"""The owner's own recordings in place of the prompts the box and Asterisk say.

Asterisk finds a prompt by name in its data directory (sounds/<language>/
vm-intro.gsm, digits/8.wav, ...) and the box its own by path; both stock sets
are read-only parts of the system. A replacement is a WAV in the data
partition (<data>/sounds/<language>/<name>.wav); what Asterisk reads is a
"live" tree the supervisor lays out next to it: symlinks to the stock files,
with each replaced prompt's symlink pointing at its replacement instead (and
the stock file in another format left out, so Asterisk cannot pick it). The
tree is laid out anew beside the old one and swapped in with one rename of a
symlink, so a call never sees half a tree; replacing a prompt needs no reload
(Asterisk opens the file each time it plays it).
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from .. import audio
from ..errors import Invalid, NotFound
from ..fields import LANGUAGES

#: How the box's own prompts are named in the list: callbox/<name> (Asterisk's have no prefix).
OWN = "callbox"


@dataclass(frozen=True)
class Sources:
    asterisk: Path  # Asterisk's data directory (/usr/share/asterisk): sounds/<language>/...
    own: Path  # the box's own prompts: <language>/<name>.wav
    replacements: Path  # <language>/<name>.wav, uploaded
    live: Path  # what Asterisk reads: live/current/share (its data directory), live/current/own


def _stem(name: str) -> str:
    return name.split(".", 1)[0]


def _catalogue(root: Path) -> dict[str, Path]:
    """name (without format, '/' between folders) -> file, of every prompt under `root`."""
    found: dict[str, Path] = {}
    if not root.is_dir():
        return found
    for path in sorted(root.rglob("*")):
        if path.is_file():
            rel = path.relative_to(root)
            found.setdefault(str(rel.parent / _stem(rel.name)).removeprefix("./"), path)
    return found


def stock(src: Sources, language: str) -> dict[str, Path]:
    """Every prompt callers may hear in `language`: Asterisk's, then the box's (under callbox/)."""
    found = _catalogue(src.asterisk / "sounds" / language)
    found.update({f"{OWN}/{name}": path for name, path in _catalogue(src.own / language).items()})
    return found


def replaced(src: Sources, language: str) -> set[str]:
    return set(_catalogue(src.replacements / language))


def _check(src: Sources, language: str, name: str) -> Path:
    if language not in LANGUAGES:
        raise NotFound(f"no language {language!r}; the box speaks {', '.join(LANGUAGES)}")
    if name not in stock(src, language):
        raise NotFound(f"no prompt {name!r} in {language}")
    return src.replacements / language / f"{name}.wav"


def replace(src: Sources, language: str, name: str, data: bytes) -> float:
    """Store an upload (WAV or MP3) as the prompt's replacement; returns its length in seconds."""
    dest = _check(src, language, name)
    try:
        seconds = audio.convert(data, dest)
    except audio.AudioError as err:
        raise Invalid(f"file: {err}", "file") from None
    lay_out(src)
    return seconds


def reset(src: Sources, language: str, name: str) -> None:
    """Back to the stock prompt."""
    dest = _check(src, language, name)
    if not dest.exists():
        raise NotFound(f"prompt {name!r} in {language} is not replaced")
    dest.unlink()
    lay_out(src)


def playable(src: Sources, language: str, name: str) -> Path:
    """The file callers hear now for the prompt."""
    dest = _check(src, language, name)
    return dest if dest.exists() else stock(src, language)[name]


def _link_tree(dest: Path, source: Path, overrides: dict[str, Path]) -> None:
    """`dest` shows `source`, with `overrides` (relative name without format -> file) in place."""
    if not overrides:
        dest.symlink_to(source.resolve())
        return
    dest.mkdir(parents=True)
    here = {name: path for name, path in overrides.items() if "/" not in name}
    below: dict[str, dict[str, Path]] = {}
    for name, path in overrides.items():
        if "/" in name:
            folder, rest = name.split("/", 1)
            below.setdefault(folder, {})[rest] = path
    children = {child.name: child for child in source.iterdir()} if source.is_dir() else {}
    for child_name, child in children.items():
        if child.is_dir():
            _link_tree(dest / child_name, child, below.pop(child_name, {}))
        elif _stem(child_name) not in here:
            (dest / child_name).symlink_to(child.resolve())
    for folder, inner in below.items():  # replacements under a folder the source lacks
        _link_tree(dest / folder, source / folder, inner)
    for name, path in here.items():
        (dest / f"{name}.wav").symlink_to(path)


def lay_out(src: Sources) -> Path:
    """Build the live tree for what is stored now and swap it in; returns its path."""
    src.live.mkdir(parents=True, exist_ok=True)
    current = src.live / "current"
    generation = 1 + max((int(p.name.split("-")[1]) for p in src.live.glob("tree-*")
                          if p.name.split("-")[1].isdigit()), default=0)
    tree = src.live / f"tree-{generation}"
    share, own = tree / "share", tree / "own"
    share.mkdir(parents=True)
    for entry in (src.asterisk.iterdir() if src.asterisk.is_dir() else ()):
        if entry.name != "sounds":
            (share / entry.name).symlink_to(entry.resolve())
    sounds = src.asterisk / "sounds"
    languages = {p.name for p in sounds.iterdir()} if sounds.is_dir() else set()
    (share / "sounds").mkdir()
    own.mkdir()
    for language in sorted(languages | set(LANGUAGES)):
        files = {name: src.replacements / language / f"{name}.wav" for name in replaced(src, language)}
        asterisk_side = {n: p for n, p in files.items() if not n.startswith(OWN + "/")}
        own_side = {n.removeprefix(OWN + "/"): p for n, p in files.items() if n.startswith(OWN + "/")}
        if (sounds / language).exists():
            _link_tree(share / "sounds" / language, sounds / language, asterisk_side)
        if (src.own / language).exists():
            _link_tree(own / language, src.own / language, own_side)
    link = src.live / "current.new"
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(tree.name)
    os.replace(link, current)
    for old in src.live.glob("tree-*"):
        if old != tree:
            shutil.rmtree(old, ignore_errors=True)
    return current
