"""The WireGuard planner, wg's dump as read, and what the peers' service accepts."""

from __future__ import annotations

import base64
import time

import pytest

from appliance.errors import Conflict, Invalid
from appliance.vpn import service
from appliance.vpn.plan import Peer, Present, Wanted, plan
from appliance.vpn.wg import parse_dump

KEY_A = base64.b64encode(b"a" * 32).decode()
KEY_B = base64.b64encode(b"b" * 32).decode()
OWN = base64.b64encode(b"o" * 32).decode()


def kinds(steps):
    return [s[0] for s in steps]


def test_nothing_wanted_nothing_done():
    assert plan(Wanted(None, 51820), Present(exists=False)) == []
    assert plan(Wanted(None, 51820), Present(exists=True)) == [("destroy",)]


def test_new_interface_from_scratch():
    peer = Peer(KEY_A, ("10.99.0.2/32", "10.2.0.0/24"), "203.0.113.2:51820", 25)
    steps = plan(Wanted("10.99.0.1/24", 51820, (peer,)), Present(exists=False))
    assert steps == [("create",), ("key", 51820), ("peer", peer, True), ("addr_add", "10.99.0.1/24"), ("up",),
                     ("route_add", "10.2.0.0/24")]  # 10.99.0.2 is on the interface's own network


def test_in_step_means_no_steps():
    peer = Peer(KEY_A, ("10.99.0.2/32",), None, 0)
    present = Present(exists=True, up=True, key_set=True, listen_port=51820, addresses=("10.99.0.1/24",),
                      peers={KEY_A: Peer(KEY_A, ("10.99.0.2/32",), "198.51.100.9:4242", 0)})
    # The peer called in from an address of its own: that roamed endpoint is kept.
    assert plan(Wanted("10.99.0.1/24", 51820, (peer,)), present) == []


def test_changes_are_targeted():
    wanted = Wanted("10.99.0.1/24", 51821, (Peer(KEY_A, ("10.99.0.2/32", "10.3.0.0/24"), "203.0.113.2:51820", 5),))
    present = Present(exists=True, up=True, key_set=True, listen_port=51820, addresses=("10.98.0.1/24",),
                      routes=("10.2.0.0/24",),
                      peers={KEY_A: Peer(KEY_A, ("10.99.0.2/32",), "203.0.113.2:51820", 0),
                             KEY_B: Peer(KEY_B, ("10.99.0.3/32",), None, 0)})
    steps = plan(wanted, present, {KEY_A: "203.0.113.2:51820"})
    assert steps == [("key", 51821), ("remove_peer", KEY_B), ("peer", wanted.peers[0], False),
                     ("addr_del", "10.98.0.1/24"), ("addr_add", "10.99.0.1/24"),
                     ("route_del", "10.2.0.0/24"), ("route_add", "10.3.0.0/24")]


def test_endpoint_changed_by_the_owner_is_set_again():
    peer = Peer(KEY_A, ("10.99.0.2/32",), "203.0.113.5:51820", 0)
    present = Present(exists=True, up=True, key_set=True, listen_port=51820, addresses=("10.99.0.1/24",),
                      peers={KEY_A: Peer(KEY_A, ("10.99.0.2/32",), "203.0.113.2:51820", 0)})
    assert plan(Wanted("10.99.0.1/24", 51820, (peer,)), present, {KEY_A: "203.0.113.2:51820"}) == \
        [("peer", peer, True)]
    assert plan(Wanted("10.99.0.1/24", 51820, (peer,)), present, {KEY_A: "203.0.113.5:51820"}) == []


def test_parse_dump():
    text = (f"PRIVATE\t{OWN}\t51820\toff\n"
            f"{KEY_A}\t(none)\t203.0.113.2:51821\t10.99.0.2/32,10.50.0.0/24\t1733440000\t1204\t2096\t25\n"
            f"{KEY_B}\t(none)\t(none)\t(none)\t0\t0\t0\toff\n")
    interface, peers = parse_dump(text)
    assert interface == {"public_key": OWN, "listen_port": 51820}
    (a, live_a), (b, live_b) = peers
    assert a == Peer(KEY_A, ("10.99.0.2/32", "10.50.0.0/24"), "203.0.113.2:51821", 25)
    assert (live_a.latest_handshake, live_a.rx_bytes, live_a.tx_bytes) == (1733440000, 1204, 2096)
    assert b == Peer(KEY_B, (), None, 0) and live_b.latest_handshake == 0


