"""The network manager: makes the box's host settings true, after every applied change.

Host name, interfaces, VLANs, routes, DNS, time servers and time zone. The
planner decides what changes in the kernel; this manager runs its steps,
writes the files, and watches a pending change's deadline: a change of
addresses, VLANs or routes that nobody confirmed in time goes back to the last
confirmed settings (database and kernel), also after a restart.

On a dev box instance on its host's network, the network, name and clock
belong to the machine it runs on, so the manager only reports what it would
do; the setup wizard shows that as skipped. A dev box in a network namespace
of its own may manage that namespace (BOX_NETWORK=1).
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from ..log import kv
from ..supervisor import Manager
from ..system import ensure_hosts_entry
from . import render
from .netlink import Netlink
from .planner import PlanError, plan

log = logging.getLogger(__name__)

RESOLV = Path("/etc/resolv.conf")


class NetworkManager(Manager):
    name = "network"
    needs = ("settings", "database")

    def __init__(self, box, netlink: Netlink | None = None):
        super().__init__(box)
        self.netlink = netlink or Netlink()
        self.applied: dict = {}
        self.managed = box.runtime.manage_network
        self.last = {"managed": self.managed, "applied": None, "error": None}
        self.dhcp: set[str] = set()
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None

    def interfaces(self) -> list[dict]:
        try:
            return self.netlink.interfaces()
        except Exception as exc:  # noqa: BLE001 - shown to the installer, not fatal
            log.warning("cannot list network interfaces", extra=kv(error=str(exc)))
            return []

    def reconcile(self, settings) -> dict:
        """Apply what changed in host name, network, time servers, time zone; returns what was done."""
        wanted = {"hostname": settings.hostname, "network": settings.network, "timezone": settings.timezone,
                  "ntp_servers": list(settings.ntp_servers)}
        with self._lock:
            if not self.managed:
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
                    self._network(wanted["network"], self.applied.get("network"))
                    done.append("network")
                if wanted["ntp_servers"] != self.applied.get("ntp_servers"):
                    self.netlink.write_file(Path(render.CHRONY_SOURCES), render.chrony_sources(wanted["ntp_servers"]))
                    self.netlink.reload_time_sources()
                    done.append("ntp_servers")
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
        self._watch_pending()
        return self.last

    def _network(self, net: dict, before: dict | None) -> None:
        """Run the plan; the kernel drops routes with the addresses and links they used, so plan
        again and run what is still missing. A step that fails puts back the settings applied
        before, as far as the kernel lets it, and the error is reported."""
        net = self._default_port(net)
        before = self._default_port(before) if before is not None else None
        try:
            for _ in range(2):
                steps = plan(net, self.netlink.present(), frozenset(self.dhcp))
                for step in steps:
                    self._run(step)
                if not steps:
                    break
        except Exception:
            if before is not None:
                try:
                    for step in plan(before, self.netlink.present(), frozenset(self.dhcp)):
                        self._run(step)
                except (PlanError, OSError, RuntimeError) as exc:
                    log.error("network settings not restored", extra=kv(error=str(exc)))
            raise
        # Without servers of its own and without a fixed address, the box keeps what DHCP wrote.
        if net.get("dns") or any(i["mode"] == "static" for i in [*net["interfaces"], *net.get("vlans", [])]):
            self.netlink.write_file(RESOLV, render.resolv_conf(net.get("dns", [])))

    def _default_port(self, net: dict) -> dict:
        """A box nobody set up yet asks DHCP for an address on the first port that is up."""
        if net.get("interfaces") or net.get("vlans"):
            return net
        ports = [i for i in self.interfaces() if i.get("kind") is None]
        first = next((i["name"] for i in ports if i["up"]), ports[0]["name"] if ports else None)
        if first is None:
            raise PlanError("no network interface found")
        return {**net, "interfaces": [{"name": first, "mode": "dhcp", "addresses": []}]}

    def check(self, net: dict) -> None:
        """Refuse settings this machine cannot take (a port it does not have, a VLAN name taken by
        another interface) before anything is stored or changed."""
        if not self.managed:
            return
        from ..errors import Invalid

        try:
            plan(self._default_port(net), self.netlink.present(), frozenset(self.dhcp))
        except PlanError as exc:
            raise Invalid(f"interfaces: {exc}", "interfaces") from None

    def _run(self, step: tuple) -> None:
        log.info("network step", extra=kv(step=" ".join(str(s) for s in step)))
        self.netlink.run(step)
        if step[0] == "dhcp":
            self.dhcp.add(step[1])

    # -- pending changes -------------------------------------------------------------------

    def _watch_pending(self) -> None:
        """Wake at the pending change's deadline (if any); the wake-up checks again."""
        from . import service

        with _connected():
            left = service.seconds_left()
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if left is not None:
            self._timer = threading.Timer(left + 0.2, self._expire)
            self._timer.daemon = True
            self._timer.start()

    def _expire(self) -> None:
        from ..db import change, db
        from . import service

        with db.connection_context():
            left = service.seconds_left()
            if left is None:
                return
            if left > 0:
                self._watch_pending()
                return
            with change("system", "network.rollback", "not confirmed in time") as cs:
                service.rollback(cs)
        log.warning("network change not confirmed in time: back to the last confirmed settings")
        self.box.events.publish("network", state="rolled_back")

    def start(self) -> None:
        from .. import box_settings
        from ..db import change, db
        from . import service

        with db.connection_context():
            left = service.seconds_left()
            if left == 0:  # the deadline passed while the supervisor was down
                with change("system", "network.rollback", "not confirmed before a restart") as cs:
                    service.rollback(cs)
                log.warning("network change not confirmed before a restart: back to the last confirmed settings")
            self.reconcile(box_settings.load())
        pbx = getattr(self.box, "pbx", None)
        if pbx is not None and not pbx.error and hasattr(pbx, "applier"):
            pbx.applier.after_apply.append(lambda snap: self.reconcile(snap.settings))

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()

    def health(self) -> dict:
        return {"network": {k: v for k, v in self.last.items() if k != "wanted"}}


def _connected():
    """The database, opened for this thread unless it already is (the applier's thread has it
    open around its hooks: closing it there would end the applier's connection)."""
    from contextlib import nullcontext

    from ..db import db

    return db.connection_context() if db.is_closed() else nullcontext()
