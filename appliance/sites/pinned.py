"""HTTPS to headquarters with its certificate pinned by fingerprint (a thin adapter).

Headquarters' certificate is self-signed: no CA vouches for it, so the fingerprint carried
in the enrolment code is the trust. The certificate is checked right after the handshake,
before a byte of the request (which carries the one-time token) is sent.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import ssl
import urllib.parse
from pathlib import Path


class WrongCertificate(Exception):
    """Headquarters answered with another certificate than the code names."""


CHUNK = 1024 * 1024


def _connect(url: str, fingerprint: str, timeout: float) -> http.client.HTTPSConnection:
    parts = urllib.parse.urlsplit(url)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # the pin below is the check
    conn = http.client.HTTPSConnection(parts.hostname, parts.port, context=context, timeout=timeout)
    try:
        conn.connect()
        der = conn.sock.getpeercert(binary_form=True)
        seen = "sha256:" + hashlib.sha256(der).hexdigest()
        if seen != fingerprint:
            raise WrongCertificate(seen)
    except BaseException:
        conn.close()
        raise
    return conn


def download(url: str, fingerprint: str, path: str, body: dict, out: Path, limit: int,
             timeout: float = 30) -> tuple[str, int]:
    """POST `body` to `path` and write the answer to `out`, at most `limit` bytes (more is refused):
    the written file's SHA-256 and size."""
    conn = _connect(url, fingerprint, timeout)
    try:
        conn.request("POST", path, json.dumps(body), {"Content-Type": "application/json"})
        r = conn.getresponse()
        if r.status != 200:
            raise OSError(f"headquarters answered {r.status}")
        digest, size = hashlib.sha256(), 0
        with open(out, "wb") as f:
            while chunk := r.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise OSError(f"headquarters sent more than the {limit} bytes it offered")
                digest.update(chunk)
                f.write(chunk)
            f.flush()
            os.fsync(f.fileno())
        return digest.hexdigest(), size
    finally:
        conn.close()


def post(url: str, fingerprint: str, path: str, body: dict, timeout: float = 15) -> tuple[int, dict | None]:
    conn = _connect(url, fingerprint, timeout)
    try:
        conn.request("POST", path, json.dumps(body), {"Content-Type": "application/json"})
        r = conn.getresponse()
        data = r.read()
        try:
            return r.status, json.loads(data) if data else None
        except ValueError:
            return r.status, None
    finally:
        conn.close()
