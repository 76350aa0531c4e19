"""A thin adapter over the kernel's network configuration (pyroute2) and the
few files that carry the rest. No decisions here: the manager decides."""

from __future__ import annotations

import errno
import ipaddress
import os
import shutil
import socket
import subprocess
from pathlib import Path


from .planner import OWNER_ALIAS, ROUTE_PROTO, Route


class Netlink:
    def interfaces(self) -> list[dict]:
        """Every link but loopback: name, MAC, state (up, carrier), addresses, traffic, and for a
        VLAN its parent and id."""
        from pyroute2 import IPRoute

        out = []
        with IPRoute() as ipr:
            addrs: dict[int, list[str]] = {}
            for a in ipr.get_addr():
                addrs.setdefault(a["index"], []).append(f"{a.get_attr('IFA_ADDRESS')}/{a['prefixlen']}")
            links = ipr.get_links()
            names = {link["index"]: link.get_attr("IFLA_IFNAME") for link in links}
            for link in links:
                name = link.get_attr("IFLA_IFNAME")
                if name == "lo":
                    continue
                info = link.get_attr("IFLA_LINKINFO")
                kind = info.get_attr("IFLA_INFO_KIND") if info is not None else None
                vlan_id = None
                if kind == "vlan":
                    data = info.get_attr("IFLA_INFO_DATA")
                    vlan_id = data.get_attr("IFLA_VLAN_ID") if data is not None else None
                stats = link.get_attr("IFLA_STATS64") or link.get_attr("IFLA_STATS") or {}
                operstate = link.get_attr("IFLA_OPERSTATE")
                out.append({
                    "name": name,
                    "mac": link.get_attr("IFLA_ADDRESS"),
                    "up": operstate in ("UP", "UNKNOWN"),
                    "admin_up": bool(link["flags"] & 1),
                    "carrier": bool(link.get_attr("IFLA_CARRIER")),
                    "state": (operstate or "unknown").lower(),
                    "kind": kind,
                    "parent": names.get(link.get_attr("IFLA_LINK")) if kind == "vlan" else None,
                    "vlan_id": vlan_id,
                    "owned": link.get_attr("IFLA_IFALIAS") == OWNER_ALIAS,
                    "addresses": addrs.get(link["index"], []),
                    "rx_bytes": int(stats.get("rx_bytes", 0)),
                    "tx_bytes": int(stats.get("tx_bytes", 0)),
                })
        return sorted(out, key=lambda i: i["name"])

    def present(self) -> dict:
        """What the planner compares against: the links by name, and the box's own routes."""
        from pyroute2 import IPRoute

        links = {i["name"]: {**i, "up": i["admin_up"]} for i in self.interfaces()}
        names = {}
        routes = []
        with IPRoute() as ipr:
            for link in ipr.get_links():
                names[link["index"]] = link.get_attr("IFLA_IFNAME")
            for family in (socket.AF_INET, socket.AF_INET6):
                for r in ipr.get_routes(family=family, table=254):
                    if r["proto"] != ROUTE_PROTO:
                        continue
                    dst = r.get_attr("RTA_DST")
                    zero = "0.0.0.0" if family == socket.AF_INET else "::"
                    routes.append(Route(str(ipaddress.ip_network(f"{dst or zero}/{r['dst_len']}")),
                                        r.get_attr("RTA_GATEWAY"), names.get(r.get_attr("RTA_OIF")),
                                        r.get_attr("RTA_PRIORITY") or 0))
        return {"links": links, "routes": routes}

    def run(self, step: tuple) -> None:
        """One step of a plan (planner.plan)."""
        from pyroute2 import IPRoute
        from pyroute2.netlink.exceptions import NetlinkError

        action, *args = step
        with IPRoute() as ipr:
            def index(name: str) -> int:
                found = ipr.link_lookup(ifname=name)
                if not found:
                    raise RuntimeError(f"no interface {name}")
                return found[0]

            if action == "add_vlan":
                name, parent, vid = args
                ipr.link("add", ifname=name, kind="vlan", link=index(parent), vlan_id=vid)
                ipr.link("set", index=index(name), ifalias=OWNER_ALIAS)
            elif action == "del_vlan":
                ipr.link("del", index=index(args[0]))
            elif action == "up":
                ipr.link("set", index=index(args[0]), state="up")
            elif action == "add_addr":
                name, cidr = args
                iface = ipaddress.ip_interface(cidr)
                ipr.addr("add", index=index(name), address=str(iface.ip), prefixlen=iface.network.prefixlen)
            elif action == "del_addr":
                name, cidr = args
                iface = ipaddress.ip_interface(cidr)
                # Without this, deleting an IPv4 network's first address deletes the others in it too.
                _promote_secondaries(name)
                try:
                    ipr.addr("del", index=index(name), address=str(iface.ip), prefixlen=iface.network.prefixlen)
                except NetlinkError as exc:
                    if exc.code != errno.EADDRNOTAVAIL:  # gone already
                        raise
            elif action in ("add_route", "del_route"):
                r: Route = args[0]
                spec = {"dst": r.destination, "proto": ROUTE_PROTO, "priority": r.metric}
                if r.gateway:
                    spec["gateway"] = r.gateway
                if r.interface:
                    spec["oif"] = index(r.interface)
                ipr.route("add" if action == "add_route" else "del", **spec)
            elif action == "dhcp":
                if not self.start_dhcp(args[0]):
                    raise RuntimeError("no DHCP client on this system")
            else:
                raise ValueError(f"unknown step {action}")

    def write_file(self, path: Path, text: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        _replace(path, text)

    def reload_time_sources(self) -> None:
        """Tell a running chronyd to read its sources again (none runs on a dev box)."""
        path = shutil.which("chronyc")
        if path:
            subprocess.run([path, "reload", "sources"], check=False, timeout=10,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def start_dhcp(self, interface: str) -> bool:
        """Start a DHCP client on the interface, if the system has one."""
        for client, args in (("udhcpc", ["-b", "-i", interface]), ("dhclient", ["-nw", interface])):
            path = shutil.which(client)
            if path:
                subprocess.run([path, *args], check=False, timeout=10,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                return True
        return False

    def set_hostname(self, name: str) -> None:
        socket.sethostname(name)
        try:
            _replace(Path("/etc/hostname"), name + "\n")
        except OSError:
            pass  # a read-only /etc: the running name is what matters

    def set_timezone(self, zone: str, path: Path = Path("/etc/localtime")) -> None:
        target = Path("/usr/share/zoneinfo") / zone
        # A read-only system links /etc/localtime to the data partition: change that link.
        if path.is_symlink() and not os.readlink(path).startswith("/usr/share/zoneinfo"):
            path = Path(os.readlink(path))
        tmp = path.with_name(path.name + ".callbox-tmp")
        if tmp.is_symlink():
            tmp.unlink()
        os.symlink(target, tmp)
        os.replace(tmp, path)


def _promote_secondaries(name: str) -> None:
    try:
        Path(f"/proc/sys/net/ipv4/conf/{name}/promote_secondaries").write_text("1")
    except OSError:
        pass  # no IPv4 on the link, or a read-only /proc/sys: the manager plans again after its steps


def _replace(path: Path, text: str) -> None:
    if path.is_symlink():
        path = path.resolve()
    tmp = path.with_name(path.name + ".callbox-tmp")
    tmp.write_text(text)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)
