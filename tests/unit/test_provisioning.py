"""Desk phone provisioning: the vendor templates against golden files, values that must never
reach a file, MAC parsing, digest checks, and claiming and serving over the web app."""

from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import pytest

from appliance.pbx.conf import UnsafeValue
from appliance.provisioning import templates
from appliance.provisioning.digest import MISSING, OK, STALE, WRONG, Digest
from appliance.provisioning.macs import mac_in_file, normal_mac
from appliance.provisioning.templates import Key, Phone
from tests.provisioning import fetch

GOLDEN = Path(__file__).parent / "golden" / "provisioning"

PHONE = Phone(mac="001565aabbcc", number="8001", name="O'Brien & Co. (张伟)", secret="Xk3vQ9aLm2Rt7Wp5Zy8B",
              server="192.0.2.10", port=5060, transport="udp", timezone="Asia/Shanghai", utc_offset=28800,
              posix_tz="CST-8", language="zh-CN", keys=(Key("8002", "Front desk"), Key("71", "停车 71")),
              firmware_url="https://fw.example.com/yealink/T46U.rom")
ENGLISH = replace(PHONE, mac="0004f2123456", name="Desk 8003", number="8003", transport="tcp", language="en",
                  timezone="Europe/Berlin", utc_offset=3600, posix_tz="CET-1CEST,M3.5.0,M10.5.0/3", keys=(),
                  firmware_url=None)


@pytest.mark.parametrize("template", templates.TEMPLATES)
@pytest.mark.parametrize("phone", [PHONE, ENGLISH], ids=["zh", "en"])
def test_templates_match_golden_files(template, phone):
    files = templates.render(template, phone)
    assert tuple(files) == templates.file_names(template, phone.mac)
    for name, text in files.items():
        path = GOLDEN / template / phone.mac / name
        if os.environ.get("UPDATE_GOLDEN"):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        assert text == path.read_text(encoding="utf-8"), f"{template}/{name} differs from its golden file"
        if text.startswith("<?xml"):
            ET.fromstring(text.encode())  # well-formed, whatever the names hold


def test_xml_templates_escape_what_they_place():
    phone = replace(PHONE, name="A & B <Sales> \"x\"", keys=(Key("8002", "R&D 'lab'"),))
    for template in ("grandstream", "snom", "polycom"):
        found = []
        for text in templates.render(template, phone).values():
            root = ET.fromstring(text.encode())
            found += [e.text for e in root.iter()] + [v for e in root.iter() for v in e.attrib.values()]
        assert 'A & B <Sales> "x"' in found and any(v and "R&D 'lab'" in v for v in found), template


@pytest.mark.parametrize("change", [
    {"name": "Desk\naccount.2.password = x"}, {"name": "Desk;x"}, {"name": "Desk\x00"},
    {"number": "80a1"}, {"mac": "00:15:65:aa:bb:cc"}, {"secret": "short"}, {"secret": "Xk3vQ9aLm2Rt7Wp5Zy8B\n"},
    {"server": "box.example.com"}, {"port": 70000}, {"transport": "tls"}, {"language": "de"},
    {"timezone": "Asia/Shanghai\nx"}, {"posix_tz": "CST-8\n"}, {"utc_offset": 99999},
    {"firmware_url": "ftp://fw.example.com/x.rom"}, {"firmware_url": "http://fw.example.com/x.rom\nx = 1"},
    {"firmware_url": "http://a\"b.example.com/"}, {"keys": (Key("71;", "Park"),)}, {"keys": (Key("71", "P\r"),)},
])
def test_unsafe_values_never_reach_a_file(change):
    for template in templates.TEMPLATES:
        with pytest.raises(UnsafeValue):
            templates.render(template, replace(PHONE, **change))


@pytest.mark.parametrize("text, mac", [
    ("00:15:65:AA:BB:CC", "001565aabbcc"), ("00-15-65-aa-bb-cc", "001565aabbcc"), ("001565AABBCC", "001565aabbcc"),
    (" 001565aabbcc ", "001565aabbcc"), ("00:15:65-aa:bb:cc", None), ("001565aabbc", None), ("001565aabbccd", None),
    ("01:00:5e:00:00:fb", None), ("000000000000", None), ("00:15:65:aa:bb:cg", None), ("00155\n5aabbcc", None),
    (None, None), (1565, None),
])
def test_mac_addresses_are_normalised_or_refused(text, mac):
    assert normal_mac(text) == mac


