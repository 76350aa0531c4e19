"""The network manager: makes the box's host settings true, after every applied change.

On a dev box instance the network, name and clock belong to the machine it
runs on, so the manager only reports what it would do; the setup wizard shows
that as skipped.
"""

from __future__ import annotations

import logging
import threading

from ..log import kv
from ..supervisor import Manager
from ..system import ensure_hosts_entry
from .netlink import Netlink

log = logging.getLogger(__name__)


class NetworkManager(Manager):
    name = "network"
    needs = ("settings", "database")

    def __init__(self, box, netlink: Netlink | None = None):
        super().__init__(box)
        self.netlink = netlink or Netlink()
        self.applied: dict = {}
        self.last = {"managed": box.runtime.manage_host, "applied": None, "error": None}
        self._lock = threading.Lock()

    def interfaces(self) -> list[dict]:
        try:
            return self.netlink.interfaces()
        except Exception as exc:  # noqa: BLE001 - shown to the installer, not fatal
            log.warning("cannot list network interfaces", extra=kv(error=str(exc)))
            return []

    def reconcile(self, settings) -> dict:
        """Apply what changed in hostname, network, time zone; returns what was done."""
        wanted = {"hostname": settings.hostname, "network": settings.network, "timezone": settings.timezone,
                  "ntp_servers": list(settings.ntp_servers)}
        with self._lock:
            if not self.box.runtime.manage_host:
                self.last = {"managed": False, "applied": None, "error": None, "wanted": wanted,
                             "note": "dev box: the network, host name and clock are the host's; not applied"}
                return self.last
            done, error = [], None
            try:
                if wanted["hostname"] != self.applied.get("hostname"):
                    self.netlink.set_hostname(wanted["hostname"])
                    ensure_hosts_entry(self.box.runtime.hosts_file, wanted["hostname"])
                    done.append("hostname")
                if wanted["network"] != self.applied.get("network"):
                    self._network(wanted["network"])
                    done.append("network")
                if wanted["timezone"] != self.applied.get("timezone"):
                    self.netlink.set_timezone(wanted["timezone"])
                    done.append("timezone")
                self.applied = wanted
            except Exception as exc:  # noqa: BLE001 - reported on the dashboard; the PBX keeps running
                error = str(exc)
                log.error("host settings not applied", extra=kv(error=error))
            if done:
                log.info("host settings applied", extra=kv(changed=done))
            self.last = {"managed": True, "applied": done, "error": error, "wanted": wanted}
            return self.last

    def _network(self, net: dict) -> None:
        interface = net.get("interface") or self._default_interface()
        if interface is None:
            raise RuntimeError("no network interface found")
        if net["mode"] == "static":
            self.netlink.set_static(interface, net["address"], net.get("gateway"))
            self.netlink.write_resolv(list(net.get("dns") or []))
        elif not self.netlink.start_dhcp(interface):
            raise RuntimeError("no DHCP client on this system")

    def _default_interface(self) -> str | None:
        found = self.interfaces()
        for i in found:
            if i["up"]:
                return i["name"]
        return found[0]["name"] if found else None

    def start(self) -> None:
        from .. import box_settings
        from ..db import db

        with db.connection_context():
            self.reconcile(box_settings.load())
        pbx = getattr(self.box, "pbx", None)
        if pbx is not None and not pbx.error and hasattr(pbx, "applier"):
            pbx.applier.after_apply.append(lambda snap: self.reconcile(snap.settings))

    def health(self) -> dict:
        return {"network": {k: v for k, v in self.last.items() if k != "wanted"}}
