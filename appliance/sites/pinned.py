"""HTTPS to headquarters with its certificate pinned by fingerprint (a thin adapter).

Headquarters' certificate is self-signed: no CA vouches for it, so the fingerprint carried
in the enrolment code is the trust. The certificate is checked right after the handshake,
before a byte of the request (which carries the one-time token) is sent.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import ssl
import urllib.parse


class WrongCertificate(Exception):
    """Headquarters answered with another certificate than the code names."""


def post(url: str, fingerprint: str, path: str, body: dict, timeout: float = 15) -> tuple[int, dict | None]:
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
        conn.request("POST", path, json.dumps(body), {"Content-Type": "application/json"})
        r = conn.getresponse()
        data = r.read()
        try:
            return r.status, json.loads(data) if data else None
        except ValueError:
            return r.status, None
    finally:
        conn.close()
