"""A thin adapter over the kernel's network configuration (pyroute2) and the
few files that carry the rest. No decisions here: the manager decides."""

from __future__ import annotations

import ipaddress
import os
import shutil
import socket
import subprocess
from pathlib import Path


class Netlink:
    def interfaces(self) -> list[dict]:
        """Ethernet-like interfaces: name, MAC address, up or not, addresses."""
        from pyroute2 import IPRoute

        out = []
        with IPRoute() as ipr:
            addrs: dict[int, list[str]] = {}
            for a in ipr.get_addr():
                addrs.setdefault(a["index"], []).append(f"{a.get_attr('IFA_ADDRESS')}/{a['prefixlen']}")
            for link in ipr.get_links():
                name = link.get_attr("IFLA_IFNAME")
                if name == "lo":
                    continue
                out.append({
                    "name": name,
                    "mac": link.get_attr("IFLA_ADDRESS"),
                    "up": link.get_attr("IFLA_OPERSTATE") in ("UP", "UNKNOWN"),
                    "addresses": addrs.get(link["index"], []),
                })
        return sorted(out, key=lambda i: i["name"])

    def set_static(self, interface: str, address: str, gateway: str | None) -> None:
        from pyroute2 import IPRoute

        iface = ipaddress.ip_interface(address)
        with IPRoute() as ipr:
            index = ipr.link_lookup(ifname=interface)[0]
            ipr.link("set", index=index, state="up")
            family = socket.AF_INET6 if iface.version == 6 else socket.AF_INET
            for a in ipr.get_addr(index=index, family=family):
                ipr.addr("del", index=index, address=a.get_attr("IFA_ADDRESS"), prefixlen=a["prefixlen"])
            ipr.addr("add", index=index, address=str(iface.ip), prefixlen=iface.network.prefixlen)
            if gateway:
                ipr.route("replace", dst="default", gateway=gateway, oif=index)

    def start_dhcp(self, interface: str) -> bool:
        """Start a DHCP client on the interface, if the system has one."""
        for client, args in (("udhcpc", ["-b", "-i", interface]), ("dhclient", ["-nw", interface])):
            path = shutil.which(client)
            if path:
                subprocess.run([path, *args], check=False, timeout=10,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                return True
        return False

    def write_resolv(self, servers: list[str], path: Path = Path("/etc/resolv.conf")) -> None:
        text = "".join(f"nameserver {s}\n" for s in servers) or \
            "# No DNS server: lookups fail at once instead of timing out.\n"
        _replace(path, text)

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


def _replace(path: Path, text: str) -> None:
    if path.is_symlink():
        path = path.resolve()
    tmp = path.with_name(path.name + ".callbox-tmp")
    tmp.write_text(text)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)
