"""What to change on the WireGuard interface: the wanted state against the present one.

Pure: no kernel, no processes. The manager reads the present state through the adapter
(wg.py), asks `plan` for the steps and hands them back to the adapter, so every decision
here is tested without an interface.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Peer:
    public_key: str
    allowed_ips: tuple[str, ...]  # networks, normalised (ipaddress' str of each)
    endpoint: str | None = None  # IP:port, or None (the peer calls in: a branch behind NAT)
    keepalive: int = 0  # seconds; 0 is off


@dataclass(frozen=True)
class Wanted:
    address: str | None  # the interface's own address with its prefix; None: no interface at all
    listen_port: int
    peers: tuple[Peer, ...] = ()


@dataclass(frozen=True)
class Present:
    exists: bool
    up: bool = False
    key_set: bool = False  # the interface carries the box's key
    listen_port: int | None = None
    addresses: tuple[str, ...] = ()
    routes: tuple[str, ...] = ()  # the routes the box put on the interface (proto static)
    peers: dict = field(default_factory=dict)  # public key -> Peer as wg shows it


def networks(peers) -> list[str]:
    """Every allowed network of the peers, once, for routes over the interface."""
    seen: list[str] = []
    for p in peers:
        for net in p.allowed_ips:
            if net not in seen:
                seen.append(net)
    return seen


def plan(wanted: Wanted, present: Present, applied_endpoints: dict | None = None) -> list[tuple]:
    """The steps, in order, that make `present` what `wanted` says.

    Steps: ("create",), ("destroy",), ("key", listen_port), ("peer", Peer, set_endpoint),
    ("remove_peer", key), ("addr_add", cidr), ("addr_del", cidr), ("up",),
    ("route_add", net), ("route_del", net).
    An endpoint is set when a peer is new, has none, or its wanted endpoint changed since the
    box last set it (`applied_endpoints`); otherwise the address the peer roamed to is kept.
    """
    applied_endpoints = applied_endpoints or {}
    if wanted.address is None:
        return [("destroy",)] if present.exists else []
    steps: list[tuple] = []
    if not present.exists:
        steps.append(("create",))
        present = Present(exists=True)
    if not present.key_set or present.listen_port != wanted.listen_port:
        steps.append(("key", wanted.listen_port))
    want_keys = {p.public_key for p in wanted.peers}
    for key in present.peers:
        if key not in want_keys:
            steps.append(("remove_peer", key))
    for p in wanted.peers:
        have = present.peers.get(p.public_key)
        if have is None:
            steps.append(("peer", p, p.endpoint is not None))
            continue
        endpoint = p.endpoint is not None and (have.endpoint is None or
                                               applied_endpoints.get(p.public_key) != p.endpoint)
        if endpoint or set(have.allowed_ips) != set(p.allowed_ips) or have.keepalive != p.keepalive:
            steps.append(("peer", p, endpoint))
    own = str(ipaddress.ip_interface(wanted.address))
    for a in present.addresses:
        if a != own:
            steps.append(("addr_del", a))
    if own not in present.addresses:
        steps.append(("addr_add", own))
    if not present.up:
        steps.append(("up",))
    # The interface's own network is routed by its address; the peers' other networks need routes.
    own_net = ipaddress.ip_interface(own).network
    want_routes = [n for n in networks(wanted.peers) if not _within(n, own_net)]
    for r in present.routes:
        if r not in want_routes:
            steps.append(("route_del", r))
    for r in want_routes:
        if r not in present.routes:
            steps.append(("route_add", r))
    return steps


def _within(net: str, own) -> bool:
    n = ipaddress.ip_network(net)
    return n.version == own.version and n.subnet_of(own)
