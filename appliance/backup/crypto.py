"""The backup archive's encryption: scrypt for the passphrase, AES-256-GCM in chunks.

One GCM message over a whole archive would have to be held in memory (or
decrypted twice) before its tag says whether it is genuine; chunks of 64 KiB
each carry their own tag, so an archive of any size streams in and out. Each
chunk's nonce holds its number and whether it is the last one, and every chunk
authenticates the header: chunks cannot be dropped, reordered, swapped between
archives, and a truncated archive (no chunk marked last) is refused.

    header  = MAGIC | version (1) | log2 N, r, p (3) | salt (16) | nonce prefix (7) | check (16)
    chunk   = length of the sealed chunk (4, big endian) | AES-GCM(plaintext) with its tag

`check` is GCM's tag over nothing under a nonce no chunk uses: it tells a wrong
passphrase (refused before anything is read further) from a damaged archive.
"""

from __future__ import annotations

import os
import struct
from typing import BinaryIO, Iterable, Iterator

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

MAGIC = b"CALLBOX-BACKUP\x00"
VERSION = 1
CHUNK = 64 * 1024
TAG = 16
#: scrypt with N = 2^15, r = 8: 32 MiB and a fraction of a second, once per archive.
LOG_N, R, P = 15, 8, 1
_PREFIX = struct.Struct(">B3B16s7s")
HEADER_SIZE = len(MAGIC) + _PREFIX.size + TAG
_LEN = struct.Struct(">I")
_CHECK_FLAG = 2
MIN_PASSPHRASE = 8


class WrongPassphrase(ValueError):
    """The passphrase does not open this archive."""


class DamagedArchive(ValueError):
    """Not a backup archive, or one cut short or altered."""


def _key(passphrase: str, salt: bytes, log_n: int, r: int, p: int) -> bytes:
    return Scrypt(salt=salt, length=32, n=1 << log_n, r=r, p=p).derive(passphrase.encode("utf-8"))


def _nonce(prefix: bytes, counter: int, flag: int) -> bytes:
    return prefix + struct.pack(">IB", counter, flag)


def direct(fn, *args):
    """Call fn here and now (the default runner)."""
    return fn(*args)


class Sealing:
    """A fresh salt and the key derived from the passphrase: what one archive is encrypted with.

    `run` calls the key derivation (the web layer passes its off-loop runner:
    scrypt is deliberately slow and must not stall other requests)."""

    def __init__(self, passphrase: str, run=direct):
        self.salt, self.prefix = os.urandom(16), os.urandom(7)
        self.key = run(_key, passphrase, self.salt, LOG_N, R, P)


def encrypt(plain: Iterable[bytes], sealing: Sealing) -> Iterator[bytes]:
    """The archive of the byte stream `plain`, as it is produced."""
    salt, prefix = sealing.salt, sealing.prefix
    aad = MAGIC + _PREFIX.pack(VERSION, LOG_N, R, P, salt, prefix)
    aead = AESGCM(sealing.key)
    header = aad + aead.encrypt(_nonce(prefix, 0, _CHECK_FLAG), b"", aad)
    yield header
    counter = 0
    buf = bytearray()

    def seal(data: bytes, last: bool) -> bytes:
        sealed = aead.encrypt(_nonce(prefix, counter, 1 if last else 0), data, header)
        return _LEN.pack(len(sealed)) + sealed

    for piece in plain:
        buf += piece
        while len(buf) > CHUNK:  # keep the tail: the last chunk must be marked as such
            yield seal(bytes(buf[:CHUNK]), False)
            del buf[:CHUNK]
            counter += 1
    yield seal(bytes(buf), True)


def _read_exact(src: BinaryIO, n: int) -> bytes:
    out = bytearray()
    while len(out) < n:
        piece = src.read(n - len(out))
        if not piece:
            break
        out += piece
    return bytes(out)


class Decryptor:
    """A readable file of the plaintext; the passphrase is checked on creation.

    Every byte handed out has been authenticated; `finish()` then confirms the
    archive ended where it says it ends (nothing cut off, nothing appended).
    """

    def __init__(self, src: BinaryIO, passphrase: str, run=direct):
        self.src = src
        header = _read_exact(src, HEADER_SIZE)
        if len(header) < HEADER_SIZE or not header.startswith(MAGIC):
            raise DamagedArchive("this is not a Callbox backup archive")
        version, log_n, r, p, salt, prefix = _PREFIX.unpack(header[len(MAGIC):len(MAGIC) + _PREFIX.size])
        if version != VERSION:
            raise DamagedArchive(f"archive format {version} is not known to this software")
        if not (10 <= log_n <= 20 and 1 <= r <= 32 and 1 <= p <= 4):
            raise DamagedArchive("the archive's key parameters are out of range")
        aad = header[:-TAG]
        self.aead = AESGCM(run(_key, passphrase, salt, log_n, r, p))
        try:
            self.aead.decrypt(_nonce(prefix, 0, _CHECK_FLAG), header[-TAG:], aad)
        except InvalidTag:
            raise WrongPassphrase("wrong passphrase for this archive") from None
        self.header, self.prefix = header, prefix
        self.counter = 0
        self.ended = False
        self.buf = b""

    def _next_chunk(self) -> bytes:
        raw_len = _read_exact(self.src, _LEN.size)
        if len(raw_len) < _LEN.size:
            raise DamagedArchive("the archive is cut short")
        (n,) = _LEN.unpack(raw_len)
        if not TAG <= n <= CHUNK + TAG:
            raise DamagedArchive("the archive is damaged (bad chunk length)")
        sealed = _read_exact(self.src, n)
        if len(sealed) < n:
            raise DamagedArchive("the archive is cut short")
        for last in (False, True):
            try:
                plain = self.aead.decrypt(_nonce(self.prefix, self.counter, int(last)), sealed, self.header)
            except InvalidTag:
                continue
            self.counter += 1
            self.ended = last
            return plain
        raise DamagedArchive("the archive is damaged (a chunk fails its check)")

    def read(self, n: int = -1) -> bytes:
        while not self.ended and (n < 0 or len(self.buf) < n):
            self.buf += self._next_chunk()
        if n < 0:
            out, self.buf = self.buf, b""
        else:
            out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def finish(self) -> None:
        """Read to the end: every chunk authentic, the last one present, nothing after it."""
        while not self.ended:
            self._next_chunk()
        if self.src.read(1):
            raise DamagedArchive("the archive has data after its end")
