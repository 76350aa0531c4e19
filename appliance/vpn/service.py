"""The WireGuard interface's settings and its peers, as journaled changes.

Every value here ends up on a `wg` or `ip` command line, so each is checked to its exact
form: keys are 32 bytes in base64, networks and endpoints are IP literals (no DNS: the box
must not wait on a name server to bring its links up).
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import json

from marshmallow import ValidationError, fields, validate as v, validates

from ..db import change
from ..db.journal import utcnow
from ..db.models import Setting, VpnPeer
from ..errors import Conflict, Invalid, NotFound
from ..fields import Name, StrictSchema, StrictString, validate
from .plan import Peer, Wanted

SETTING = "vpn"
DEFAULTS = {"address": None, "listen_port": 51820, "public_address": None}
MAX_NETWORKS = 16
MAX_KEEPALIVE = 3600


def check_key(value) -> str:
    if not isinstance(value, str):
        raise ValidationError("must be a string")
    try:
        raw = base64.b64decode(value.strip(" "), validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        raise ValidationError("must be a WireGuard public key: 44 characters of base64")
    return base64.b64encode(raw).decode()


def check_endpoint(value: str) -> str:
    """IP:port or [IPv6]:port, as wg takes it."""
    host, sep, port = value.rpartition(":")
    try:
        ip = ipaddress.ip_address(host[1:-1] if host.startswith("[") and host.endswith("]") else host)
    except ValueError:
        raise ValidationError("must be an IP address and a port, such as 203.0.113.7:51820") from None
    if not sep or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValidationError("must be an IP address and a port, such as 203.0.113.7:51820")
    return f"[{ip}]:{int(port)}" if ip.version == 6 else f"{ip}:{int(port)}"


def check_networks(values: list[str]) -> list[str]:
    out: list[str] = []
    for value in values:
        try:
            net = ipaddress.ip_network(value, strict=True)
        except ValueError as exc:
            raise ValidationError(f"{value!r} is not a network such as 10.20.0.0/24 ({exc})") from None
        if str(net) in out:
            raise ValidationError(f"{net} is listed twice")
        out.append(str(net))
    return out


class Key(StrictString):
    def _deserialize(self, value, attr, data, **kwargs):
        return check_key(value)


class VpnPeerSchema(StrictSchema):
    name = Name(required=True)
    public_key = Key(required=True)
    allowed_ips = fields.List(StrictString(), required=True, validate=v.Length(1, MAX_NETWORKS))
    endpoint = StrictString(allow_none=True)
    keepalive = fields.Integer(strict=True, validate=v.Range(0, MAX_KEEPALIVE))

    @validates("allowed_ips")
    def _allowed(self, value, **kwargs):
        check_networks(value)

    @validates("endpoint")
    def _endpoint(self, value, **kwargs):
        if value is not None:
            check_endpoint(value)


class VpnInterfaceSchema(StrictSchema):
    address = StrictString(allow_none=True)
    listen_port = fields.Integer(strict=True, validate=v.Range(1, 65535))
    # Where branches and peers reach this box from outside (its address on the internet, or
    # the router's that forwards the port): enrolment codes and branches' endpoints carry it.
    public_address = StrictString(allow_none=True)

    @validates("public_address")
    def _public(self, value, **kwargs):
        if value is not None:
            try:
                ipaddress.ip_address(value)
            except ValueError:
                raise ValidationError("must be an IP address") from None

    @validates("address")
    def _address(self, value, **kwargs):
        if value is not None:
            check_tunnel_address(value)


def check_tunnel_address(value: str) -> None:
    """A private address with its prefix, not the network's own address (the tunnels' net)."""
    message = "must be a private address with its prefix, such as 10.99.0.1/24"
    try:
        iface = ipaddress.ip_interface(value)
    except ValueError:
        raise ValidationError(message) from None
    network = iface.network
    if "/" not in value or not iface.ip.is_private or (iface.ip == network.network_address
                                                        and network.num_addresses > 1):
        raise ValidationError(message)


# -- the interface --------------------------------------------------------------------------------

def interface() -> dict:
    row = Setting.get_or_none(Setting.key == SETTING)
    return {**DEFAULTS, **(json.loads(row.value) if row else {})}


def set_interface(data, actor: str) -> int | None:
    values = validate(VpnInterfaceSchema(), data, partial=True)
    if values.get("address"):
        values["address"] = str(ipaddress.ip_interface(values["address"]))
    if values.get("public_address"):
        values["public_address"] = str(ipaddress.ip_address(values["public_address"]))
    new = {**interface(), **values}
    with change(actor, "vpn.interface", new["address"] or "off") as cs:
        row = Setting.get_or_none(Setting.key == SETTING)
        if row is None:
            cs.create(Setting, key=SETTING, value=json.dumps(new))
        else:
            cs.update(row, value=json.dumps(new))
    return None if cs.empty else cs.revision


# -- peers ---------------------------------------------------------------------------------------

def networks_of(p: VpnPeer) -> list[str]:
    return [n for n in p.allowed_ips.split(",") if n]


def to_dict(p: VpnPeer, live: dict | None = None) -> dict:
    doc = {"id": p.id, "name": p.name, "public_key": p.public_key, "allowed_ips": networks_of(p),
           "endpoint": p.endpoint, "keepalive": p.keepalive,
           # A remote seat's extension (seats.py), changed and removed with it; None: any other peer.
           "extension": p.extension.number if p.extension_id is not None else None,
           "created_at": p.created_at.isoformat() + "Z", "updated_at": p.updated_at.isoformat() + "Z"}
    if live is not None:
        doc.update(live)
    return doc


def listing() -> list[VpnPeer]:
    return list(VpnPeer.select().order_by(VpnPeer.name))


def get(key) -> VpnPeer:
    found = VpnPeer.get_or_none(VpnPeer.id == key) if str(key).isdigit() else None
    if found is None:
        raise NotFound(f"no VPN peer {key}")
    return found


def _check_unique(values: dict, own_public_key: str | None, exclude: int | None) -> None:
    others = [p for p in VpnPeer.select() if p.id != exclude]
    if "public_key" in values:
        if values["public_key"] == own_public_key:
            raise Invalid("public_key: is this box's own key; give the peer's", "public_key")
        if any(p.public_key == values["public_key"] for p in others):
            raise Conflict("public_key: another peer has this key", "public_key")
    if "name" in values and any(p.name == values["name"] for p in others):
        raise Conflict(f"name: a peer called {values['name']} exists", "name")
    if "allowed_ips" in values:
        # WireGuard sends each address to one peer: a second peer claiming it would silently take it over.
        for net in values["allowed_ips"]:
            mine = ipaddress.ip_network(net)
            for p in others:
                for theirs in map(ipaddress.ip_network, networks_of(p)):
                    if mine.version == theirs.version and mine.overlaps(theirs):
                        raise Invalid(f"allowed_ips: {mine} overlaps {theirs} of peer {p.name}", "allowed_ips")


def _load(data, partial) -> dict:
    values = validate(VpnPeerSchema(), data, partial=partial)
    if "allowed_ips" in values:
        values["allowed_ips"] = check_networks(values["allowed_ips"])
    if values.get("endpoint") is not None:
        values["endpoint"] = check_endpoint(values["endpoint"])
    return values


def create(data, actor: str, own_public_key: str | None = None) -> tuple[VpnPeer, int]:
    values = _load(data, partial=False)
    with change(actor, "vpn_peer.create", values["name"]) as cs:
        _check_unique(values, own_public_key, None)
        now = utcnow()
        peer = cs.create(VpnPeer, name=values["name"], public_key=values["public_key"],
                         allowed_ips=",".join(values["allowed_ips"]), endpoint=values.get("endpoint"),
                         keepalive=values.get("keepalive", 0), created_at=now, updated_at=now)
    return peer, cs.revision


def update(key, data, actor: str, *, partial: bool, own_public_key: str | None = None) -> tuple[VpnPeer, int | None]:
    get(key)
    values = _load(data, partial=partial)
    with change(actor, "vpn_peer.update", str(key)) as cs:
        peer = get(key)
        if peer.extension_id is not None:
            raise Conflict(f"peer {peer.name} is extension {peer.extension.number}'s remote-access tunnel: "
                           "remove it and make it again on the extension")
        _check_unique(values, own_public_key, peer.id)
        changes = {k: values[k] for k in ("name", "public_key") if k in values}
        if "allowed_ips" in values:
            changes["allowed_ips"] = ",".join(values["allowed_ips"])
        if "endpoint" in values or not partial:
            changes["endpoint"] = values.get("endpoint")
        if "keepalive" in values or not partial:
            changes["keepalive"] = values.get("keepalive", 0)
        cs.update(peer, **changes)
        if not cs.empty:
            cs.update(peer, updated_at=utcnow())
    return peer, None if cs.empty else cs.revision


def delete(key, actor: str) -> int:
    with change(actor, "vpn_peer.delete", str(key)) as cs:
        cs.delete(get(key))
    return cs.revision


def wanted() -> Wanted:
    """What the interface should be, from the database."""
    iface = interface()
    peers = tuple(Peer(p.public_key, tuple(networks_of(p)), p.endpoint, p.keepalive) for p in listing())
    return Wanted(iface["address"], iface["listen_port"], peers)
