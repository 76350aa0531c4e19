"""HTTPS with the box's certificate, security headers, the owner's certificate, SIP over TLS with SRTP.

One box. The HTTPS client trusts exactly the certificate the box made (read from the box's
data directory) and checks the host name against the box's address, as a browser told to
trust it would.
"""

from __future__ import annotations

import hashlib
import socket
import ssl
import time

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
    # Asterisk's SIP TLS listener takes it too, on the reload of the change (no restart).
    deadline = time.monotonic() + 20
    while "sha256:" + hashlib.sha256(sip_certificate(box)).hexdigest() != new:
        assert time.monotonic() < deadline, "the SIP TLS listener still serves the old certificate"
        time.sleep(0.2)
    # Nothing restarted: the supervisor and Asterisk run on.
    after = api.get("/health").json
    assert after["asterisk_pid"] == health["asterisk_pid"] and after["uptime"] >= health["uptime"]


# -- SIP over TLS and SRTP -------------------------------------------------------------------

from tests.integration.test_switchboard import connect, hang_up, talk_both_ways, tones  # noqa: E402,F401


@pytest.fixture
def sip(box, tmp_path):
    """Phones for one test: closed after it (pjsua2 holds few accounts at once)."""
    from tests.phones import SipStack

    stack = SipStack(box.host_ip, tmp_path)
    try:
        yield stack
    finally:
        stack.close()


def tls_server(box) -> str:
    return f"{box.box_ip}:5061"


def extension(api, number, **fields):
    r = api.post("/extensions", {"number": number, "name": f"Remote {number}", **fields})
    assert r.status == 201, r
    return r.json


def sip_certificate(box) -> bytes:
    """The DER certificate the SIP TLS listener presents."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with socket.create_connection((box.box_ip, 5061), timeout=10) as raw:
        with context.wrap_socket(raw) as tls:
            return tls.getpeercert(binary_form=True)


def getvar(box, channel: str, variable: str) -> str:
    """A channel's variable or function as Asterisk reads it (AMI Getvar inside the box)."""
    return box.ami("Getvar", Channel=channel, Variable=variable)[0].get("Value", "")


def test_phones_over_tls_with_srtp_required_talk_both_ways_encrypted(box, api, sip, tones):
    a = extension(api, "8101", transport="tls", srtp="required")
    b = extension(api, "8102", transport="tls", srtp="required")
    assert (a["transport"], a["srtp"]) == ("tls", "required")
    one = sip.phone("8101", a["secret"], tls_server(box), transport="tls", srtp="required").register(timeout=10)
    other = sip.phone("8102", b["secret"], tls_server(box), transport="tls", srtp="required").register(timeout=10)
    call, ringing = connect(one, other, "8102")
    try:
        # What the box offered the called phone: SRTP (RTP/SAVP with an SDES key), over TLS.
        assert "RTP/SAVP" in ringing.invite and "a=crypto:" in ringing.invite, ringing.invite
        assert ";transport=TLS" in ringing.invite.upper() or "SIP/2.0/TLS" in ringing.invite.upper(), ringing.invite
        talk_both_ways(sip, call, ringing, tones)
        channels = box.asterisk("core show channels concise")
        names = [line.split("!")[0] for line in channels.splitlines() if line.startswith("PJSIP/810")]
        assert len(names) == 2, channels
        for name in names:
            # Asterisk's own word: the channel's media is encrypted and its signalling came over TLS.
            assert getvar(box, name, "CHANNEL(rtp,secure)") == "1", name
            assert getvar(box, name, "CHANNEL(pjsip,secure)") == "1", name
    finally:
        hang_up(call)


def test_srtp_required_refuses_a_plain_call_and_optional_takes_it(box, api, sip):
    req = extension(api, "8111", transport="tls", srtp="required")
    opt = extension(api, "8112", transport="tls", srtp="optional")
    plain = extension(api, "8113")
    assert plain["transport"] == "udp" and plain["srtp"] == "off"
    callee = sip.phone("8113", plain["secret"], box.sip).register()
    # A phone that sends plain RTP as the extension that requires SRTP: its call is refused.
    unencrypted = sip.phone("8111", req["secret"], tls_server(box), transport="tls").register(timeout=10)
    call = unencrypted.call("8113")
    call.wait_disconnected(timeout=10)
    assert call.last_status == 488, call.last_status
    assert callee.take_incoming() is None
    # The same phone as the extension where SRTP is optional: the call goes through, unencrypted.
    maybe = sip.phone("8112", opt["secret"], tls_server(box), transport="tls").register(timeout=10)
    call, ringing = connect(maybe, callee, "8113")
    try:
        name = next(line.split("!")[0] for line in box.asterisk("core show channels concise").splitlines()
                    if line.startswith("PJSIP/8112"))
        assert getvar(box, name, "CHANNEL(rtp,secure)") == "0"
        assert getvar(box, name, "CHANNEL(pjsip,secure)") == "1"
    finally:
        hang_up(call)