@pytest.mark.parametrize("name, mac", [
    ("001565aabbcc.cfg", "001565aabbcc"), ("001565AABBCC.cfg", "001565aabbcc"),
    ("cfg000b82aabbcc.xml", "000b82aabbcc"), ("cfg000b82aabbcc", "000b82aabbcc"),
    ("000413aabbcc.xml", "000413aabbcc"), ("0004f2aabbcc-phone.cfg", "0004f2aabbcc"),
    ("000000000000.cfg", None), ("y000000000028.cfg", None), ("../001565aabbcc.cfg", None), ("index.html", None),
])
def test_the_mac_a_requested_file_names(name, mac):
    assert mac_in_file(name) == mac


def _answer(header: str, method: str, uri: str, user: str, password: str, nc: str = "00000001") -> str:
    import hashlib

    params = dict(re.findall(r'(\w+)="?([^",]*)"?', header))
    md5 = lambda s: hashlib.md5(s.encode()).hexdigest()  # noqa: E731
    ha1, ha2 = md5(f"{user}:{params['realm']}:{password}"), md5(f"{method}:{uri}")
    response = md5(f"{ha1}:{params['nonce']}:{nc}:abc:auth:{ha2}")
    return (f'Digest username="{user}", realm="{params["realm"]}", nonce="{params["nonce"]}", uri="{uri}", '
            f'response="{response}", qop=auth, nc={nc}, cnonce="abc"')


def test_digest_checks_credentials_the_address_and_the_nonce_age():
    now = [1000.0]
    digest = Digest(clock=lambda: now[0])
    challenge = digest.challenge()
    uri = "/provision/tok/001565aabbcc.cfg"
    good = _answer(challenge, "GET", uri, "001565aabbcc", "pw-right")
    assert digest.check(good, "GET", uri, "001565aabbcc", "pw-right") == OK
    assert digest.check(None, "GET", uri, "001565aabbcc", "pw-right") == MISSING
    assert digest.check("Basic YTpi", "GET", uri, "001565aabbcc", "pw-right") == MISSING
    assert digest.check(good, "GET", uri, "001565aabbcc", "pw-other") == WRONG
    assert digest.check(good, "GET", "/provision/tok/other.cfg", "001565aabbcc", "pw-right") == WRONG
    assert digest.check(good, "GET", uri, "0004f2123456", "pw-right") == WRONG
    forged = Digest(clock=lambda: now[0]).challenge()  # another box's key
    assert digest.check(_answer(forged, "GET", uri, "001565aabbcc", "pw-right"), "GET", uri, "001565aabbcc",
                        "pw-right") == WRONG
    now[0] += 301
    assert digest.check(good, "GET", uri, "001565aabbcc", "pw-right") == STALE
    assert "stale=true" in digest.challenge(stale=True)


@pytest.fixture
def phones(admin):
    for n, name in (("8001", "Front desk"), ("8002", "张伟")):
        assert admin.post("/extensions", {"number": n, "name": name}).status == 201
    return admin


def base(api) -> str:
    return api.base.rsplit("/api/v1", 1)[0] + "/provision/"


def local(api, doc) -> str:
    """The phone's own address on the test server (the box gives its configured HTTP port)."""
    assert doc["url"].startswith("http://127.0.0.1:8080/provision/")
    return base(api) + doc["url"].rstrip("/").rsplit("/", 1)[1] + "/"


