"""WireGuard links: the box's interface and its peers, against a peer the test runs itself
(wireguard-go in a namespace of the test's own), with real traffic through the tunnel."""

from __future__ import annotations

import json
import re
import secrets
import subprocess
import sys
import time
from contextlib import contextmanager

import pytest

from tests.wgpeer import WgPeer, fetch_in, sh, wait_for

BOX_TUNNEL, PEER_TUNNEL = "10.99.0.1", "10.99.0.2"
PEER_LAN = "10.50.0.1"  # a network behind the peer, reached through the tunnel
HQ_TUNNEL = "10.99.0.3"  # the far end of the NAT test: a peer with a fixed endpoint
BOX_LAN, ROUTER_LAN, ROUTER_PUBLIC, HQ_PUBLIC = "192.168.77.2", "192.168.77.1", "192.0.2.1", "192.0.2.2"
NAT_TIMEOUT = 3  # seconds the NAT router keeps a UDP mapping after its last packet
KEEPALIVE = 1  # the box's keepalive towards headquarters: well inside NAT_TIMEOUT
# WireGuard sends by itself for a while after the last traffic, whatever the setting: a keepalive
# 10 s after data it received (and a second 10 s on when more came in meanwhile), a new handshake
# 15 s after data it sent that got no answer. An idle time that ends a whole NAT timeout after
# the last of these leaves no mapping alive but what the setting keeps.
IDLE = 20 + 2 * NAT_TIMEOUT


@pytest.fixture(scope="module")
def peer(box, tmp_path_factory):
    p = WgPeer(box.state()["netns"], tmp_path_factory.mktemp("wg"))
    try:
        p.start(f"{PEER_TUNNEL}/24")
        sh("ip", "-n", p.netns, "addr", "add", f"{PEER_LAN}/24", "dev", "lo")
        yield p
    finally:
        p.close()


@pytest.fixture
def behind_nat(box, tmp_path):
    """The box behind a NAT router (a namespace of the test's own that masquerades the box's
    network as ROUTER_PUBLIC and lets in only answers to what went out, forgetting an idle UDP
    mapping after NAT_TIMEOUT), and headquarters on the router's outside: a WireGuard peer with
    a fixed address that knows the box by its key alone. Yields (router namespace, headquarters)."""
    box_ns = box.state()["netns"]
    tag = secrets.token_hex(3)
    router, lan, box_side = f"nat{tag}", f"nl{tag}", f"nb{tag}"
    sh("ip", "netns", "add", router)
    hq = None
    try:
        sh("ip", "link", "add", lan, "netns", router, "type", "veth", "peer", "name", box_side, "netns", box_ns)
        for ns, dev, address in ((router, lan, ROUTER_LAN), (box_ns, box_side, BOX_LAN)):
            sh("ip", "-n", ns, "addr", "add", f"{address}/24", "dev", dev)
            sh("ip", "-n", ns, "link", "set", dev, "up")
        sh("ip", "-n", box_ns, "route", "add", f"{HQ_PUBLIC}/32", "via", ROUTER_LAN)
        hq = WgPeer(router, tmp_path, box_side=f"{ROUTER_PUBLIC}/24", own_side=f"{HQ_PUBLIC}/24")
        sh("ip", "netns", "exec", router, "nft", "-f", "-", input=(
            "table ip nat { chain post { type nat hook postrouting priority srcnat;"
            f" oifname {hq.box_if} masquerade; }}; }}\n"
            "table ip filter { chain forward { type filter hook forward priority filter; policy drop;"
            f" ct state established,related accept; iifname {lan} accept; }}; }}\n"))
        # Conntrack's timeouts belong to the namespace: the host's own are untouched.
        sh("ip", "netns", "exec", router, "sysctl", "-qw", "net.ipv4.ip_forward=1",
           f"net.netfilter.nf_conntrack_udp_timeout={NAT_TIMEOUT}",
           f"net.netfilter.nf_conntrack_udp_timeout_stream={NAT_TIMEOUT}")
        hq.start(f"{HQ_TUNNEL}/24")
        yield router, hq
    finally:
        if hq is not None:
            hq.close()
        sh("ip", "netns", "del", router, check=False)  # takes the box's veth, and its route, along


def nat_port(router: str) -> int | None:
    """The router's public port for the box's WireGuard flow to headquarters; None: no mapping."""
    flow = f"src={BOX_LAN} dst={HQ_PUBLIC} sport=51820 dport=51821 src={HQ_PUBLIC} dst={ROUTER_PUBLIC} sport=51821"
    for line in sh("ip", "netns", "exec", router, "cat", "/proc/net/nf_conntrack").splitlines():
        if flow in line:
            return int(re.search(r"sport=51821 dport=(\d+)", line).group(1))
    return None


