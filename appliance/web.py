"""The web manager: serves the web UI and API on a gevent WSGI server.

gevent because hundreds of agent browsers hold a live event stream open at
once; each costs a greenlet, not a thread.
"""

from __future__ import annotations

import logging
import threading

from .db import db
from .supervisor import Manager

log = logging.getLogger(__name__)
HEALTH_EVERY = 3.0


class WebManager(Manager):
    name = "web"
    needs = ("database",)

    def load(self) -> None:
        from webui import make_app

        self.app = make_app(self.box)

    def start(self) -> None:
        from gevent.pywsgi import WSGIServer

        address = self.box.runtime.http
        self.server = WSGIServer((address.host, address.port), self.app, log=None,
                                 error_log=logging.getLogger("web"))
        self.server.start()
        log.info("web UI listening on http://%s/", address)
        self._stop = threading.Event()
        self._ticker = threading.Thread(target=self._tick, name="health-ticker", daemon=True)
        self._ticker.start()

    def _tick(self) -> None:
        """Health for the dashboards, while any browser listens."""
        while not self._stop.wait(HEALTH_EVERY):
            if self.box.events.subscribers:
                try:
                    with db.connection_context():
                        self.box.events.publish("health", **self.box.health())
                except Exception:  # noqa: BLE001
                    log.exception("health tick failed")

    def stop(self) -> None:
        self._stop.set()
        self.server.stop(timeout=5)

    def health(self) -> dict:
        return {"web": f"http://{self.box.runtime.http}/"}
