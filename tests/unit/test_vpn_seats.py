"""Remote seats: a WireGuard peer made for one extension, its address, its wg-quick file, and
the endpoint rules that keep other extensions from registering through it."""

from __future__ import annotations

import dataclasses

import pytest

from appliance.errors import Conflict
from appliance.pbx.render import render_all
from appliance.pbx.snapshot import SeatsView, SitesView, SiteTrunkView
from appliance.vpn import seats
from tests.unit.test_render import SNAPSHOT


def test_free_address_from_the_top_around_the_box_sites_and_peers():
    assert seats.free_address("10.99.0.1/24", [], []) == "10.99.0.254"
    assert seats.free_address("10.99.0.254/24", ["10.99.0.253/32", "10.50.0.0/24"], ["10.99.0.252"]) == "10.99.0.251"
    assert seats.free_address("10.99.0.1/30", [], []) == "10.99.0.2"
    with pytest.raises(Conflict):
        seats.free_address("10.99.0.1/30", ["10.99.0.2/32"], [])
    # At a branch, headquarters' peer covers the whole network: no address is this box's to give.
    with pytest.raises(Conflict, match="headquarters"):
        seats.free_address("10.99.0.3/24", ["10.99.0.0/24"], [])


def test_config_is_a_wg_quick_file():
    iface = {"address": "10.99.0.1/24", "listen_port": 51820, "public_address": "203.0.113.1"}
    text = seats.config("PRIV=", "10.99.0.254", "BOXKEY=", iface, "8001")
    assert "[Interface]\nPrivateKey = PRIV=\nAddress = 10.99.0.254/32\n" in text
    assert "[Peer]\nPublicKey = BOXKEY=\nEndpoint = 203.0.113.1:51820\nAllowedIPs = 10.99.0.1/32\n" \
           "PersistentKeepalive = 25\n" in text


def test_seat_through_the_api(admin):
    vpn = admin.box.vpn
    r = admin.post("/extensions", {"number": "8001", "name": "Remote"})
    assert r.status == 201, r
    # No tunnel yet (or no public address): nothing is made.
    assert admin.post("/extensions/8001/tunnel").status == 409
    assert admin.put("/vpn", {"address": "10.99.0.1/24"}).status == 200
    assert admin.post("/extensions/8001/tunnel").status == 409
    assert admin.put("/vpn", {"public_address": "203.0.113.1"}).status == 200
    assert admin.get("/extensions/8001/tunnel").status == 404
    assert admin.post("/extensions/9999/tunnel").status == 404

    r = admin.post("/extensions/8001/tunnel")
    assert r.status == 201, r
    doc = r.json
    assert doc["address"] == "10.99.0.254" and doc["sip_server"] == "10.99.0.1" and doc["extension"] == "8001"
    assert doc["allowed_ips"] == ["10.99.0.254/32"] and doc["endpoint"] is None
    config = dict(line.split(" = ", 1) for line in doc["config"].splitlines() if " = " in line)
    # The peer's key pair was made on the box: the file's private key is the peer's public key's.
    assert vpn.tools.pubkey(config["PrivateKey"]) == doc["public_key"]
    assert config["PublicKey"] == vpn.public_key and config["Endpoint"] == "203.0.113.1:51820"
    assert config["AllowedIPs"] == "10.99.0.1/32" and config["Address"] == "10.99.0.254/32"
    # The private key is handed back once, never kept nor shown again.
    again = admin.get("/extensions/8001/tunnel").json
    assert "config" not in again and config["PrivateKey"] not in str(admin.get("/vpn/peers").json)
    assert admin.post("/extensions/8001/tunnel").status == 409
    # The interface gets the peer; its settings belong to the extension, not to the peers' page.
    vpn.reconcile()
    assert doc["public_key"] in vpn.adapter.state.peers
    r = admin.patch(f"/vpn/peers/{doc['id']}", {"allowed_ips": ["10.99.0.0/24"]})
    assert r.status == 409, r
    # The snapshot carries it to the renderer.
    from appliance.pbx.snapshot import load_snapshot
    from tests.unit.conftest import SYSTEM
    assert load_snapshot(SYSTEM).seats == SeatsView("10.99.0.0/24", (("8001", "10.99.0.254"),))

    # Removing the seat removes the peer; so does removing the extension.
    assert admin.delete("/extensions/8001/tunnel").status == 204
    assert admin.get("/extensions/8001/tunnel").status == 404
    vpn.reconcile()
    assert doc["public_key"] not in vpn.adapter.state.peers
    assert admin.post("/extensions/8001/tunnel").status == 201
    assert admin.delete("/extensions/8001").status == 204
    assert admin.get("/vpn/peers").json["items"] == []


def test_endpoints_refuse_the_tunnel_but_for_their_own_seat():
    snap = dataclasses.replace(SNAPSHOT, seats=SeatsView("10.99.0.0/24", (("8002", "10.99.0.254"),)))
    files = render_all(snap)
    sections = {s.split("]", 1)[0]: s for s in files["pjsip.conf"].split("\n[") if "type = endpoint" in s}
    own = sections["8002"]
    assert own.index("deny = 10.99.0.0/24") < own.index("permit = 10.99.0.254/32")
    for other in ("8001", "8003", "8004"):
        assert "deny = 10.99.0.0/24" in sections[other] and "permit" not in sections[other]
    # Behind NAT, the seats' phones are told the tunnel address, not the public one.
    assert "local_net = 10.99.0.0/24" in files["pjsip_transports.conf"]
    # Without a seat, the tunnel network is no local network of the phones' transports.
    plain = render_all(dataclasses.replace(SNAPSHOT, seats=SeatsView("10.99.0.0/24", ())))
    assert "10.99.0.0/24" not in plain["pjsip_transports.conf"]
    assert "deny = 10.99.0.0/24" in plain["pjsip.conf"]
    # No tunnel: no rule at all.
    assert "deny" not in render_all(SNAPSHOT)["pjsip.conf"]


def test_a_site_never_takes_a_seats_address(config_db):
    """Sites count up from the network's start, seats down from its end: where they meet, the
    site is refused rather than given the seat's address."""
    from appliance.extensions import service as extensions
    from appliance.sites import service as sites
    from appliance.vpn import service as vpn
    from tests.fakes import wireguard

    vpn.set_interface({"address": "10.99.0.1/29", "public_address": "203.0.113.1"}, "admin")
    for number in ("8001", "8002", "8003", "8004", "8005"):
        extensions.create({"number": number, "name": f"Seat {number}"}, "admin")
        peer, _text, _rev = seats.create(number, "admin", "BOXKEY=", wireguard.genkey, wireguard.pubkey)
    assert seats.address_of(peer) == "10.99.0.2"  # the next site's (site 2)
    with pytest.raises(Conflict, match="taken by a VPN peer"):
        sites.create({"name": "Branch", "extensions": "2000-2099"}, "admin", "https://203.0.113.1:8443", "sha256:00")
    assert sites.listing() == []
