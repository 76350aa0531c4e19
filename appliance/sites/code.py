"""Enrolment codes: what a branch needs to find headquarters and trust it.

A code carries headquarters' HTTPS address (an IP literal: no DNS on the way), its
certificate's fingerprint (the branch refuses any other certificate) and a one-time token.
Headquarters keeps only the token's hash. Pure: no network, no database.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import ipaddress
import json
import re
import secrets
import urllib.parse

PREFIX = "CBX1-"
FINGERPRINT = re.compile(r"sha256:[0-9a-f]{64}")
TOKEN = re.compile(r"[A-Za-z0-9_-]{24,64}")


class BadCode(ValueError):
    """Not a code this box can use."""


def new_token() -> str:
    return secrets.token_urlsafe(24)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def make(url: str, fingerprint: str, token: str) -> str:
    doc = json.dumps({"u": url, "f": fingerprint, "t": token}, separators=(",", ":"))
    return PREFIX + base64.urlsafe_b64encode(doc.encode()).decode().rstrip("=")


def parse(code) -> tuple[str, str, str]:
    """(url, fingerprint, token) of a code; BadCode says what is wrong."""
    if not isinstance(code, str) or not code.startswith(PREFIX) or len(code) > 400:
        raise BadCode("is not an enrolment code (it starts with CBX1-)")
    body = code[len(PREFIX):].strip()
    try:
        doc = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        url, fingerprint, token = doc["u"], doc["f"], doc["t"]
    except (binascii.Error, ValueError, KeyError, TypeError):
        raise BadCode("is damaged: copy the whole code again") from None
    if not all(isinstance(v, str) for v in (url, fingerprint, token)):
        raise BadCode("is damaged: copy the whole code again")
    parts = urllib.parse.urlsplit(url)
    try:
        ipaddress.ip_address(parts.hostname or "")
        port = parts.port
    except ValueError:
        raise BadCode("names headquarters by something other than an IP address") from None
    if parts.scheme != "https" or port is None or parts.path not in ("", "/") or parts.query or parts.username:
        raise BadCode("does not carry headquarters' HTTPS address")
    if not FINGERPRINT.fullmatch(fingerprint) or not TOKEN.fullmatch(token):
        raise BadCode("is damaged: copy the whole code again")
    return url.rstrip("/"), fingerprint, token
