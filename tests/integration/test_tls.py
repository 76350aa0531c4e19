"""HTTPS with the box's certificate, security headers, the owner's certificate, SIP over TLS with SRTP.

One box. The HTTPS client trusts exactly the certificate the box made (read from the box's
data directory) and checks the host name against the box's address, as a browser told to
trust it would.
"""

from __future__ import annotations

import hashlib
import os
import socket
import ssl
from pathlib import Path

import pytest

from tests.api import Api
from tests.integration.conftest import ADMIN_PASSWORD


def box_file(box, relative: str) -> Path:
    return Path(os.environ.get("CALLBOX_STATE", "/var/lib/callbox-dev/boxes")) / box.name / "data" / relative


def served_certificate(box) -> bytes:
    """The DER certificate the HTTPS listener presents (not checked: read as it is)."""
    host, _, port = box.https_url.removeprefix("https://").rpartition(":")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with socket.create_connection((host, int(port)), timeout=10) as raw:
        with context.wrap_socket(raw, server_hostname=host) as tls:
            return tls.getpeercert(binary_form=True)


def trusting(pem: bytes) -> ssl.SSLContext:
    context = ssl.create_default_context(cadata=pem.decode())
    return context


@pytest.fixture(scope="module")
def https(box, api) -> Api:
    """The API over HTTPS, trusting the box's own certificate."""
    pem = box_file(box, "tls/box.crt").read_bytes()
    return Api(box.https_url, token=api.token, context=trusting(pem))


def test_https_serves_the_box_certificate_it_reports(box, api, https):
    shown = api.get("/system/certificate").json
    der = served_certificate(box)
    assert shown["fingerprint"] == "sha256:" + hashlib.sha256(der).hexdigest()
    assert shown["self_signed"] and box.box_ip in shown["addresses"], shown
    # Checked as a browser would once told to trust it: the certificate names the box's address.
    r = https.get("/system/certificate")
    assert r.status == 200 and r.json["fingerprint"] == shown["fingerprint"]
    assert https.get("/health").json["status"] in ("ok", "degraded")
    key = box_file(box, "tls/box.key")
    assert key.stat().st_mode & 0o077 == 0, oct(key.stat().st_mode)
    # The dev box keeps HTTP for loopback tests: no redirect there.
    assert api.get("/health").status == 200
