"""/vpn: the box's WireGuard interface and its peers (appliance/vpn), with each peer's live state;
/extensions/{number}/tunnel: an extension's remote seat (appliance/vpn/seats.py)."""

from __future__ import annotations

from bottle import request, response

from appliance.errors import Unavailable
from appliance.vpn import seats, service

from ..plugins import current_user, json_body
from .apply import settle

ADMIN = ("admin",)


def vpn_manager(box):
    found = getattr(box, "vpn", None)
    if found is None or found.error:
        raise Unavailable("the VPN manager is not running")
    return found


def settle_and_kick(box, revision) -> None:
    """Wait for the change to apply, then have the VPN manager make the interface match at once."""
    settle(box, revision)
    vpn_manager(box).kick()


def install(api, box) -> None:
    def manager():
        return vpn_manager(box)

    def changed(revision) -> None:
        settle_and_kick(box, revision)

    def interface_doc() -> dict:
        return {**service.interface(), **manager().status()}

    def peer_doc(peer, live=None) -> dict:
        live = manager().live() if live is None else live
        return service.to_dict(peer, live.get(peer.public_key, {"handshake_age": None, "rx_bytes": 0,
                                                                 "tx_bytes": 0, "endpoint_seen": None}))

    @api.get("/vpn", roles=ADMIN)
    def get_vpn():
        """The WireGuard interface: its tunnel address (null: no interface), listen port, the box's
        public key (give it to peers), whether it runs and why not."""
        return interface_doc()

    @api.put("/vpn", roles=ADMIN, schema=service.VpnInterfaceSchema)
    def put_vpn():
        """Set the tunnel address (null takes the interface down) and the listen port."""
        changed(service.set_interface(json_body(), current_user().username))
        return interface_doc()

    @api.get("/vpn/peers", roles=ADMIN)
    def list_peers():
        """The peers, each with its latest handshake's age in seconds (null: none yet), bytes received
        and sent, and the address it was last seen at."""
        live = manager().live()
        return {"items": [peer_doc(p, live) for p in service.listing()]}

    @api.post("/vpn/peers", roles=ADMIN, schema=service.VpnPeerSchema, success="201")
    def create_peer():
        """Add a peer: name, its public key, the networks it may send from and is sent (allowed_ips),
        its endpoint (IP:port; none when it calls in from behind NAT), keepalive seconds (0: off)."""
        peer, revision = service.create(json_body(), current_user().username, manager().public_key)
        changed(revision)
        response.status = 201
        response.set_header("Location", f"/api/v1/vpn/peers/{peer.id}")
        return peer_doc(service.get(peer.id))

    @api.get("/vpn/peers/<key>", roles=ADMIN)
    def get_peer(key):
        """One peer and its live state."""
        return peer_doc(service.get(key))

    @api.route("/vpn/peers/<key>", ["PUT", "PATCH"], roles=ADMIN, schema=service.VpnPeerSchema)
    def change_peer(key):
        """Replace (PUT) or change some fields (PATCH) of a peer."""
        _peer, revision = service.update(key, json_body(), current_user().username,
                                         partial=request.method == "PATCH", own_public_key=manager().public_key)
        changed(revision)
        return peer_doc(service.get(key))

    @api.delete("/vpn/peers/<key>", roles=ADMIN, success="204")
    def delete_peer(key):
        """Remove a peer: the interface forgets it at once."""
        changed(service.delete(key, current_user().username))
        response.status = 204

    def seat_doc(peer, live=None) -> dict:
        doc = peer_doc(peer, live)
        iface = service.interface()
        doc.update(address=seats.address_of(peer),
                   sip_server=iface["address"].split("/")[0] if iface["address"] else None)
        return doc

    @api.get("/extensions/<number>/tunnel", roles=ADMIN)
    def get_seat(number):
        """The extension's remote-access tunnel (a WireGuard peer made for its phone): its address,
        the SIP server to register to through it, and its live state; 404 when it has none."""
        return seat_doc(seats.of(number))

    @api.post("/extensions/<number>/tunnel", roles=ADMIN, success="201")
    def create_seat(number):
        """Make the extension a remote-access tunnel: the box makes the peer's keys, gives it the
        highest free address of the tunnel network and keepalive, and answers its wg-quick file
        (`config`) once: the private key is not kept. Needs the box's tunnel and public address."""
        tools = manager().tools
        peer, text, revision = seats.create(number, current_user().username, manager().public_key,
                                            tools.genkey, tools.pubkey)
        changed(revision)
        response.status = 201
        response.set_header("Location", f"/api/v1/extensions/{number}/tunnel")
        return {**seat_doc(service.get(peer.id)), "config": text}

    @api.delete("/extensions/<number>/tunnel", roles=ADMIN, success="204")
    def delete_seat(number):
        """Remove the extension's remote-access tunnel: the interface forgets the peer at once."""
        changed(seats.delete(number, current_user().username))
        response.status = 204
