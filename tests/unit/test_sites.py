"""Sites at headquarters: codes, ranges, joining once, expiry, revoking; and the code's form."""

from __future__ import annotations

import base64
import datetime as dt

import pytest

from appliance.db.models import Site, VpnPeer
from appliance.errors import Conflict, Invalid
from appliance.sites import code as codes, service
from appliance.vpn import service as vpn

URL, FP = "https://203.0.113.1:8443", "sha256:" + "ab" * 32
HQ_KEY = base64.b64encode(b"h" * 32).decode()
KEY_A = base64.b64encode(b"a" * 32).decode()
KEY_B = base64.b64encode(b"b" * 32).decode()


def token_of(code: str) -> str:
    return codes.parse(code)[2]


@pytest.fixture
def hq(config_db):
    vpn.set_interface({"address": "10.99.0.1/24", "public_address": "203.0.113.1"}, "admin")
    return config_db


def test_code_round_trip_and_damage():
    token = codes.new_token()
    code = codes.make(URL, FP, token)
    assert codes.parse(code) == (URL, FP, token)
    for bad in ("", "CBX1-", "CBX1-!!!", code[:-4], codes.make("https://hq.example.com:8443", FP, token),
                codes.make("http://203.0.113.1:8443", FP, token), codes.make("https://203.0.113.1", FP, token),
                codes.make(URL, "sha1:00", token), codes.make(URL, FP, "short"), 42):
        with pytest.raises(codes.BadCode):
            codes.parse(bad)


def test_site_needs_the_tunnel_and_public_address(config_db):
    with pytest.raises(Conflict):
        service.create({"name": "B", "extensions": "2000-2099"}, "admin", URL, FP)
    assert Site.select().count() == 0


def test_sites_get_numbers_tunnel_addresses_and_refuse_bad_ranges(hq):
    a, code_a, _ = service.create({"name": "A", "extensions": "2000-2099", "breakout_patterns": ["_0755X."]},
                                  "admin", URL, FP)
    b, _code, _ = service.create({"name": "B", "extensions": "3000-3099"}, "admin", URL, FP)
    assert (a.number, a.tunnel_address, b.number, b.tunnel_address) == (2, "10.99.0.2", 3, "10.99.0.3")
    assert codes.parse(code_a)[:2] == (URL, FP)
    assert a.code_hash == codes.token_hash(token_of(code_a)) and token_of(code_a) not in a.code_hash
    for body in ({"name": "C", "extensions": "2100-2000"},
                 {"name": "C", "extensions": "0100-0199"}, {"name": "C", "extensions": "20-2099"},
                 {"name": "C", "extensions": "4000-4099", "breakout_patterns": ["0755\n"]}):
        with pytest.raises(Invalid):
            service.create(body, "admin", URL, FP)
    with pytest.raises(Conflict):
        service.create({"name": "A", "extensions": "5000-5099"}, "admin", URL, FP)
    assert Site.select().count() == 2


def test_join_once_with_one_key(hq):
    site, code, _ = service.create({"name": "A", "extensions": "2000-2099"}, "admin", URL, FP)
    token = token_of(code)
    doc, revision = service.join({"token": token, "public_key": KEY_A, "version": "1.0"}, HQ_KEY)
    assert revision is not None
    assert doc["tunnel"] == {"address": "10.99.0.2/24", "network": "10.99.0.0/24", "headquarters": "10.99.0.1",
                             "headquarters_key": HQ_KEY, "headquarters_endpoint": "203.0.113.1:51820",
                             "keepalive": 25}
    assert doc["site"]["number"] == 2 and doc["trunk"]["username"] == "site2"
    peer = VpnPeer.get(VpnPeer.public_key == KEY_A)
    assert peer.allowed_ips == "10.99.0.2/32"
    # The same branch again (its answer lost) gets the same answer; another key is refused.
    again, revision = service.join({"token": token, "public_key": KEY_A}, HQ_KEY)
    assert again == doc and revision is None
    with pytest.raises(Conflict):
        service.join({"token": token, "public_key": KEY_B}, HQ_KEY)
    with pytest.raises(Invalid):
        service.join({"token": codes.new_token(), "public_key": KEY_B}, HQ_KEY)
    assert VpnPeer.select().count() == 1
    # Revoking takes the peer with the site.
    service.delete(site.id, "admin")
    assert VpnPeer.select().count() == 0 and Site.select().count() == 0
    with pytest.raises(Invalid):
        service.join({"token": token, "public_key": KEY_A}, HQ_KEY)


def test_expired_code_refused_and_nothing_made(hq):
    then = dt.datetime(2026, 1, 1, 12, 0)
    _site, code, _ = service.create({"name": "A", "extensions": "2000-2099"}, "admin", URL, FP, now=then)
    with pytest.raises(Invalid) as err:
        service.join({"token": token_of(code), "public_key": KEY_A}, HQ_KEY, now=then + dt.timedelta(hours=25))
    assert "expired" in err.value.message
    assert VpnPeer.select().count() == 0
    assert Site.get().enrolled_at is None


def test_reports_need_the_site_secret(hq):
    site, code, _ = service.create({"name": "A", "extensions": "2000-2099"}, "admin", URL, FP)
    doc, _ = service.join({"token": token_of(code), "public_key": KEY_A}, HQ_KEY)
    secret = doc["trunk"]["secret"]
    answer = service.report({"number": 2, "secret": secret, "version": "0.1.0", "phones_registered": 3})
    assert answer["sites"] == [{"number": 2, "name": "A", "extensions": "2000-2099", "tunnel_address": "10.99.0.2",
                                "prefix": "2*", "short_numbers": True, "breakout_patterns": [], "listed": []}]
    assert answer["headquarters"] == {"number": 1, "extensions": []}
    assert (Site.get().version, Site.get().phones_registered) == ("0.1.0", 3)
    # Its Asterisk's entity id is kept (what it publishes here is kept under it); a report without
    # one (its Asterisk down) keeps the last; a damaged one is refused and changes nothing.
    run = {"eid": "02:42:ac:11:00:05", "run": "0123456789abcdef"}
    service.report({"number": 2, "secret": secret, "asterisk": run})
    service.report({"number": 2, "secret": secret})
    assert Site.get().eid == "02:42:ac:11:00:05"
    for bad in ({**run, "eid": "02:42:ac:11:00"}, {**run, "eid": "02:42:AC:11:00:05x"}, {**run, "run": "1"},
                {"eid": run["eid"]}):
        with pytest.raises(Invalid) as err:
            service.report({"number": 2, "secret": secret, "asterisk": bad})
        assert err.value.field.startswith("asterisk"), err.value.field
    assert Site.get().eid == "02:42:ac:11:00:05"
    from appliance.errors import NotFound
    for bad in ({"number": 2, "secret": "wrong"}, {"number": 3, "secret": secret}):
        with pytest.raises(NotFound):
            service.report(bad)
    service.delete(site.id, "admin")
    with pytest.raises(NotFound):
        service.report({"number": 2, "secret": secret})
