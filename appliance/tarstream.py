"""A tar stream produced piece by piece, for downloads of any size (backups, logs).

tarfile writes into a file object and would have the whole archive built (or a
thread to feed) before the first byte goes out; here a generator yields each
header and each 64 KiB of a file as they are read, so a response (or an
encryptor) streams it while memory holds one piece. Only regular files and
folders are written; links and devices are skipped.
"""

from __future__ import annotations

import os
import tarfile
import time
import zlib
from pathlib import Path
from typing import Callable, Iterable, Iterator

PIECE = 64 * 1024
#: Two empty blocks close a tar.
END = b"\0" * (2 * tarfile.BLOCKSIZE)


def _info(name: str, st: os.stat_result | None, size: int = 0, directory: bool = False) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = tarfile.DIRTYPE if directory else tarfile.REGTYPE
    info.size = 0 if directory else size
    info.mode = (st.st_mode & 0o777) if st else (0o755 if directory else 0o644)
    info.mtime = int(st.st_mtime) if st else int(time.time())
    return info


def _header(info: tarfile.TarInfo) -> bytes:
    return info.tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape")


def _pad(size: int) -> bytes:
    return b"\0" * (-size % tarfile.BLOCKSIZE)


def file(name: str, path: Path) -> Iterator[bytes]:
    """One file as it is now: a file still growing (a log) is cut at the size its header gives."""
    with open(path, "rb") as f:
        st = os.fstat(f.fileno())
        size = st.st_size
        yield _header(_info(name, st, size))
        left = size
        while left:
            piece = f.read(min(PIECE, left))
            if not piece:  # shrank under us (truncated): zeros keep the tar well-formed
                piece = b"\0" * min(PIECE, left)
            left -= len(piece)
            yield piece
            time.sleep(0)  # a cooperative server serves others between pieces
    yield _pad(size)


def data(name: str, content: bytes) -> Iterator[bytes]:
    yield _header(_info(name, None, len(content)))
    yield content
    yield _pad(len(content))


def directory(name: str) -> bytes:
    return _header(_info(name, None, directory=True))


def tree(name: str, root: Path, *, folders: bool = True,
         skip: Callable[[str, str], bool] = lambda rel, filename: False) -> Iterator[bytes]:
    """Every file below `root` as `name/...` (and the folders, where `folders`); `skip(rel, filename)`
    leaves a file out (rel: its folder relative to root, "." at the top)."""
    if folders:
        yield directory(name)
    if not root.is_dir():
        return
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        rel = os.path.relpath(dirpath, root)
        for d in dirnames:
            p = Path(dirpath) / d
            if folders and not p.is_symlink():
                yield _header(_info(os.path.normpath(os.path.join(name, rel, d)), p.stat(), directory=True))
        for filename in sorted(filenames):
            path = Path(dirpath) / filename
            if path.is_symlink() or not path.is_file() or skip(rel, filename):
                continue
            try:
                yield from file(os.path.normpath(os.path.join(name, rel, filename)), path)
            except FileNotFoundError:
                continue  # deleted while we walked (a message listened to and removed, a log rotated)


def gzipped(pieces: Iterable[bytes]) -> Iterator[bytes]:
    """The pieces as one gzip stream, compressed as they come."""
    z = zlib.compressobj(6, zlib.DEFLATED, 31)
    for piece in pieces:
        out = z.compress(piece)
        if out:
            yield out
    yield z.flush()
