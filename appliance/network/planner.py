"""What to change in the kernel to go from what is there to what the settings want.

Pure: `plan(wanted, present)` reads the network document and a description of
the kernel's links and routes (netlink.present()) and returns steps in the order
they must run. The box owns the interfaces the settings list (their addresses
become exactly the wanted ones), the VLANs it made (marked with an alias) and
the routes it added (marked with its own routing protocol number); nothing
else is touched, loopback never.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from .schema import parse_destination

#: The alias on VLAN links the box made, and the rtnetlink protocol number on its routes
#: (a value no routing daemon in rtnetlink.h or iproute2's rt_protos uses), so that both are
#: recognised after a restart without a file of their own.
OWNER_ALIAS = "callbox"
ROUTE_PROTO = 73


class PlanError(Exception):
    """The settings cannot be applied to this machine (a missing port, a name taken)."""


@dataclass(frozen=True)
class Route:
    destination: str
    gateway: str | None
    interface: str | None
    metric: int

    @classmethod
    def wanted(cls, r: dict) -> "Route":
        dest = parse_destination(r["destination"])
        metric = r.get("metric")
        if metric is None:  # what the kernel gives a route added without one
            metric = 1024 if dest.version == 6 else 0
        return cls(str(dest), str(ipaddress.ip_address(r["gateway"])) if r.get("gateway") else None,
                   r.get("interface"), metric)

    def matches(self, present: "Route") -> bool:
        return (self.destination, self.gateway, self.metric) == (present.destination, present.gateway, present.metric) \
            and self.interface in (None, present.interface)


def _link_local(cidr: str) -> bool:
    return ipaddress.ip_interface(cidr).ip.is_link_local


def plan(wanted: dict, present: dict, dhcp_running: frozenset = frozenset()) -> list[tuple]:
    """Steps: ("del_route", Route), ("del_vlan", name), ("add_vlan", name, parent, id), ("up", name),
    ("add_addr", name, cidr), ("del_addr", name, cidr), ("dhcp", name), ("add_route", Route).
    The kernel drops routes with what they go through: the manager plans again after
    running the steps and runs what is still missing.

    `present`: {"links": {name: {"kind", "parent", "vlan_id", "owned", "up", "addresses"}},
    "routes": [Route, ...] (the box's own only)}."""
    links = present["links"]
    interfaces = wanted.get("interfaces", [])
    vlans = wanted.get("vlans", [])
    for item in interfaces:
        if item["name"] not in links:
            raise PlanError(f"this box has no interface {item['name']}")
    for vlan in vlans:
        if vlan["parent"] not in links:
            raise PlanError(f"VLAN {vlan['name']}: this box has no interface {vlan['parent']}")
        there = links.get(vlan["name"])
        if there is not None and not there.get("owned"):
            raise PlanError(f"VLAN {vlan['name']}: an interface of that name exists and is not one the box made")

    steps: list[tuple] = []
    routes = [Route.wanted(r) for r in wanted.get("routes", [])]
    kept_routes = []
    for r in present["routes"]:
        if any(w.matches(r) for w in routes):
            kept_routes.append(r)
        else:
            steps.append(("del_route", r))

    wanted_vlans = {v["name"]: v for v in vlans}
    fresh: set[str] = set()
    for name, link in sorted(links.items()):
        if link.get("kind") != "vlan" or not link.get("owned"):
            continue
        v = wanted_vlans.get(name)
        if v is None or (v["parent"], v["id"]) != (link.get("parent"), link.get("vlan_id")):
            steps.append(("del_vlan", name))
            if v is not None:
                fresh.add(name)
    for v in vlans:
        if v["name"] not in links or v["name"] in fresh:
            steps.append(("add_vlan", v["name"], v["parent"], v["id"]))
            fresh.add(v["name"])

    for item in [*interfaces, *vlans]:
        name = item["name"]
        link = {"up": False, "addresses": []} if name in fresh else links[name]
        if not link.get("up"):
            steps.append(("up", name))
        if item["mode"] == "static":
            have = [a for a in link.get("addresses", []) if not _link_local(a)]
            want = [str(ipaddress.ip_interface(a)) for a in item["addresses"]]
            # New addresses first: moving to another address in the same network never leaves
            # the port without one (nor drops the routes through it).
            steps += [("add_addr", name, a) for a in want if a not in have]
            steps += [("del_addr", name, a) for a in have if a not in want]
        elif name not in dhcp_running:
            steps.append(("dhcp", name))

    for w in routes:
        if not any(w.matches(r) for r in kept_routes):
            steps.append(("add_route", w))
    return steps


def disruptive(old: dict, new: dict) -> bool:
    """Whether a change can cut the administrator off (addresses, VLANs, routes): such a change
    waits for a confirmation and goes back by itself without one."""
    keys = ("interfaces", "vlans", "routes")
    return any(old.get(k, []) != new.get(k, []) for k in keys)
