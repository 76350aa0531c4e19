"""Remote seats: a WireGuard peer made for one extension's phone on the internet.

The box makes the peer's key pair, gives it the highest free address of the tunnel network
(branches take the lowest: site numbers count up from the network's start), lets it send from
that /32 alone, and hands the peer's wg-quick file back once: the private key is not kept (a
lost file is replaced by removing the seat and making it again).

Through the tunnel, a phone registers to the box's tunnel address without NAT settings: the
box names that address in SIP and SDP (the tunnel's network is a local network of its SIP
transports). The seat's address may register and call as its own extension only: every
extension's endpoint refuses requests from the tunnel network except its own seat's address
(pjsip.py, a deny and a permit per endpoint), so other credentials through the peer get a 403.
"""

from __future__ import annotations

import ipaddress

from ..db import change
from ..db.journal import utcnow
from ..db.models import Extension, Site, VpnPeer
from ..errors import Conflict, NotFound
from . import service

#: Seconds: the phone's side keeps its NAT mapping open so the box can call it.
KEEPALIVE = 25


def name_of(number: str) -> str:
    return f"Extension {number}"


def _extension(number: str) -> Extension:
    ext = Extension.get_or_none(Extension.number == number)
    if ext is None:
        raise NotFound(f"no extension {number}")
    return ext


def of(number: str) -> VpnPeer:
    ext = _extension(number)
    peer = VpnPeer.get_or_none(VpnPeer.extension == ext)
    if peer is None:
        raise NotFound(f"extension {number} has no remote-access tunnel")
    return peer


def address_of(peer: VpnPeer) -> str:
    return service.networks_of(peer)[0].split("/")[0]


def _tunnel() -> dict:
    iface = service.interface()
    if not iface["address"] or not iface.get("public_address"):
        raise Conflict("set this box's tunnel address and public address on the VPN page first")
    return iface


def free_address(iface_address: str, taken_networks: list[str], site_addresses: list[str]) -> str:
    """The highest address of the tunnel network that is not the box's, a site's, or within a peer's
    networks. Conflict when there is none (a branch's tunnel network is headquarters' own)."""
    own = ipaddress.ip_interface(iface_address)
    network = own.network
    taken = [ipaddress.ip_network(n) for n in taken_networks]
    if any(t.version == network.version and network.subnet_of(t) for t in taken):
        raise Conflict(f"the tunnel network {network} belongs to a peer (a branch's is headquarters': make "
                       "remote-access tunnels there)")
    sites = {ipaddress.ip_address(a) for a in site_addresses}
    last = network.broadcast_address - (1 if network.num_addresses > 2 else 0)
    candidate = last
    while candidate > network.network_address:
        if candidate != own.ip and candidate not in sites and \
                not any(t.version == network.version and candidate in t for t in taken):
            return str(candidate)
        candidate -= 1
    raise Conflict(f"the tunnel network {network} has no free address for another remote-access tunnel")


def config(private_key: str, address: str, box_public_key: str, iface: dict, number: str) -> str:
    """The peer's wg-quick file: its own address, the box as its one peer, the box's tunnel
    address its SIP server (the only address it sends into the tunnel)."""
    box_address = str(ipaddress.ip_interface(iface["address"]).ip)
    endpoint = service.check_endpoint(f"{iface['public_address']}:{iface['listen_port']}")
    return (f"# Remote-access tunnel for extension {number}: register the phone to {box_address}\n"
            "[Interface]\n"
            f"PrivateKey = {private_key}\n"
            f"Address = {address}/32\n"
            "\n"
            "[Peer]\n"
            f"PublicKey = {box_public_key}\n"
            f"Endpoint = {endpoint}\n"
            f"AllowedIPs = {box_address}/32\n"
            f"PersistentKeepalive = {KEEPALIVE}\n")


def create(number: str, actor: str, box_public_key: str, genkey, pubkey) -> tuple[VpnPeer, str, int]:
    """Make extension `number`'s seat; returns the peer, its wg-quick file and the revision."""
    private = genkey()
    public = pubkey(private)
    with change(actor, "vpn_peer.seat", number) as cs:
        ext = _extension(number)
        if VpnPeer.get_or_none(VpnPeer.extension == ext) is not None:
            raise Conflict(f"extension {number} has a remote-access tunnel: remove it first")
        if VpnPeer.get_or_none(VpnPeer.name == name_of(number)) is not None:
            raise Conflict(f"a VPN peer called {name_of(number)} exists")
        iface = _tunnel()
        address = free_address(iface["address"], [n for p in service.listing() for n in service.networks_of(p)],
                               [s.tunnel_address for s in Site.select(Site.tunnel_address)])
        now = utcnow()
        peer = cs.create(VpnPeer, name=name_of(number), public_key=public, allowed_ips=f"{address}/32",
                         endpoint=None, keepalive=0, extension=ext, created_at=now, updated_at=now)
    return peer, config(private, address, box_public_key, iface, number), cs.revision


def remove_extension(cs, ext: Extension) -> None:
    """The extension goes: so does its seat, in the same change."""
    for peer in VpnPeer.select().where(VpnPeer.extension == ext):
        cs.delete(peer)


def delete(number: str, actor: str) -> int:
    """Remove extension `number`'s seat (NotFound when it has none)."""
    with change(actor, "vpn_peer.delete", number) as cs:
        remove_extension(cs, of(number).extension)
    return cs.revision


def seats() -> dict[str, str]:
    """Each seat's extension number and address (the snapshot's view)."""
    query = VpnPeer.select(VpnPeer, Extension).join(Extension)
    return {p.extension.number: address_of(p) for p in query}


def tunnel_network() -> str | None:
    address = service.interface()["address"]
    return str(ipaddress.ip_interface(address).network) if address else None
