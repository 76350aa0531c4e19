"""The box's one process: a fixed-order registry of managers.

Each manager owns one domain (settings, database, pbx, web; hardware, network
and the rest come later in this order) and has load, start and stop. A manager
that fails is marked with the reason and the box reports itself degraded; the
others keep running, so a broken trunk card never takes the web UI down.
"""

from __future__ import annotations

import logging
import signal
import threading
from typing import Iterable

from .log import kv
from .settings import Runtime

log = logging.getLogger(__name__)


class Manager:
    name = "manager"
    #: Managers whose failure this one cannot run without.
    needs: tuple[str, ...] = ()

    def __init__(self, box: "Box"):
        self.box = box
        self.error: str | None = None
        self.started = False

    def load(self) -> None:
        """Prepare: read config, check the system. Must not block for long."""

    def start(self) -> None:
        """Start background work. Must return promptly."""

    def stop(self) -> None:
        """Stop background work and children."""

    def health(self) -> dict:
        return {}


class Box:
    def __init__(self, runtime: Runtime, managers: Iterable[type[Manager]]):
        from .events import EventBus

        self.runtime = runtime
        self.events = EventBus()
        self.reboot_after_stop = False
        self.managers: list[Manager] = [cls(self) for cls in managers]
        self._by_name = {m.name: m for m in self.managers}
        self._stopping = threading.Event()

    def __getattr__(self, name: str) -> Manager:
        try:
            return self.__dict__["_by_name"][name]
        except KeyError:
            raise AttributeError(name) from None

    def _blocked(self, manager: Manager) -> str | None:
        for need in manager.needs:
            other = self._by_name.get(need)
            if other is not None and other.error:
                return f"needs {need}, which failed"
        return None

    def start(self) -> None:
        for phase in ("load", "start"):
            for m in self.managers:
                if m.error:
                    continue
                blocked = self._blocked(m)
                if blocked:
                    m.error = blocked
                    continue
                try:
                    getattr(m, phase)()
                    m.started = m.started or phase == "start"
                except Exception as exc:  # noqa: BLE001 - one manager must not stop the others
                    m.error = f"{phase} failed: {exc}"
                    log.exception("manager failed", extra=kv(manager=m.name, phase=phase))
        log.info("box started", extra=kv(failed=[m.name for m in self.managers if m.error]))

    def stop(self) -> None:
        for m in reversed(self.managers):
            if not m.started:
                continue
            try:
                m.stop()
            except Exception:  # noqa: BLE001
                log.exception("manager stop failed", extra=kv(manager=m.name))
        log.info("box stopped")

    def request_stop(self, *_args) -> None:
        self._stopping.set()

    def request_reboot(self) -> None:
        """Stop cleanly, then have the system reboot (only where runtime.can_reboot)."""
        self.reboot_after_stop = True
        self._stopping.set()

    def run(self) -> None:
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(sig, self.request_stop)
        self.start()
        try:
            while not self._stopping.wait(1.0):
                pass
        finally:
            self.stop()

    def health(self) -> dict:
        managers = {m.name: {"ok": m.error is None, **({"error": m.error} if m.error else {})} for m in self.managers}
        doc: dict = {"managers": managers}
        for m in self.managers:
            if m.error is None:
                try:
                    doc.update(m.health())
                except Exception as exc:  # noqa: BLE001
                    managers[m.name] = {"ok": False, "error": f"health check failed: {exc}"}
        ok = all(v["ok"] for v in managers.values()) and doc.get("asterisk") == "up"
        doc["status"] = "ok" if ok else "degraded"
        doc.setdefault("asterisk", "down")
        return {"status": doc.pop("status"), "asterisk": doc.pop("asterisk"), **doc}