def test_a_phone_that_asks_unclaimed_gets_nothing_and_is_listed(phones):
    assert fetch(base(phones) + "001565AABBCC.cfg")[0] == 404
    asking = phones.get("/phones/asking").json
    assert asking["provision_url"].endswith(":8080/provision/")
    [row] = asking["items"]
    assert (row["mac"], row["file"], row["address"], row["count"]) == ("001565aabbcc", "001565AABBCC.cfg",
                                                                       "127.0.0.1", 1)
    assert row["user_agent"].startswith("Yealink SIP-T46U")
    assert fetch(base(phones) + "y000000000028.cfg")[0] == 404  # a common file names no phone
    assert len(phones.get("/phones/asking").json["items"]) == 1


def test_claim_serves_the_file_with_its_token_and_digest_credentials_only(phones):
    fetch(base(phones) + "001565aabbcc.cfg")
    r = phones.post("/phones", {"mac": "00:15:65:AA:BB:CC", "extension": "8001", "template": "yealink",
                                "blf": ["8002"]})
    assert r.status == 201, r
    doc = r.json
    assert (doc["mac"], doc["extension"], doc["template"], doc["files"]) == (
        "001565aabbcc", "8001", "yealink", ["001565aabbcc.cfg"])
    assert phones.get("/phones/asking").json["items"] == []  # claimed: no longer asking
    assert phones.get("/phones").json["items"][0]["mac"] == "001565aabbcc"
    url = local(phones, doc) + "001565aabbcc.cfg"
    assert fetch(url)[0] == 401
    assert fetch(url, "001565aabbcc", "not-the-password")[0] == 401
    status, text = fetch(url, doc["username"], doc["password"])
    assert status == 200
    secret = phones.get("/extensions/8001").json["secret"]
    assert f"account.1.password = {secret}" in text and "linekey.2.value = 8002" in text
    assert "linekey.3.value = 71" in text  # park slot keys by default
    assert fetch(local(phones, doc) + "0004f2123456.cfg", doc["username"], doc["password"])[0] == 404
    assert fetch(base(phones) + "A" * 32 + "/001565aabbcc.cfg", doc["username"], doc["password"])[0] == 404
    assert fetch(base(phones) + "001565aabbcc.cfg")[0] == 404  # the MAC alone: never
    assert phones.get("/phones/asking").json["items"] == []  # a claimed phone is not recorded as asking
    # New secrets: the old address stops working.
    r = phones.post("/phones/001565aabbcc/secrets")
    assert r.status == 200 and r.json["url"] != doc["url"]
    assert fetch(url, doc["username"], doc["password"])[0] == 404
    assert fetch(local(phones, r.json) + "001565aabbcc.cfg", r.json["username"], r.json["password"])[0] == 200
    assert phones.delete("/phones/001565aabbcc").status == 204
    assert fetch(local(phones, r.json) + "001565aabbcc.cfg", r.json["username"], r.json["password"])[0] == 404


def test_wrong_tokens_and_credentials_count_as_failures(phones):
    doc = phones.post("/phones", {"mac": "000b82aabbcc", "extension": "8002", "template": "grandstream"}).json
    security = phones.box.security
    before = security.counted
    fetch(base(phones) + "B" * 32 + "/cfg000b82aabbcc.xml")
    assert security.counted == before + 1
    fetch(local(phones, doc) + "cfg000b82aabbcc.xml")  # a challenge is every phone's first step
    assert security.counted == before + 1
    fetch(local(phones, doc) + "cfg000b82aabbcc.xml", "000b82aabbcc", "wrong-password")
    assert security.counted > before + 1


@pytest.mark.parametrize("body, status, field", [
    ({"mac": "00:15:65:aa:bb", "extension": "8001", "template": "yealink"}, 422, "mac"),
    ({"mac": "01:00:5e:00:00:01", "extension": "8001", "template": "yealink"}, 422, "mac"),
    ({"mac": "001565aabbcc", "extension": "8009", "template": "yealink"}, 422, "extension"),
    ({"mac": "001565aabbcc", "extension": "8001", "template": "cisco"}, 422, "template"),
    ({"mac": "001565aabbcc", "extension": "8001", "template": "yealink", "transport": "tls"}, 422, "transport"),
    ({"mac": "001565aabbcc", "extension": "8001", "template": "yealink", "blf": ["8009"]}, 422, "blf"),
    ({"mac": "001565aabbcc", "extension": "8001", "template": "yealink", "blf": ["8001"]}, 422, "blf"),
    ({"mac": "001565aabbcc", "extension": "8001", "template": "yealink", "blf": ["8002", "8002"]}, 422, "blf"),
    ({"mac": "001565aabbcc", "extension": "8001", "template": "yealink", "firmware_url": "http://x/\na"}, 422,
     "firmware_url"),
    ({"mac": "001565aabbcc", "extension": "8001", "template": "yealink", "colour": "red"}, 422, "colour"),
])
def test_bad_claims_name_their_field_and_change_nothing(phones, body, status, field):
    r = phones.post("/phones", body)
    assert (r.status, r.json["field"]) == (status, field), r
    assert phones.get("/phones").json["items"] == []


