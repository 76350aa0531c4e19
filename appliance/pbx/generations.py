"""Rendered config on disk, one directory per generation, swapped atomically.

Asterisk reads /etc/asterisk, a symlink to `<root>/live`, itself a symlink to
the current `gen-NNNNNN` directory. A new generation is written and fsynced in
full before `live` is replaced with rename(2), so Asterisk never sees half a
set of files, and going back to the last good set is one more rename.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

_GEN = re.compile(r"gen-(\d{6})")


class ConfigStore:
    def __init__(self, root: Path, gid: int | None = None, keep: int = 3):
        self.root = root
        self.gid = gid
        self.keep = keep
        self.live = root / "live"

    def _generations(self) -> list[Path]:
        if not self.root.is_dir():
            return []
        gens = [p for p in self.root.iterdir() if _GEN.fullmatch(p.name) and p.is_dir()]
        return sorted(gens, key=lambda p: p.name)

    def current(self) -> Path | None:
        try:
            return self.root / os.readlink(self.live)
        except OSError:
            return None

    def read(self, gen: Path | None = None) -> dict[str, str]:
        gen = gen or self.current()
        if gen is None:
            return {}
        return {p.name: p.read_text(encoding="utf-8") for p in sorted(gen.iterdir()) if p.is_file()}

    def commit(self, files: dict[str, str]) -> Path:
        self.root.mkdir(parents=True, exist_ok=True)
        gens = self._generations()
        number = int(_GEN.fullmatch(gens[-1].name).group(1)) + 1 if gens else 1
        final = self.root / f"gen-{number:06d}"
        staging = self.root / f".staging-{number:06d}"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(mode=0o750)
        for name, text in files.items():
            path = staging / name
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
                f.flush()
                os.fsync(f.fileno())
            self._own(path, 0o640)
        self._own(staging, 0o750)
        os.rename(staging, final)
        self.point(final)
        self._prune(keep={final, *self._generations()[-self.keep:]})
        return final

    def point(self, gen: Path) -> None:
        tmp = self.root / ".live.tmp"
        if tmp.is_symlink() or tmp.exists():
            tmp.unlink()
        os.symlink(gen.name, tmp)
        os.replace(tmp, self.live)
        fd = os.open(self.root, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def _own(self, path: Path, mode: int) -> None:
        # The files carry SIP and AMI secrets: root and Asterisk's group only.
        if self.gid is not None:
            os.chown(path, 0, self.gid)
        os.chmod(path, mode)

    def _prune(self, keep: set[Path]) -> None:
        current = self.current()
        for gen in self._generations():
            if gen not in keep and gen != current:
                shutil.rmtree(gen, ignore_errors=True)
