"""The box's network settings as data, and their checks.

One document (box setting `network`): interfaces (DHCP or static, several
addresses each), VLANs on them, static routes, DNS servers and how long a
change waits for its confirmation. Everything is parsed with `ipaddress` and
names are held to a strict pattern, so what reaches the kernel or a file is
known to be an address, a network or a plain interface name.
"""

from __future__ import annotations

import ipaddress

from marshmallow import ValidationError, fields, validate, validates, validates_schema

from ..fields import StrictSchema, StrictString

#: What Linux takes as an interface name, narrowed: a letter first, then letters, digits, '.', '_', '-'.
IFNAME = r"^[A-Za-z][A-Za-z0-9._-]{0,14}$"
IFNAME_ERROR = "must be an interface name such as eth0"
CONFIRM_DEFAULT = 60

DEFAULT_NETWORK = {"interfaces": [], "vlans": [], "routes": [], "dns": [], "confirm_seconds": CONFIRM_DEFAULT}


def parse_address(value: str) -> ipaddress.IPv4Interface | ipaddress.IPv6Interface:
    """An address with its prefix (192.168.1.10/24), or ValueError saying what is wrong."""
    problem = "must be an address with its prefix, such as 192.168.1.10/24"
    try:
        iface = ipaddress.ip_interface(value)
    except ValueError:
        raise ValueError(problem) from None
    if "/" not in value or iface.network.prefixlen in (0, iface.max_prefixlen):
        raise ValueError(problem)
    if iface.ip.is_loopback or iface.ip.is_multicast or iface.ip.is_unspecified:
        raise ValueError("must not be a loopback, multicast or unspecified address")
    return iface


