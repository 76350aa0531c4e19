"""The box's certificate (appliance/tls): making, reading, keeping, and HTTP's redirect to HTTPS."""

from __future__ import annotations

import hashlib
import ipaddress
import re
import stat

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from appliance.settings import Runtime, SettingsError
from appliance.tls import certificate
from appliance.tls.redirect import ToHttps, host_part


def runtime(tmp_path, **env):
    return Runtime.from_environ({"BOX_DATA": str(tmp_path / "data"), "BOX_RUN": str(tmp_path / "run"), **env})


def test_self_signed_certificate_names_the_box_and_is_a_server_certificate():
    cert_pem, key_pem = certificate.make_self_signed(["Callbox", "localhost"], ["198.18.3.2", "127.0.0.1", "::1"])
    cert = x509.load_pem_x509_certificate(cert_pem)
    alt = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert alt.get_values_for_type(x509.DNSName) == ["callbox", "localhost"]
    assert alt.get_values_for_type(x509.IPAddress) == [ipaddress.ip_address(a) for a in ("198.18.3.2", "127.0.0.1", "::1")]
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "callbox"
    assert cert.issuer == cert.subject
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False
    assert ExtendedKeyUsageOID.SERVER_AUTH in cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    key = serialization.load_pem_private_key(key_pem, None)
    assert key.public_key().public_numbers() == cert.public_key().public_numbers()


def test_fingerprint_is_the_sha256_of_the_first_certificate():
    first, _ = certificate.make_self_signed(["a"], [])
    second, _ = certificate.make_self_signed(["b"], [])
    der = x509.load_pem_x509_certificate(first).public_bytes(serialization.Encoding.DER)
    fp = certificate.fingerprint(first + second)
    assert fp == "sha256:" + hashlib.sha256(der).hexdigest()
    assert re.fullmatch(r"sha256:[0-9a-f]{64}", fp)
    assert certificate.fingerprint(first.decode()) == fp
    with pytest.raises(ValueError):
        certificate.fingerprint(b"not a certificate")


def test_ensure_makes_the_pair_once_with_a_private_key(tmp_path):
    rt = runtime(tmp_path)
    made = certificate.ensure(rt, ["callbox"], ["127.0.0.1"])
    assert made == certificate.paths(rt)
    assert made.cert.parent == tmp_path / "data" / "tls"
    assert stat.S_IMODE(made.key.stat().st_mode) == 0o600
    doc = certificate.current(rt)
    assert doc["names"] == ["callbox"] and doc["addresses"] == ["127.0.0.1"] and doc["self_signed"]
    assert doc["fingerprint"] == certificate.fingerprint(made.cert.read_bytes())
    assert doc["not_after"] > doc["not_before"] and doc["not_after"].endswith("Z")
    # A second start keeps the certificate: a branch pinned its fingerprint.
    certificate.ensure(rt, ["other"], ["10.0.0.1"])
    assert certificate.current(rt)["fingerprint"] == doc["fingerprint"]


def test_https_knobs():
    base = {"BOX_DATA": "/tmp/x"}
    rt = Runtime.from_environ(base)
    assert rt.https is None and rt.http_redirect is False
    rt = Runtime.from_environ({**base, "BOX_HTTPS": "0.0.0.0:443", "BOX_HTTP_REDIRECT": "1"})
    assert (rt.https.host, rt.https.port, rt.http_redirect) == ("0.0.0.0", 443, True)
    with pytest.raises(SettingsError, match="BOX_HTTPS"):
        Runtime.from_environ({**base, "BOX_HTTP_REDIRECT": "1"})
    with pytest.raises(SettingsError, match="BOX_HTTPS"):
        Runtime.from_environ({**base, "BOX_HTTPS": "callbox.local:443"})


def redirect_of(app, host, path="/dashboard", query="", method="GET", local="192.168.1.20"):
    seen = {}

    def start_response(status, headers):
        seen["status"], seen["headers"] = status, dict(headers)

    app({"HTTP_HOST": host, "PATH_INFO": path, "QUERY_STRING": query, "REQUEST_METHOD": method,
         "callbox.local_address": local}, start_response)
    return seen["status"].split()[0], seen["headers"]["Location"]


def test_http_redirects_to_https_without_reflecting_a_forged_host():
    app = ToHttps(443, lambda: {"callbox", "192.168.1.20", "::1"})
    assert redirect_of(app, "callbox:80", query="a=1") == ("301", "https://callbox/dashboard?a=1")
    # A name the certificate is not for is not sent back: the box's own address instead.
    assert redirect_of(app, "evil.example") == ("301", "https://192.168.1.20/dashboard")
    assert redirect_of(app, "") == ("301", "https://192.168.1.20/dashboard")
    assert redirect_of(app, "[::1]:80", method="POST", path="/api/v1/auth/login") == \
        ("308", "https://[::1]/api/v1/auth/login")
    assert redirect_of(ToHttps(8443, lambda: set()), "x", path="/", local="::1") == ("301", "https://[::1]:8443/")
    # A path cannot turn the address into another host's.
    assert redirect_of(app, "callbox", path="//evil.example/x")[1] == "https://callbox//evil.example/x"
    assert host_part("Callbox.LAN:8080") == "callbox.lan" and host_part("[fe80::1]") == "fe80::1"


def test_certificate_route_gives_the_served_fingerprint(admin):
    made = certificate.ensure(admin.box.runtime, ["callbox"], ["127.0.0.1"])
    doc = admin.get("/system/certificate").json
    assert doc["fingerprint"] == certificate.fingerprint(made.cert.read_bytes())
    assert doc["self_signed"] is True and doc["names"] == ["callbox"]
