"""The box's certificate (appliance/tls): making, reading, keeping, and HTTP's redirect to HTTPS."""

from __future__ import annotations

import hashlib
import urllib.error
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


# -- the security headers (webui/headers.py) -------------------------------------------------

def call(app, path="/", scheme="http", **environ):
    from wsgiref.util import setup_testing_defaults

    env = {"PATH_INFO": path, "REQUEST_METHOD": "GET", "wsgi.url_scheme": scheme, **environ}
    setup_testing_defaults(env)
    seen = {}

    def start_response(status, headers, exc_info=None):
        seen["status"], seen["headers"] = status, headers

    b"".join(app(env, start_response))
    return seen["status"], {k.lower(): v for k, v in seen["headers"]}, seen["headers"]


def tiny_app():
    from bottle import Bottle

    from webui import headers
    from webui.plugins import set_session_cookie

    app = Bottle()

    @app.get("/")
    def home():
        class Opened:
            token = "t"
        set_session_cookie(Opened())
        return "hi"

    headers.install(app)
    return app


def test_every_answer_carries_the_security_headers_and_hsts_only_over_https():
    app = tiny_app()
    _, plain, raw = call(app)
    assert plain["content-security-policy"].startswith("default-src 'self'")
    assert "frame-ancestors 'none'" in plain["content-security-policy"]
    assert "unsafe-inline" not in plain["content-security-policy"]
    assert (plain["x-frame-options"], plain["referrer-policy"], plain["x-content-type-options"]) == \
        ("DENY", "no-referrer", "nosniff")
    assert "strict-transport-security" not in plain
    assert "Secure" not in plain["set-cookie"]
    # A client's own header does not make plain HTTP count as HTTPS.
    _, forged, _ = call(app, HTTP_X_FORWARDED_PROTO="https")
    assert "strict-transport-security" not in forged and "Secure" not in forged["set-cookie"]
    _, tls, _ = call(app, scheme="https")
    assert tls["strict-transport-security"] == "max-age=31536000"
    assert "Secure" in tls["set-cookie"] and "HttpOnly" in tls["set-cookie"]


def test_api_and_pages_get_the_headers_and_redirects_stay_relative(web):
    for path, status in (("/health", 200), ("/nowhere", 404)):
        r = web.get(path)
        assert r.status == status and r.headers["X-Frame-Options"] == "DENY", (path, r.headers)
        assert "default-src 'self'" in r.headers["Content-Security-Policy"]
    import urllib.request

    base = web.base.rsplit("/api/v1", 1)[0]
    request = urllib.request.Request(base + "/extensions", headers={"Host": "evil.example",
                                                                     "X-Forwarded-Host": "evil.example"})

    class NoFollow(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args):
            return None

    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), NoFollow)
    try:
        opener.open(request, timeout=10)
        raise AssertionError("a page needing sign-in did not redirect")
    except urllib.error.HTTPError as e:
        assert e.code == 303 and e.headers["Location"].startswith("/login?"), e.headers["Location"]


# -- SIP over TLS, SRTP and NAT settings --------------------------------------------------------

def test_extension_transport_and_srtp_reach_its_endpoint_and_bad_values_are_refused(admin):
    from tests.unit.test_api import files, pjsip_object

    r = admin.post("/extensions", {"number": "8001", "name": "Remote", "transport": "tls", "srtp": "required"})
    assert r.status == 201 and (r.json["transport"], r.json["srtp"]) == ("tls", "required"), r
    e = pjsip_object(admin, "8001", "endpoint")
    assert (e["transport"], e["media_encryption"], e["media_encryption_optimistic"], e["context"]) == \
        ("transport-tls", "sdes", "no", "callbox-phones-tls")
    assert admin.patch("/extensions/8001", {"srtp": "optional", "transport": "tcp"}).status == 200
    e = pjsip_object(admin, "8001", "endpoint")
    assert (e["transport"], e["media_encryption_optimistic"], e["context"]) == ("transport-tcp", "yes", "callbox-phones")
    assert admin.patch("/extensions/8001", {"srtp": "off", "transport": "udp"}).status == 200
    e = pjsip_object(admin, "8001", "endpoint")
    assert "transport" not in e and "media_encryption" not in e
    for bad in ({"transport": "wss"}, {"srtp": "yes"}, {"transport": None}):
        r = admin.patch("/extensions/8001", bad)
        assert r.status == 422 and r.json["field"] == next(iter(bad)), (bad, r)
    assert admin.get("/extensions/8001").json["transport"] == "udp"
    assert "callbox-phones-tls" in files(admin)["extensions.conf"]


def test_nat_settings_reach_every_transport(admin):
    from appliance.pbx.render import pjsip
    from appliance.pbx.snapshot import load_snapshot
    from tests.unit.conftest import SYSTEM

    r = admin.patch("/settings", {"sip_external_address": "203.0.113.7", "sip_local_networks": ["192.168.1.7/24"]})
    assert r.status == 200 and r.json["sip_local_networks"] == ["192.168.1.7/24"], r
    # (The transports file takes effect on an Asterisk restart, which the fake Asterisk does not do.)
    text = pjsip.render(load_snapshot(SYSTEM))["pjsip_transports.conf"]
    assert text.count("external_media_address = 203.0.113.7") == text.count("protocol = udp") + \
        text.count("protocol = tcp") + text.count("protocol = tls")
    assert "local_net = 192.168.1.0/24" in text
    for bad in ({"sip_external_address": "pbx.example.com"}, {"sip_external_address": "127.0.0.1"},
                {"sip_local_networks": ["10.0.0.0/8", "nonsense"]}, {"sip_local_networks": ["10.0.0.0/8"] * 17}):
        r = admin.patch("/settings", bad)
        assert r.status == 422 and r.json["field"] == next(iter(bad)), (bad, r)
    assert admin.get("/settings").json["sip_external_address"] == "203.0.113.7"