@pytest.mark.parametrize("body, field", [
    ({"public_key": "abc"}, "public_key"),
    ({"public_key": base64.b64encode(b"x" * 31).decode()}, "public_key"),
    ({"allowed_ips": ["10.0.0.1/8"]}, "allowed_ips"),
    ({"allowed_ips": ["10.0.0.0/8", "10.0.0.0/8"]}, "allowed_ips"),
    ({"allowed_ips": ["10.0.0.0/8 dev eth0"]}, "allowed_ips"),
    ({"endpoint": "203.0.113.1"}, "endpoint"),
    ({"endpoint": "203.0.113.1:70000"}, "endpoint"),
    ({"endpoint": "203.0.113.1:51820\n"}, "endpoint"),
    ({"keepalive": 3601}, "keepalive"),
    ({"keepalive": "25"}, "keepalive"),
    ({"extra": 1}, "extra"),
])
def test_bad_peers(config_db, body, field):
    data = {"name": "Branch", "public_key": KEY_A, "allowed_ips": ["10.99.0.2/32"], **body}
    with pytest.raises(Invalid) as err:
        service.create(data, "admin", OWN)
    assert err.value.field == field
    assert service.listing() == []


def test_peers_stored_normalised_and_unique(config_db):
    peer, _ = service.create({"name": "Branch 1", "public_key": KEY_A, "allowed_ips": ["10.99.0.2/32", "10.2.0.0/24"],
                              "endpoint": "[2001:db8::0001]:51820", "keepalive": 25}, "admin", OWN)
    assert service.to_dict(peer)["endpoint"] == "[2001:db8::1]:51820"
    with pytest.raises(Conflict):
        service.create({"name": "Branch 2", "public_key": KEY_A, "allowed_ips": ["10.99.0.3/32"]}, "admin", OWN)
    with pytest.raises(Invalid) as err:
        service.create({"name": "Branch 2", "public_key": KEY_B, "allowed_ips": ["10.2.0.128/25"]}, "admin", OWN)
    assert err.value.field == "allowed_ips"
    with pytest.raises(Invalid) as err:
        service.create({"name": "Me", "public_key": OWN, "allowed_ips": ["10.9.0.0/24"]}, "admin", OWN)
    wanted = service.wanted()
    assert wanted.address is None and wanted.peers == (Peer(KEY_A, ("10.99.0.2/32", "10.2.0.0/24"),
                                                            "[2001:db8::1]:51820", 25),)
    service.update(peer.id, {"keepalive": 0}, "admin", partial=True, own_public_key=OWN)
    assert service.wanted().peers[0].keepalive == 0


def test_interface_settings(config_db):
    assert service.interface() == {"address": None, "listen_port": 51820, "public_address": None}
    service.set_interface({"address": "10.99.0.1/24"}, "admin")
    assert service.interface() == {"address": "10.99.0.1/24", "listen_port": 51820, "public_address": None}
    for bad in ({"address": "10.99.0.1"}, {"address": "10.99.0.0/24"}, {"address": "x"},
                {"listen_port": 0}, {"listen_port": "51820"}):
        with pytest.raises(Invalid):
            service.set_interface(bad, "admin")
    assert service.interface()["address"] == "10.99.0.1/24"


def test_api_and_manager_on_the_stand_in(admin):
    vpn = admin.box.vpn
    doc = admin.get("/vpn").json
    assert doc["public_key"] == vpn.public_key and doc["running"] is False
    assert admin.put("/vpn", {"address": "10.99.0.1/24"}).status == 200
    r = admin.post("/vpn/peers", {"name": "Branch", "public_key": KEY_A, "allowed_ips": ["10.99.0.2/32", "10.7.0.0/24"],
                                  "keepalive": 25})
    assert r.status == 201, r
    assert r.json["handshake_age"] is None and r.json["rx_bytes"] == 0
    vpn.reconcile()
    assert kinds(vpn.adapter.steps) == ["create", "key", "peer", "addr_add", "up", "route_add"]
    assert admin.get("/vpn").json["running"] is True
    assert vpn.reconcile() == []  # in step: nothing more to do
    vpn.adapter.handshakes[KEY_A] = int(time.time()) - 3
    live = admin.get("/vpn/peers").json["items"][0]
    assert 2 <= live["handshake_age"] <= 5 and live["rx_bytes"] == 100 and live["tx_bytes"] == 200
    r = admin.post("/vpn/peers", {"name": "Other", "public_key": vpn.public_key, "allowed_ips": ["10.8.0.0/24"]})
    assert r.status == 422 and r.json["field"] == "public_key"
    assert admin.delete(f"/vpn/peers/{live['id']}").status == 204
    assert kinds(vpn.reconcile()) == ["remove_peer", "route_del"]
    assert admin.put("/vpn", {"address": None}).status == 200
    assert kinds(vpn.reconcile()) == ["destroy"]


def test_a_dev_box_on_its_hosts_network_touches_no_interface(tmp_path):
    """`make run` shares the host's network: the host's own wg0 is not the box's to make or remove."""
    from appliance.settings import Runtime
    from appliance.vpn.manager import VpnManager
    from tests.fakes import wireguard

    class HostBox:
        runtime = Runtime.from_environ({"BOX_DATA": str(tmp_path / "data"), "BOX_RUN": str(tmp_path / "run")})

    (tmp_path / "data" / "secrets").mkdir(parents=True)
    manager = VpnManager(HostBox(), tools=wireguard)
    manager.load()
    manager.start()
    manager.stop()
    assert manager.adapter.steps == [] and manager.status()["running"] is False