@contextmanager
def talking(netns: str, to: str):
    """A datagram from `netns` to `to` every half second while the block runs (as a branch's
    phones and trunk would): the tunnel is busy, then quiet."""
    code = ("import socket, time\ns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
            f"while True:\n    s.sendto(b'hello', ({to!r}, 9))\n    time.sleep(0.5)\n")
    sender = subprocess.Popen(["ip", "netns", "exec", netns, sys.executable, "-c", code],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield
    finally:
        sender.terminate()
        sender.wait()


def idle(router: str) -> list[int | None]:
    """Nothing sent for IDLE seconds: the idle time is the scenario itself, so it is waited out,
    not polled for. The router's mapping, read every half second meanwhile (reading sends nothing)."""
    seen, end = [], time.monotonic() + IDLE
    while time.monotonic() < end:
        seen.append(nat_port(router))
        time.sleep(0.5)
    return seen


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


def test_keepalive_keeps_the_way_in_through_nat(api, box, behind_nat):
    """The box behind NAT (a branch behind its internet router) dials headquarters, whose
    address is fixed; headquarters cannot dial the box, it answers where the box's packets came
    from. That way in lasts as long as the router's mapping, which forgets an idle flow: without
    traffic, a call from headquarters to the branch goes nowhere. WireGuard's persistent
    keepalive is sent by the end that has it set, and only the end behind NAT can open a lapsed
    mapping again or count on its packets refreshing one (RFC 4787 requires routers to refresh a
    mapping on packets going out, not on packets coming in): so it is set here on the box's own
    peer entry for headquarters, the setting the box owns. (Towards a peer behind NAT that
    called in, the box's keepalive goes to the peer's last address and keeps that mapping only
    on routers that refresh on packets coming in, as Linux's do; that peer sets its own.)

    Off, the mapping is gone after an idle time and headquarters no longer reaches the box;
    set on the running interface, the box's keepalives keep the mapping through the same idle time
    and headquarters reaches the box after it."""
    router, hq = behind_nat
    health = f"http://{BOX_TUNNEL}:8080/api/v1/health"
    assert api.put("/vpn", {"address": f"{BOX_TUNNEL}/24", "listen_port": 51820}).status == 200
    wait_for(lambda: api.get("/vpn").json["running"], 15, "the interface")
    hq.add_peer(api.get("/vpn").json["public_key"], f"{BOX_TUNNEL}/32")  # no endpoint: it waits for the box
    r = api.post("/vpn/peers", {"name": "Headquarters", "public_key": hq.public_key,
                                "allowed_ips": [f"{HQ_TUNNEL}/32"], "endpoint": f"{HQ_PUBLIC}:51821"})
    assert r.status == 201 and r.json["keepalive"] == 0, r
    peer_id = r.json["id"]
    try:
        # The box talks to headquarters (the handshake and traffic), then goes quiet.
        with talking(box.state()["netns"], HQ_TUNNEL):
            live = wait_for(lambda: (lambda p: p if p["handshake_age"] is not None else None)(
                api.get(f"/vpn/peers/{peer_id}").json), 15, "the handshake in the API")
            assert live["keepalive"] == 0 and live["handshake_age"] < 30 and live["tx_bytes"] > 0
            assert live["endpoint_seen"] == f"{HQ_PUBLIC}:51821"
            # Headquarters sees the box at the router's public address, and reaches it there for now.
            port = wait_for(lambda: nat_port(router), 5, "the router's mapping")
            assert hq.wg("show", hq.ifname, "endpoints").split() == [api.get("/vpn").json["public_key"],
                                                                       f"{ROUTER_PUBLIC}:{port}"]
            wait_for(lambda: fetch_in(hq.netns, health), 15, "headquarters reaching the box before the idle time")

        # Keepalive off: the idle time outlasts the mapping, and the way in is closed.
        seen = idle(router)
        assert seen[-1] is None, f"the mapping outlived the idle time: {seen}"
        assert fetch_in(hq.netns, health, timeout=3) is None, "reached the box with no mapping left"

        # Keepalive on, on the running interface: its first keepalive opens the way again...
        r = api.patch(f"/vpn/peers/{peer_id}", {"keepalive": KEEPALIVE})
        assert r.status == 200 and r.json["keepalive"] == KEEPALIVE, r
        wait_for(lambda: any(c[0] == hq.public_key and c[7] == str(KEEPALIVE) for c in box_dump(box)[1:]), 10,
                 "the keepalive in wg")
        wait_for(lambda: fetch_in(hq.netns, health), 20, "headquarters reaching the box again")
        sent = api.get(f"/vpn/peers/{peer_id}").json["tx_bytes"]
        # ... and the same idle time leaves it open: the mapping never lapses, the box keeps sending.
        seen = idle(router)
        assert None not in seen, f"the mapping lapsed during the idle time: {seen}"
        wait_for(lambda: fetch_in(hq.netns, health), 10, "headquarters reaching the box after the idle time")
        live = api.get(f"/vpn/peers/{peer_id}").json
        assert live["keepalive"] == KEEPALIVE and live["handshake_age"] is not None
        # A keepalive is 32 bytes; allow for half of them late on a loaded machine.
        assert live["tx_bytes"] - sent >= 32 * IDLE // KEEPALIVE // 2, (sent, live)
    finally:
        assert api.delete(f"/vpn/peers/{peer_id}").status == 204


def test_interface_comes_back(api, box):
    """wireguard-go dying (or the interface going away) is repaired by the manager."""
    api.put("/vpn", {"address": f"{BOX_TUNNEL}/24"})
    wait_for(lambda: api.get("/vpn").json["running"], 15, "the interface")
    box.exec("ip", "link", "del", "wg0")
    wait_for(lambda: f"inet {BOX_TUNNEL}/24" in box.exec("ip", "-o", "addr", "show", "dev", "wg0", check=False), 15,
             "the interface made again")
    assert api.put("/vpn", {"address": None}).status == 200
    wait_for(lambda: not api.get("/vpn").json["running"], 15, "the interface removed")
