"""The provisioning manager: the digest key, which address phones are given, the phones'
last fetches, SIP PnP answers (pnp.py) and check-sync pushes (checksync.py)."""

from __future__ import annotations

import logging
import socket
import threading

from ..db import db
from ..db.models import DeskPhone
from ..log import kv
from ..supervisor import Manager
from ..db.journal import utcnow
from . import pnp, service
from .checksync import CheckSync
from .addresses import reached_at, unspecified, url_host
from .digest import Digest

log = logging.getLogger(__name__)


class ProvisioningManager(Manager):
    name = "provisioning"
    needs = ("database",)

    def load(self) -> None:
        self.digest = Digest()
        self._lock = threading.Lock()
        #: mac -> {"at", "address", "user_agent"} of the last file served (since start).
        self.fetched: dict[str, dict] = {}
        self.pnp: pnp.Listener | None = None
        self.pnp_error: str | None = None
        self.checksync: CheckSync | None = None
        pbx = getattr(self.box, "pbx", None)
        if pbx is not None and not pbx.error and getattr(pbx, "ami", None) is not None:
            self.checksync = CheckSync(pbx.ami, self.box.runtime.sip.port)
            pbx.applier.after_apply.append(self.checksync.kick)

    def start(self) -> None:
        if self.checksync is not None:
            threading.Thread(target=self.checksync.run, name="check-sync", daemon=True).start()
        sip = self.box.runtime.sip
        if unspecified(sip.host) and sip.port == pnp.PORT:
            # Asterisk binds the wildcard without SO_REUSEADDR: a socket on the group's port
            # bound first would take port 5060 from Asterisk, and its phones could not register.
            self.pnp_error = (f"SIP PnP is off: Asterisk listens on port {pnp.PORT} of every address "
                              "(BOX_SIP), which the PnP listener would need as well")
            log.warning("SIP PnP is off", extra=kv(error=self.pnp_error))
            return
        interfaces = self._pnp_interfaces()
        if not interfaces:
            self.pnp_error = "the box's SIP address is loopback: no LAN to answer on"
            return
        listener = pnp.Listener(interfaces, self._pnp_answer, lambda peer: self.sip_server(peer)[0])
        try:
            listener.open()
        except OSError as exc:
            # Phones still find the box through DHCP option 66 or their own setting.
            self.pnp_error = f"SIP PnP is off: {exc}"
            log.warning("SIP PnP is off", extra=kv(error=str(exc)))
            return
        self.pnp = listener
        threading.Thread(target=listener.run, name="sip-pnp", daemon=True).start()
        log.info("answering SIP PnP", extra=kv(group=f"{pnp.GROUP}:{pnp.PORT}", interfaces=interfaces))

    def stop(self) -> None:
        if self.checksync is not None:
            self.checksync.stop()
        if self.pnp is not None:
            self.pnp.stop()

    def _pnp_interfaces(self) -> list[str]:
        import ipaddress

        host = self.box.runtime.sip.host
        if not unspecified(host):
            ip = ipaddress.ip_address(host)
            return [host] if ip.version == 4 and not ip.is_loopback else []
        import psutil

        return sorted({a.address for addrs in psutil.net_if_addrs().values() for a in addrs
                       if a.family == socket.AF_INET and not ipaddress.ip_address(a.address).is_loopback})

    def _pnp_answer(self, sub: pnp.Subscribe, peer: str) -> str:
        """The address a PnP SUBSCRIBE gets: the phone's own when claimed, else the common one."""
        with db.connection_context():
            phone = DeskPhone.get_or_none(DeskPhone.mac == sub.mac)
            if phone is None:
                service.record_request(sub.mac, sub.user_agent, peer, "SIP PnP")
        log.info("SIP PnP answered", extra=kv(mac=sub.mac, address=peer, claimed=phone is not None))
        return self.base_url(peer) + (f"{phone.token}/" if phone is not None else "")

    def health(self) -> dict:
        with db.connection_context():
            claimed = DeskPhone.select().count()
        doc = {"phones": claimed, "fetched": len(self.fetched),
               "check_sync_sent": self.checksync.sent if self.checksync is not None else None,
               "pnp": f"{pnp.GROUP}:{pnp.PORT}" if self.pnp is not None else None}
        if self.pnp_error:
            doc["pnp_error"] = self.pnp_error
        return {"provisioning": doc}

    # -- addresses ---------------------------------------------------------------------------

    def base_url(self, peer: str | None) -> str:
        """The provisioning address for a phone (or browser) at `peer`: DHCP option 66's value."""
        http = self.box.runtime.http
        return f"http://{url_host(reached_at(http.host, peer))}:{http.port}/provision/"

    def sip_server(self, peer: str | None) -> tuple[str, int]:
        sip = self.box.runtime.sip
        return reached_at(sip.host, peer), sip.port

    def served(self, mac: str, address: str, user_agent: str) -> None:
        with self._lock:
            self.fetched[mac] = {"at": utcnow().isoformat(timespec="seconds") + "Z", "address": address,
                                 "user_agent": user_agent[:200]}
        log.info("provisioning file served", extra=kv(mac=mac, address=address))
