"""HTTP digest authentication (RFC 7616, MD5 with qop=auth), the server side.

Desk phones speak digest for their provisioning server and few speak anything better;
bottle and the standard library have no digest server, hence this module. Nonces are
stateless: a time stamp with an HMAC over it under a key made at start, so any worker
can check them and an old one is refused as stale (the phone retries with the new one
without that counting as a failure).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import time

REALM = "callbox-provisioning"
NONCE_SECONDS = 300
_PARAM = re.compile(r'(\w+)=(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))')

OK, MISSING, STALE, WRONG = "ok", "missing", "stale", "wrong"


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


class Digest:
    def __init__(self, key: bytes | None = None, clock=time.time):
        self.key = key or secrets.token_bytes(32)
        self.clock = clock

    def nonce(self) -> str:
        stamp = str(int(self.clock()))
        mac = hmac.new(self.key, stamp.encode(), hashlib.sha256).hexdigest()[:32]
        return base64.urlsafe_b64encode(f"{stamp}:{mac}".encode()).decode()

    def challenge(self, stale: bool = False) -> str:
        return (f'Digest realm="{REALM}", qop="auth", algorithm=MD5, nonce="{self.nonce()}"'
                + (", stale=true" if stale else ""))

    def _nonce_state(self, nonce: str) -> str:
        try:
            stamp, mac = base64.urlsafe_b64decode(nonce.encode()).decode().split(":")
            expected = hmac.new(self.key, stamp.encode(), hashlib.sha256).hexdigest()[:32]
            if not hmac.compare_digest(mac, expected):
                return WRONG
            return OK if self.clock() - int(stamp) < NONCE_SECONDS else STALE
        except (ValueError, UnicodeDecodeError):
            return WRONG

    def check(self, header: str | None, method: str, path: str, username: str, password: str) -> str:
        """OK, MISSING (no digest credentials sent), STALE (right, but an old nonce) or WRONG.

        `path` is the request's own: credentials made for another address are WRONG."""
        if not header or not header.lower().startswith("digest "):
            return MISSING
        params = {m.group(1).lower(): m.group(2) if m.group(2) is not None else m.group(3)
                  for m in _PARAM.finditer(header[7:])}
        needed = ("username", "realm", "nonce", "uri", "response")
        if any(k not in params for k in needed) or params["realm"] != REALM or params["uri"] != path:
            return WRONG
        if not hmac.compare_digest(params["username"].lower(), username):
            return WRONG
        ha1 = _md5(f"{params['username']}:{REALM}:{password}")
        ha2 = _md5(f"{method}:{params['uri']}")
        if params.get("qop") == "auth":
            expected = _md5(f"{ha1}:{params['nonce']}:{params.get('nc', '')}:{params.get('cnonce', '')}:auth:{ha2}")
        elif "qop" in params:
            return WRONG
        else:
            expected = _md5(f"{ha1}:{params['nonce']}:{ha2}")
        if not hmac.compare_digest(expected, params["response"].lower()):
            return WRONG
        return self._nonce_state(params["nonce"])