def test_a_claimed_mac_cannot_be_claimed_twice_and_an_extension_takes_its_phones_along(phones):
    body = {"mac": "001565aabbcc", "extension": "8001", "template": "yealink", "blf": ["8002"]}
    assert phones.post("/phones", body).status == 201
    assert phones.post("/phones", {**body, "extension": "8002", "blf": []}).status == 409
    assert phones.post("/phones", {"mac": "000413aabbcc", "extension": "8002", "template": "snom",
                                   "blf": ["8001"]}).status == 201
    r = phones.patch("/phones/00:15:65:aa:bb:cc", {"template": "fanvil", "park_keys": False})
    assert r.status == 200 and (r.json["template"], r.json["park_keys"], r.json["blf"]) == ("fanvil", False, ["8002"])
    assert phones.delete("/extensions/8002").status == 204
    [left] = phones.get("/phones").json["items"]
    assert (left["mac"], left["blf"]) == ("001565aabbcc", [])


def test_pnp_subscribe_is_answered_in_its_dialog_with_the_url():
    from appliance.provisioning import pnp
    from tests.provisioning import pnp_subscribe_message

    data = pnp_subscribe_message("001565aabbcc", "192.0.2.50", 5062, "a1b2c3d4e5f60718")
    sub = pnp.parse(data, ("192.0.2.50", 5062))
    assert (sub.mac, sub.contact) == ("001565aabbcc", ("192.0.2.50", 5062))
    assert sub.user_agent.startswith("Yealink SIP-T46U")
    response, to = pnp.ok(sub, "192.0.2.10")
    text = response.decode()
    assert text.startswith("SIP/2.0 200 OK\r\n") and "CSeq: 1 SUBSCRIBE" in text and "Call-ID: a1b2c3d4e5f60718@" in text
    assert ";tag=" in to and f"To: {to}" in text
    url = "http://192.0.2.10:8080/provision/Tok-en_123456789012345/"
    note = pnp.notify(sub, "192.0.2.10", to, url).decode()
    head, body = note.split("\r\n\r\n")
    assert head.startswith("NOTIFY sip:192.0.2.50:5062 SIP/2.0") and body == url
    assert f"From: {to}" in head and "Content-Type: application/url" in head
    assert 'Event: ua-profile;profile-type="device"' in head and f"Content-Length: {len(url)}" in head
    with pytest.raises(ValueError):
        pnp.notify(sub, "192.0.2.10", to, "http://x/provision/\r\nX: y")


@pytest.mark.parametrize("data", [
    b"OPTIONS sip:224.0.1.75 SIP/2.0\r\n\r\n",
    b"SUBSCRIBE sip:x@224.0.1.75 SIP/2.0\r\nVia: a\r\nFrom: <sip:MAC%3a001565aabbcc@h>\r\nTo: b\r\n"
    b"Call-ID: c\r\nCSeq: 1 SUBSCRIBE\r\nEvent: presence\r\n\r\n",
    b"SUBSCRIBE sip:x@224.0.1.75 SIP/2.0\r\nVia: a\r\nFrom: <sip:MAC%3a0115651122@h>\r\nTo: b\r\n"
    b"Call-ID: c\r\nCSeq: 1 SUBSCRIBE\r\nEvent: ua-profile\r\n\r\n",
    b"\xff\xfe garbage",
])
def test_pnp_ignores_what_is_not_a_pnp_subscribe(data):
    from appliance.provisioning import pnp

    assert pnp.parse(data, ("192.0.2.50", 5060)) is None


