"""The VPN manager: owns the box's WireGuard interface and makes it what the database says.

It keeps the box's key pair (made here at first start; the private key stays in a 0600 file
and reaches `wg` only as that file's path), and reconciles the interface after every committed
change and every few seconds, so an interface that vanished or a wireguard-go that died
comes back by itself. Reading and changing the interface is the adapter's (wg.py); what to
change is the planner's (plan.py).

Only a box that owns its network does this: a real box, or a dev box in a namespace of its
own. A dev box on its host's network (`make run`) keeps the settings and touches no interface:
the host's own wg0, if it has one, is not the box's.
"""

from __future__ import annotations

import logging
import threading
import time

from .. import secrets
from ..db import db
from ..db.journal import journal
from ..log import kv
from ..supervisor import Manager
from . import service, wg
from .plan import plan

log = logging.getLogger(__name__)

INTERFACE = "wg0"
KEY_NAME = "wireguard.key"
RECHECK_EVERY = 5.0


class VpnManager(Manager):
    name = "vpn"
    needs = ("settings", "database")

    def __init__(self, box, tools=wg, managed: bool | None = None):
        super().__init__(box)
        self.tools = tools  # genkey, pubkey and WireGuard: wg.py, or a stand-in in unit tests
        self._managed = managed  # None: as the box's runtime says

    def load(self) -> None:
        directory = self.box.runtime.paths.secrets
        private = secrets.read(directory, KEY_NAME)
        if not private:
            private = self.tools.genkey()
            secrets.store(directory, KEY_NAME, private)
        self.public_key = self.tools.pubkey(private)
        self.adapter = self.tools.WireGuard(INTERFACE, directory / KEY_NAME, self.box.runtime.paths.log / "wireguard.log")
        self.last_error: str | None = None
        self.applied_endpoints: dict[str, str] = {}
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        journal.on_commit(lambda _revision: self._wake.set())

    @property
    def managed(self) -> bool:
        if self._managed is not None:
            return self._managed
        runtime = self.box.runtime
        return runtime.manage_host or runtime.firewall

    def start(self) -> None:
        self._thread = None
        if not self.managed:
            log.info("WireGuard not managed: a dev box on its host's network")
            return
        self._thread = threading.Thread(target=self._loop, name="vpn", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is None:
            return
        self._thread.join(timeout=10)
        try:
            self.adapter.destroy()
        except Exception:  # noqa: BLE001 - the box is going down anyway
            log.exception("could not remove the WireGuard interface")

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.reconcile()
            self._wake.wait(RECHECK_EVERY)
            self._wake.clear()

    def reconcile(self) -> list[tuple]:
        """Make the interface what the database says; returns the steps taken."""
        with self._lock:
            try:
                with db.connection_context():
                    wanted = service.wanted()
                if self.adapter.userspace_died():
                    log.error("wireguard-go exited; making the interface again")
                    self.adapter.destroy()
                steps = plan(wanted, self.adapter.present(self.public_key), self.applied_endpoints)
                for step in steps:
                    self.adapter.apply(step)
                    if step[0] == "peer" and step[2]:
                        self.applied_endpoints[step[1].public_key] = step[1].endpoint
                if steps:
                    log.info("WireGuard interface changed", extra=kv(steps=[s[0] for s in steps]))
                self.last_error = None
                return steps
            except Exception as exc:  # noqa: BLE001 - shown in health and on the page; tried again soon
                error = str(getattr(exc, "stderr", "") or exc).strip()[:500]
                if error != self.last_error:
                    log.error("WireGuard interface not as wanted", extra=kv(error=error))
                self.last_error = error
                return []

    def kick(self) -> None:
        self._wake.set()

    def live(self) -> dict[str, dict]:
        """Per peer's public key: the latest handshake, its age, bytes in and out, where it is."""
        if not self.adapter.exists():
            return {}
        try:
            _iface, peers = self.adapter.dump()
        except Exception:  # noqa: BLE001 - the interface went away between the two looks
            return {}
        now = time.time()
        out = {}
        for _peer, lv in peers:
            out[lv.public_key] = {
                "handshake_age": round(now - lv.latest_handshake) if lv.latest_handshake else None,
                "rx_bytes": lv.rx_bytes, "tx_bytes": lv.tx_bytes, "endpoint_seen": lv.endpoint}
        return out

    def status(self) -> dict:
        if not self.managed:
            return {"interface": INTERFACE, "public_key": self.public_key, "running": False,
                    "error": "a dev box on its host's network: the tunnel is not set up here"}
        return {"interface": INTERFACE, "public_key": self.public_key, "running": self.adapter.exists(),
                "error": self.last_error}

    def health(self) -> dict:
        return {"vpn": {"running": self.adapter.exists(), **({"error": self.last_error} if self.last_error else {})}}
