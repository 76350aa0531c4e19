"""Secrets made on the box at first boot and kept on the data partition."""

from __future__ import annotations

import os
import secrets as _secrets
import string
from pathlib import Path

_ALNUM = string.ascii_letters + string.digits


def ensure(directory: Path, name: str, nbytes: int = 24) -> str:
    """The secret called `name`, created (0600, written atomically) if missing."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = directory / name
    try:
        value = path.read_text().strip()
        if value:
            return value
    except FileNotFoundError:
        pass
    value = _secrets.token_hex(nbytes)
    store(directory, name, value)
    return value


def store(directory: Path, name: str, value: str) -> None:
    """Keep a secret the owner gave (a mail relay's password): 0600, written atomically."""
    store_bytes(directory, name, (value + "\n").encode())


def store_bytes(directory: Path, name: str, data: bytes) -> None:
    """A secret file as it is (a key restored from a backup): 0600, written atomically."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = directory / name
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def read(directory: Path, name: str) -> str:
    """A stored secret, or "" where there is none."""
    try:
        return (directory / name).read_text().rstrip("\n")
    except FileNotFoundError:
        return ""


def remove(directory: Path, name: str) -> None:
    (directory / name).unlink(missing_ok=True)


def sip_secret(length: int = 20) -> str:
    """A SIP password: letters and digits (every phone's keypad can enter them), both present."""
    while True:
        value = "".join(_secrets.choice(_ALNUM) for _ in range(length))
        if any(c.isdigit() for c in value) and any(c.isalpha() for c in value):
            return value


def pin(length: int = 6) -> str:
    from .fields import is_trivial_pin

    while True:
        value = "".join(_secrets.choice(string.digits) for _ in range(length))
        if not is_trivial_pin(value):
            return value
