"""WireGuard links: the box's interface and its peers, against a peer the test runs itself
(wireguard-go in a namespace of the test's own), with real traffic through the tunnel."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.wgpeer import WgPeer, fetch_in, sh, wait_for

BOX_TUNNEL, PEER_TUNNEL = "10.99.0.1", "10.99.0.2"
PEER_LAN = "10.50.0.1"  # a network behind the peer, reached through the tunnel


@pytest.fixture(scope="module")
def peer(box, tmp_path_factory):
    p = WgPeer(box.state()["netns"], tmp_path_factory.mktemp("wg"))
    try:
        p.start(f"{PEER_TUNNEL}/24")
        sh("ip", "-n", p.netns, "addr", "add", f"{PEER_LAN}/24", "dev", "lo")
        yield p
    finally:
        p.close()


def box_dump(box) -> list[list[str]]:
    return [line.split("\t") for line in box.exec("wg", "show", "wg0", "dump").splitlines()]


def test_interface_key_and_address(api, box):
    doc = api.get("/vpn").json
    assert doc["address"] is None and doc["running"] is False
    assert len(doc["public_key"]) == 44
    # The private key stays on the box, readable by root alone.
    assert box.exec("stat", "-c", "%a %U", "/data/secrets/wireguard.key").split() == ["600", "root"]
    private = box.exec("cat", "/data/secrets/wireguard.key").strip()
    assert private not in json.dumps(doc)
    r = api.put("/vpn", {"address": f"{BOX_TUNNEL}/24", "listen_port": 51820})
    assert r.status == 200, r
    wait_for(lambda: api.get("/vpn").json["running"], 15, "the interface")
    assert f"inet {BOX_TUNNEL}/24" in box.exec("ip", "-o", "addr", "show", "dev", "wg0")
    assert box_dump(box)[0][1:3] == [doc["public_key"], "51820"]


def test_bad_peers_refused(api, box, peer):
    before = len(api.get("/vpn/peers").json["items"])
    base = {"name": "x", "public_key": peer.public_key, "allowed_ips": ["10.60.0.0/24"]}
    for body, field in (
        ({**base, "public_key": "not-a-key"}, "public_key"),
        ({**base, "public_key": api.get("/vpn").json["public_key"]}, "public_key"),
        ({**base, "allowed_ips": ["10.60.0.1/24"]}, "allowed_ips"),  # host bits set
        ({**base, "allowed_ips": ["10.60.0.0/24\nx"]}, "allowed_ips"),
        ({**base, "allowed_ips": []}, "allowed_ips"),
        ({**base, "endpoint": "peer.example.com:51820"}, "endpoint"),
        ({**base, "endpoint": "203.0.113.2:0"}, "endpoint"),
        ({**base, "keepalive": -1}, "keepalive"),
        ({**base, "name": "a;b"}, "name"),
    ):
        r = api.post("/vpn/peers", body)
        assert r.status == 422 and r.json["field"] == field, (body, r)
    assert len(api.get("/vpn/peers").json["items"]) == before
    assert api.put("/vpn", {"address": "10.99.0.0/24"}).status == 422


def test_peer_handshake_and_traffic(api, box, peer, tmp_path):
    api.put("/vpn", {"address": f"{BOX_TUNNEL}/24", "listen_port": 51820})
    box_key = api.get("/vpn").json["public_key"]
    # The peer calls in (as a branch behind NAT would): no endpoint on the box's side.
    r = api.post("/vpn/peers", {"name": "Branch test", "public_key": peer.public_key,
                                "allowed_ips": [f"{PEER_TUNNEL}/32", "10.50.0.0/24"]})
    assert r.status == 201, r
    peer_id = r.json["id"]
    assert r.json["handshake_age"] is None
    peer.add_peer(box_key, f"{BOX_TUNNEL}/32", endpoint=f"{peer.box_address}:51820", keepalive=1)

    # The box's web server, through the tunnel.
    body = wait_for(lambda: fetch_in(peer.netns, f"http://{BOX_TUNNEL}:8080/api/v1/health"), 20,
                    "the box's API through the tunnel")
    assert json.loads(body)["managers"]["vpn"]["ok"]
    live = wait_for(lambda: (lambda p: p if p["handshake_age"] is not None else None)(
        api.get(f"/vpn/peers/{peer_id}").json), 10, "the handshake in the API")
    assert live["handshake_age"] < 30 and live["rx_bytes"] > 0 and live["tx_bytes"] > 0
    assert live["endpoint_seen"] == f"{peer.address}:{peer.port}"

    # The network behind the peer is routed into the tunnel: the box reaches a server there.
    server = subprocess.Popen(
        ["ip", "netns", "exec", peer.netns, sys.executable, "-m", "http.server", "--bind", PEER_LAN, "8099",
         "--directory", str(tmp_path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        code = f"import urllib.request as u; print(u.urlopen('http://{PEER_LAN}:8099/', timeout=2).status)"
        wait_for(lambda: box.exec("python3", "-c", code, check=False).strip() == "200", 15,
                 "the box reaching the peer's network")
    finally:
        server.terminate()
        server.wait()
    assert "10.50.0.0/24 proto static" in box.exec("ip", "route", "show", "dev", "wg0")

    # The box's own settings for the peer reach WireGuard: an endpoint and a keepalive.
    r = api.patch(f"/vpn/peers/{peer_id}", {"endpoint": f"{peer.address}:{peer.port}", "keepalive": 7})
    assert r.status == 200, r
    row = wait_for(lambda: next((c for c in box_dump(box)[1:] if c[0] == peer.public_key and c[7] == "7"), None),
                   10, "the keepalive in wg")
    assert row[2] == f"{peer.address}:{peer.port}"

    # Overlapping networks between peers are refused: WireGuard would move them silently.
    other = sh("wg", "pubkey", input=sh("wg", "genkey")).strip()
    r = api.post("/vpn/peers", {"name": "Other", "public_key": other, "allowed_ips": ["10.50.0.128/25"]})
    assert r.status == 422 and r.json["field"] == "allowed_ips", r

    # Removing the peer takes it, its route and the traffic away.
    assert api.delete(f"/vpn/peers/{peer_id}").status == 204
    wait_for(lambda: peer.public_key not in box.exec("wg", "show", "wg0", "peers"), 10, "the peer removed")
    assert "10.50.0.0/24" not in box.exec("ip", "route", "show", "dev", "wg0")
    assert fetch_in(peer.netns, f"http://{BOX_TUNNEL}:8080/api/v1/health", timeout=1) is None


def test_interface_comes_back(api, box):
    """wireguard-go dying (or the interface going away) is repaired by the manager."""
    api.put("/vpn", {"address": f"{BOX_TUNNEL}/24"})
    wait_for(lambda: api.get("/vpn").json["running"], 15, "the interface")
    box.exec("ip", "link", "del", "wg0")
    wait_for(lambda: f"inet {BOX_TUNNEL}/24" in box.exec("ip", "-o", "addr", "show", "dev", "wg0", check=False), 15,
             "the interface made again")
    assert api.put("/vpn", {"address": None}).status == 200
    wait_for(lambda: not api.get("/vpn").json["running"], 15, "the interface removed")
