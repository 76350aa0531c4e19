"""The provisioning manager: the digest key, which address phones are given, the phones'
last fetches, SIP PnP answers (pnp.py) and check-sync pushes (checksync.py)."""

from __future__ import annotations

import logging
import threading

from ..db import db
from ..db.models import DeskPhone
from ..log import kv
from ..supervisor import Manager
from ..db.journal import utcnow
from .addresses import reached_at, url_host
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

    def health(self) -> dict:
        with db.connection_context():
            claimed = DeskPhone.select().count()
        return {"provisioning": {"phones": claimed, "fetched": len(self.fetched)}}

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