def parse_destination(value: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    if value == "default":
        return ipaddress.ip_network("0.0.0.0/0")
    try:
        return ipaddress.ip_network(value, strict=True)
    except ValueError as exc:
        raise ValueError(f"must be a network such as 10.20.0.0/16 or 'default' ({exc})") from None


def _ip(value: str) -> None:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        raise ValidationError(f"{value!r} is not an IP address") from None


class Addresses(fields.List):
    def __init__(self, **kwargs):
        super().__init__(StrictString(), load_default=list, validate=validate.Length(max=16), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        out = []
        for item in super()._deserialize(value, attr, data, **kwargs):
            try:
                out.append(str(parse_address(item)))
            except ValueError as exc:
                raise ValidationError(f"{item!r} {exc}") from None
        return out


class InterfaceSchema(StrictSchema):
    name = StrictString(required=True, validate=validate.Regexp(IFNAME, error=IFNAME_ERROR))
    mode = StrictString(required=True, validate=validate.OneOf(("dhcp", "static")))
    addresses = Addresses()

    @validates("name")
    def _not_loopback(self, value, **kwargs):
        if value == "lo":
            raise ValidationError("the loopback interface is not the box's to change")

    @validates_schema
    def _mode(self, data, **kwargs):
        if data.get("mode") == "dhcp" and data.get("addresses"):
            raise ValidationError("a DHCP interface takes its address from DHCP: leave addresses empty", "addresses")
        if data.get("mode") == "static" and not data.get("addresses"):
            raise ValidationError("a static interface needs at least one address", "addresses")


class VlanSchema(InterfaceSchema):
    parent = StrictString(required=True, validate=validate.Regexp(IFNAME, error=IFNAME_ERROR))
    id = fields.Integer(strict=True, required=True, validate=validate.Range(1, 4094))


class RouteSchema(StrictSchema):
    destination = StrictString(required=True)
    gateway = StrictString(allow_none=True, load_default=None)
    interface = StrictString(allow_none=True, load_default=None,
                             validate=validate.Regexp(IFNAME, error=IFNAME_ERROR))
    metric = fields.Integer(strict=True, allow_none=True, load_default=None, validate=validate.Range(0, 65535))

    @validates("destination")
    def _destination(self, value, **kwargs):
        try:
            parse_destination(value)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None

    @validates("gateway")
    def _gateway(self, value, **kwargs):
        if value is not None:
            _ip(value)

    @validates_schema
    def _where(self, data, **kwargs):
        if not data.get("gateway") and not data.get("interface"):
            raise ValidationError("a route needs a gateway or an interface", "gateway")
        gateway = data.get("gateway")
        if gateway and ipaddress.ip_address(gateway).version != parse_destination(data["destination"]).version:
            raise ValidationError("the gateway and the destination must be of the same IP version", "gateway")


def _dns(value):
    for server in value:
        _ip(server)


class NetworkSchema(StrictSchema):
    """The `network` box setting; the checks that span items are in `check` (they name the item)."""

    interfaces = fields.List(fields.Nested(InterfaceSchema), load_default=list, validate=validate.Length(max=16))
    vlans = fields.List(fields.Nested(VlanSchema), load_default=list, validate=validate.Length(max=64))
    routes = fields.List(fields.Nested(RouteSchema), load_default=list, validate=validate.Length(max=64))
    dns = fields.List(StrictString(), load_default=list, validate=[validate.Length(max=3), _dns])
    confirm_seconds = fields.Integer(strict=True, load_default=CONFIRM_DEFAULT, validate=validate.Range(5, 600))

    @validates_schema
    def _together(self, data, **kwargs):
        check(data)


def normalise(data: dict) -> dict:
    """The stored form: every key present, addresses and networks written the way ipaddress writes them."""
    doc = {**DEFAULT_NETWORK, **data}
    doc["dns"] = [str(ipaddress.ip_address(s)) for s in doc["dns"]]
    doc["routes"] = [{"destination": str(parse_destination(r["destination"])),
                      "gateway": str(ipaddress.ip_address(r["gateway"])) if r.get("gateway") else None,
                      "interface": r.get("interface"), "metric": r.get("metric")} for r in doc["routes"]]
    return doc


def check(data: dict) -> None:
    """What only the whole document can tell: names used twice, VLAN ids twice on one
    parent, an address twice, routes to interfaces the box does not manage, unreachable gateways."""
    names: set[str] = set()
    static: dict[str, list] = {}
    dhcp = False
    for kind, items in (("interfaces", data.get("interfaces", [])), ("vlans", data.get("vlans", []))):
        for n, item in enumerate(items):
            if item["name"] in names:
                raise ValidationError(f"{item['name']} is named twice", f"{kind}.{n}.name")
            names.add(item["name"])
            if item["mode"] == "static":
                static[item["name"]] = [parse_address(a) for a in item["addresses"]]
            else:
                dhcp = True
    seen_ids: dict[tuple, str] = {}
    for n, vlan in enumerate(data.get("vlans", [])):
        if vlan["parent"] == "lo" or vlan["parent"] in {v["name"] for v in data.get("vlans", [])}:
            raise ValidationError("a VLAN's parent must be a network port", f"vlans.{n}.parent")
        key = (vlan["parent"], vlan["id"])
        if key in seen_ids:
            raise ValidationError(f"VLAN {vlan['id']} on {vlan['parent']} is already {seen_ids[key]}",
                                  f"vlans.{n}.id")
        seen_ids[key] = vlan["name"]
    owners: dict = {}
    for name, addresses in static.items():
        for a in addresses:
            if a.ip in owners:
                raise ValidationError(f"{a.ip} is given twice ({owners[a.ip]} and {name})", "addresses")
            owners[a.ip] = name
    seen_routes = set()
    for n, route in enumerate(data.get("routes", [])):
        dest = parse_destination(route["destination"])
        key = (dest, route.get("metric"))
        if key in seen_routes:
            raise ValidationError(f"a route to {dest} is given twice", f"routes.{n}.destination")
        seen_routes.add(key)
        via = route.get("interface")
        if via is not None and via not in names:
            raise ValidationError(f"{via} is not one of the interfaces or VLANs above", f"routes.{n}.interface")
        gateway = route.get("gateway")
        if gateway is None:
            continue
        gw = ipaddress.ip_address(gateway)
        candidates = static.get(via, []) if via is not None else [a for v in static.values() for a in v]
        reachable = any(gw in a.network for a in candidates)
        if not reachable and not (dhcp and (via is None or via not in static)):
            raise ValidationError(f"the gateway {gw} is in none of the box's networks", f"routes.{n}.gateway")


def from_wizard(old: dict, default_interface: str = "eth0") -> dict:
    """The wizard's one-port answer (interface, mode, address, gateway, dns) in this shape."""
    if "interfaces" in old:
        return {**DEFAULT_NETWORK, **old}
    doc = {**DEFAULT_NETWORK, "dns": list(old.get("dns") or [])}
    name = old.get("interface") or default_interface
    if old.get("mode") == "static" and old.get("address"):
        doc["interfaces"] = [{"name": name, "mode": "static", "addresses": [old["address"]]}]
        if old.get("gateway"):
            doc["routes"] = [{"destination": "0.0.0.0/0", "gateway": old["gateway"], "interface": None,
                              "metric": None}]
    elif old.get("interface"):
        doc["interfaces"] = [{"name": name, "mode": "dhcp", "addresses": []}]
    return doc
