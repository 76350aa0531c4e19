"""HTTPS with the box's certificate, security headers, the owner's certificate, SIP over TLS with SRTP.

One box. The HTTPS client trusts exactly the certificate the box made (read from the box's
data directory) and checks the host name against the box's address, as a browser told to
trust it would.
"""

from __future__ import annotations

import hashlib
import socket
import ssl

import pytest

from tests.api import Api
from tests.integration.conftest import ADMIN_PASSWORD


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
    return Api(box.https_url, token=api.token, context=trusting(box.certificate_pem()))


def test_https_serves_the_box_certificate_it_reports(box, api, https):
    shown = api.get("/system/certificate").json
    der = served_certificate(box)
    assert shown["fingerprint"] == "sha256:" + hashlib.sha256(der).hexdigest()
    assert shown["self_signed"] and box.box_ip in shown["addresses"], shown
    # Checked as a browser would once told to trust it: the certificate names the box's address.
    r = https.get("/system/certificate")
    assert r.status == 200 and r.json["fingerprint"] == shown["fingerprint"]
    assert https.get("/health").json["status"] in ("ok", "degraded")
    key = box.data_file("tls/box.key")
    assert key.stat().st_mode & 0o077 == 0, oct(key.stat().st_mode)
    # The dev box keeps HTTP for loopback tests: no redirect there.
    assert api.get("/health").status == 200


def page(url: str, context=None):
    """GET a page (not the API): status and headers, redirects not followed."""
    import urllib.error
    import urllib.request

    class NoFollow(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args):
            return None

    handlers = [urllib.request.ProxyHandler({}), NoFollow]
    if context is not None:
        handlers.append(urllib.request.HTTPSHandler(context=context))
    try:
        with urllib.request.build_opener(*handlers).open(url, timeout=30) as r:
            return r.status, r.headers
    except urllib.error.HTTPError as e:
        return e.code, e.headers


def test_https_answers_carry_the_security_headers_and_secure_cookies(box, https):
    r = https.get("/health")
    assert r.headers["Strict-Transport-Security"] == "max-age=31536000"
    csp = r.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert (r.headers["X-Frame-Options"], r.headers["Referrer-Policy"], r.headers["X-Content-Type-Options"]) == \
        ("DENY", "no-referrer", "nosniff")
    # The sign-in page's form cookie: Secure over HTTPS; over the dev box's HTTP not, and no HSTS there.
    status, headers = page(box.https_url + "/login", trusting(box.certificate_pem()))
    assert status == 200 and "Secure" in headers["Set-Cookie"] and "HttpOnly" in headers["Set-Cookie"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    status, headers = page(box.url + "/login")
    assert status == 200 and "Secure" not in headers["Set-Cookie"] and "Strict-Transport-Security" not in headers
    # A redirect names a path, never the Host the client sent.
    import urllib.request

    request = urllib.request.Request(box.https_url + "/extensions", headers={"Host": "evil.example"})
    status, headers = page(request, trusting(box.certificate_pem()))
    assert status == 303 and headers["Location"].startswith("/login?"), headers["Location"]


def test_owner_certificate_is_served_without_a_restart_and_a_bad_one_changes_nothing(box, api, https):
    from tests.pki import authority, key_pem, make, pem

    ca = authority()
    before = api.get("/system/certificate").json
    health = api.get("/health").json
    # Refused: a certificate for another key. Nothing changes: the same certificate is served.
    other, _ = make("callbox.example.com", issuer=ca["inter"], issuer_key=ca["inter_key"], san=(box.box_ip,))
    _, stray_key = make("stray")
    r = api.put("/system/certificate", {"certificate": pem(other), "key": key_pem(stray_key)})
    assert r.status == 422 and r.json["field"] == "key", r
    assert "sha256:" + hashlib.sha256(served_certificate(box)).hexdigest() == before["fingerprint"]
    assert api.get("/system/certificate").json == before
    # The owner's certificate, from their authority, for the box's address and name.
    leaf, key = make("callbox.example.com", issuer=ca["inter"], issuer_key=ca["inter_key"],
                     san=("callbox.example.com", box.box_ip))
    r = api.put("/system/certificate", {"certificate": pem(leaf), "chain": pem(ca["inter"]), "key": key_pem(key)})
    assert r.status == 200, r
    assert r.headers["Callbox-Applied"] == "true"
    new = r.json["fingerprint"]
    assert new != before["fingerprint"] and not r.json["self_signed"]
    assert "sha256:" + hashlib.sha256(served_certificate(box)).hexdigest() == new
    # A client that trusts only the owner's root now connects and checks the box's address.
    owner = Api(box.https_url, token=api.token, context=trusting(pem(ca["root"]).encode()))
    assert owner.get("/system/certificate").json["fingerprint"] == new
    # Nothing restarted: the supervisor and Asterisk run on.
    after = api.get("/health").json
    assert after["asterisk_pid"] == health["asterisk_pid"] and after["uptime"] >= health["uptime"]
