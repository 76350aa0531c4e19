"""The sites manager: a branch reports to headquarters every few seconds over pinned HTTPS.

The report carries the branch's version and registered phones (the Sites page shows them) and
its extensions (headquarters watches their busy lamps), and brings back the current site list,
kept in the database when it changed: the dial plan reaches the other sites' ranges and breakout
patterns by it. A branch that headquarters no longer knows (revoked) takes its own side down:
its headquarters peer, its tunnel address and its site record, in one change.
"""

from __future__ import annotations

import logging
import threading

from .. import __version__
from ..db import db
from ..log import kv
from ..supervisor import Manager
from ..db.models import Extension
from . import enrol, updates
from .dialing import runs
from .pinned import WrongCertificate, download, post

log = logging.getLogger(__name__)

REPORT_EVERY = 10.0
REPORT_PATH = "/api/v1/sites/report"
FETCH_PATH = "/api/v1/sites/update-bundle/fetch"


class SitesManager(Manager):
    name = "sites"
    needs = ("database", "vpn")

    def load(self) -> None:
        self.sites: list[dict] = []  # the site list as headquarters last gave it
        self.last_error: str | None = None
        self._wake = threading.Event()
        self._stop = threading.Event()
        # Upgrades pushed from headquarters (updates.py): installed by the box's update manager.
        self.taker = updates.Taker(self.box.runtime.paths.data / "update-pushed", self._fetch, self._updates)

    def _updates(self):
        found = getattr(self.box, "update", None)
        return None if found is None or found.error else found

    def _fetch(self, offer: dict, path):
        with db.connection_context():
            state = enrol.state()
        return download(state["headquarters"], state["fingerprint"], FETCH_PATH,
                        {"number": state["site"]["number"], "secret": state["trunk"]["secret"],
                         "sha256": offer["sha256"]}, path, offer["size"], timeout=60)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="sites", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    def kick(self) -> None:
        self._wake.set()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.report()
            except Exception:  # noqa: BLE001 - tried again at the next round
                log.exception("site report failed")
            self._wake.wait(REPORT_EVERY)
            self._wake.clear()

    def _pbx(self):
        pbx = getattr(self.box, "pbx", None)
        return None if pbx is None or pbx.error or not hasattr(pbx, "live") else pbx

    def _phones(self) -> int | None:
        pbx = self._pbx()
        return None if pbx is None else len(pbx.live.registered())

    def report(self) -> None:
        with db.connection_context():
            state = enrol.state()
        if state["state"] != "enrolled":
            self.sites = []
            return
        with db.connection_context():
            own = runs(e.number for e in Extension.select(Extension.number))
        body = {"number": state["site"]["number"], "secret": state["trunk"]["secret"], "version": __version__,
                "phones_registered": self._phones(), "extensions": own}
        # Headquarters keeps this box's published states under its eid, and passes on again what
        # it had passed on when the run changes (this Asterisk started again and lost it).
        pbx = self._pbx()
        identity = pbx.identity() if pbx is not None else None
        if identity is not None:
            body["asterisk"] = identity
        pushed = self.taker.reported()
        if pushed is not None:
            body["update"] = pushed
        try:
            status, doc = post(state["headquarters"], state["fingerprint"], REPORT_PATH, body, timeout=5)
        except (OSError, WrongCertificate) as exc:
            self.last_error = f"headquarters not reached: {exc}"
            return
        if status == 404:
            log.warning("headquarters revoked this site; leaving", extra=kv(headquarters=state["headquarters"]))
            with db.connection_context():
                revision = enrol.leave("headquarters")
            self.sites = []
            vpn = getattr(self.box, "vpn", None)
            if vpn is not None and revision is not None:
                vpn.kick()
            return
        if status == 200 and isinstance(doc, dict):
            try:
                with db.connection_context():
                    enrol.remember(doc)  # the dial plan reaches the other sites by it
            except ValueError as exc:
                self.last_error = str(exc)
                return
            self.sites = list(doc.get("sites") or [])
            self.last_error = None
            self.taker.offered(doc.get("update"))
        else:
            self.last_error = f"headquarters answered {status}"

    def health(self) -> dict:
        return {"sites": {"known": len(self.sites), **({"error": self.last_error} if self.last_error else {})}}