def test_tls_extension_refuses_calls_not_over_tls_and_tcp_is_reached_over_tcp(box, api, sip):
    tls_only = extension(api, "8121", transport="tls")
    tcp = extension(api, "8122", transport="tcp")
    # Its password used from a phone over UDP: no registration, and its call is refused.
    stray = sip.phone("8121", tls_only["secret"], box.sip).register(wait=False)
    sip.wait(lambda: stray.reg_code is not None, 10, "the registrar's answer")
    assert stray.reg_code in (401, 403), stray.reg_code
    callee = sip.phone("8122", tcp["secret"], box.sip, transport="tcp").register()
    call = stray.call("8122")
    call.wait_disconnected(timeout=10)
    assert call.last_status in (401, 403), call.last_status
    assert callee.take_incoming() is None
    # Over TLS the same extension calls, and the box reaches the TCP extension over TCP.
    phone = sip.phone("8121", tls_only["secret"], tls_server(box), transport="tls").register(timeout=10)
    call, ringing = connect(phone, callee, "8122")
    try:
        assert "SIP/2.0/TCP" in ringing.invite.upper(), ringing.invite
    finally:
        hang_up(call)


def test_a_tls_extensions_password_over_udp_or_tcp_gets_no_binding_and_counts_as_a_wrong_one(box, api, sip):
    """Asterisk itself refuses it (the transports' guard endpoints, pjsip.py): the right password
    fails as a wrong one does, which the ban engine counts; over TLS the phone registers."""
    from tests.sipattack import SipClient

    ext = extension(api, "8141", transport="tls")
    before = box.health()["security"]["failures"]
    udp = SipClient(box.host_ip, box.sip)
    try:
        assert udp.register("8141", ext["secret"]) == 401  # as to a wrong password
    finally:
        udp.close()
    over_tcp = sip.phone("8141", ext["secret"], box.sip, transport="tcp").register(wait=False)
    sip.wait(lambda: over_tcp.reg_code is not None, 10, "the registrar's answer over TCP")
    assert over_tcp.reg_code in (401, 403), over_tcp.reg_code
    assert box.contacts("8141") == []
    box.wait_health(lambda h: h["security"]["failures"] >= before + 2, 5, "the refusals to be counted")
    assert api.get("/extensions/8141").json["registration"] is None
    phone = sip.phone("8141", ext["secret"], tls_server(box), transport="tls").register(timeout=10)
    contact, = box.contacts("8141")
    assert "transport=tls" in contact["Uri"].lower() and phone.bound, contact


def test_nat_settings_put_the_public_address_in_sip_and_sdp_for_phones_outside(box, api, sip):
    before = api.get("/settings").json
    for bad, field in (({"sip_external_address": "pbx.example.com"}, "sip_external_address"),
                       ({"sip_external_address": "0.0.0.0"}, "sip_external_address"),
                       ({"sip_local_networks": ["192.168.1.0/33"]}, "sip_local_networks"),
                       ({"sip_local_networks": "10.0.0.0/8"}, "sip_local_networks")):
        r = api.patch("/settings", bad)
        assert r.status == 422 and r.json["field"] == field, (bad, r)
    assert api.get("/settings").json == before
    a, b = extension(api, "8131"), extension(api, "8132")
    caller = sip.phone("8131", a["secret"], box.sip).register()
    callee = sip.phone("8132", b["secret"], box.sip).register()
    try:
        # The box's own network is only its own address here; the phones, outside it, are told
        # the public address (Asterisk rewrites only where its own address is in a local network).
        own = f"{box.box_ip}/32"
        r = api.patch("/settings", {"sip_external_address": "203.0.113.7", "sip_local_networks": [own]})
        assert r.status == 200 and r.headers["Callbox-Applied"] == "true", r
        assert r.json["sip_local_networks"] == [own]
        box.wait_health(lambda h: h["asterisk"] == "up" and h["config"]["pending"] == 0, 60, "Asterisk back")
        caller.reregister()
        callee.reregister()
        caller.wait_registered(10)
        callee.wait_registered(10)
        call = caller.call("8132")
        ringing = callee.wait_incoming(timeout=10)
        assert "c=IN IP4 203.0.113.7" in ringing.invite and "@203.0.113.7" in ringing.invite, ringing.invite
        hang_up(call)
        # Their network named as the box's own: the box's own address again.
        r = api.patch("/settings", {"sip_local_networks": ["198.18.0.0/16"]})
        assert r.status == 200, r
        box.wait_health(lambda h: h["asterisk"] == "up" and h["config"]["pending"] == 0, 60, "Asterisk back")
        caller.reregister()
        caller.wait_registered(10)
        call = caller.call("8132")
        ringing = callee.wait_incoming(timeout=10)
        assert f"c=IN IP4 {box.box_ip}" in ringing.invite and "203.0.113.7" not in ringing.invite, ringing.invite
        hang_up(call)
    finally:
        api.patch("/settings", {"sip_external_address": "", "sip_local_networks": []})
