"""Password hashing with scrypt and a per-password salt (hashlib, no dependency)."""

from __future__ import annotations

import hashlib
import hmac
import os

N, R, P = 2**14, 8, 1


def hash_password(password: str) -> str:
    salt = os.urandom(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=N, r=R, p=P, dklen=32)
    return f"scrypt${N}${R}${P}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        kind, n, r, p, salt, digest = stored.split("$")
        if kind != "scrypt":
            return False
        got = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p),
                             dklen=len(digest) // 2)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got.hex(), digest)


def check_strength(password) -> str | None:
    """Why this password is too weak, or None."""
    if not isinstance(password, str):
        return "must be a string"
    if len(password) < 10:
        return "must be at least 10 characters"
    if len(password) > 256:
        return "must be at most 256 characters"
    classes = sum(any(f(c) for c in password) for f in (str.islower, str.isupper, str.isdigit))
    classes += any(not c.isalnum() for c in password)
    if classes < 3 and len(password) < 16:
        return "must mix at least three of: lower case, upper case, digits, symbols (or be 16+ characters)"
    if len(set(password)) < 5:
        return "has too few different characters"
    return None