def notified(api) -> list[str]:
    """Extensions sent a check-sync since the last call (on the recording AMI stand-in)."""
    ami = api.box.pbx.ami
    out = [f["Endpoint"] for name, f in ami.sent if name == "PJSIPNotify" and f.get("Option") == "check-sync"]
    ami.sent.clear()
    return out


def test_check_sync_goes_to_the_phones_whose_file_a_change_alters(phones):
    checksync = phones.box.provisioning.checksync
    assert phones.post("/extensions", {"number": "8003", "name": "Stores"}).status == 201
    assert phones.post("/phones", {"mac": "001565aabbcc", "extension": "8001", "template": "yealink",
                                   "blf": ["8002"]}).status == 201
    checksync.baseline()
    notified(phones)
    steps = [
        (lambda: phones.post("/extensions/8001/secret"), ["8001"]),  # its password
        (lambda: phones.patch("/extensions/8001", {"name": "Reception"}), ["8001"]),  # its name
        (lambda: phones.patch("/extensions/8002", {"name": "Zhang Wei"}), ["8001"]),  # a colleague's key label
        (lambda: phones.patch("/phones/001565aabbcc", {"blf": ["8002", "8003"]}), ["8001"]),  # its keys
        (lambda: phones.patch("/phones/001565aabbcc", {"template": "fanvil"}), ["8001"]),  # its template
        (lambda: phones.patch("/extensions/8003", {"dnd": True}), []),  # not in any file
        (lambda: phones.patch("/extensions/8001", {"email": "desk@example.com"}), []),
        (lambda: phones.post("/phones", {"mac": "000413aabbcc", "extension": "8003", "template": "snom"}),
         ["8003"]),  # a new claim: its phone may fetch now
    ]
    for act, expected in steps:
        r = act()
        assert r.status in (200, 201), r
        checksync.round()
        assert notified(phones) == expected, r


def test_phones_fetch_over_http_where_http_redirects_browsers_to_https():
    from appliance.web import phones_stay_on_http

    app = phones_stay_on_http(lambda env, start: ["app"], lambda env, start: ["redirect"])
    assert app({"PATH_INFO": "/provision/tok/001565aabbcc.cfg"}, None) == ["app"]
    assert app({"PATH_INFO": "/provision/001565aabbcc.cfg"}, None) == ["app"]
    assert app({"PATH_INFO": "/extensions"}, None) == ["redirect"]
    assert app({"PATH_INFO": "/api/v1/phones"}, None) == ["redirect"]


class _Listener:
    """Stands in for the PnP socket: records whether the manager opened one."""
    opened: list = []

    def __init__(self, interfaces, answer, local_address):
        self.interfaces = interfaces

    def open(self):
        _Listener.opened.append(self.interfaces)

    def run(self):
        pass


@pytest.mark.parametrize("sip, opens", [("0.0.0.0:5060", False), ("0.0.0.0:5070", True),
                                        ("198.18.1.2:5060", True)])
def test_pnp_never_takes_asterisks_port(monkeypatch, sip, opens):
    """Asterisk binds without SO_REUSEADDR: a PnP socket on 5060 beside a wildcard 5060 would
    take the port from Asterisk when it binds first (phones could then not register)."""
    from types import SimpleNamespace

    from appliance.provisioning import manager, pnp
    from appliance.settings import Address

    monkeypatch.setattr(pnp, "Listener", _Listener)
    monkeypatch.setattr(manager.ProvisioningManager, "_pnp_interfaces", lambda self: ["198.18.1.2"])
    _Listener.opened = []
    m = manager.ProvisioningManager(SimpleNamespace(runtime=SimpleNamespace(sip=Address.parse(sip, "BOX_SIP"))))
    m.checksync = None
    m.pnp_error = None
    m.pnp = None
    m.start()
    assert bool(_Listener.opened) is opens
    assert (m.pnp_error is None) is opens
    if not opens:
        assert "5060" in m.pnp_error
