"""The update manager: installs uploaded bundles, confirms the running slot, reports slots.

In the registry after pbx and before web: it waits for Asterisk (pbx) and for
the web UI to answer before it marks the running system good, and the web
routes reach it as box.update. It fails no other manager: on a dev box, or a
system without RAUC, it only says that updates are not available here.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import ssl
import threading
import time
import urllib.request
from pathlib import Path

from ..log import kv
from ..supervisor import Manager
from . import logic

log = logging.getLogger(__name__)

#: Largest bundle taken: a system slot is 1 GiB.
MAX_BUNDLE = 1024 * 1024 * 1024
CHUNK = 1024 * 1024
CHECK_EVERY = 1.0
_HTTP = urllib.request.build_opener(urllib.request.ProxyHandler({}))
# The box asking its own HTTPS listener on loopback whether it answers: the certificate is the
# box's own and names its addresses, not 127.0.0.1, and there is nobody in between to check for.
_OWN_TLS = ssl.create_default_context()
_OWN_TLS.check_hostname = False
_OWN_TLS.verify_mode = ssl.CERT_NONE
_HTTPS = urllib.request.build_opener(urllib.request.ProxyHandler({}), urllib.request.HTTPSHandler(context=_OWN_TLS))


def write_stream(stream, path: Path, length: int, each=None) -> int:
    """Up to `length` bytes of `stream` into `path`, synced to disk; how many came. `each(chunk,
    received)` sees every chunk (progress, a digest)."""
    done = 0
    with open(path, "wb") as f:
        while done < length:
            chunk = stream.read(min(CHUNK, length - done))
            if not chunk:
                break
            f.write(chunk)
            done += len(chunk)
            if each is not None:
                each(chunk, done)
        f.flush()
        os.fsync(f.fileno())
    return done


class UpdateError(Exception):
    """Refused before anything changed; the message is for people."""


class UpdateManager(Manager):
    name = "update"

    def __init__(self, box, system=None):
        super().__init__(box)
        self.system = system
        self.available = False
        self.reason = "updates are installed on a box booted from its disk, not on a dev box instance"
        self.booted: str | None = None
        self.release: dict = {}
        self.other: dict = {}
        self.confirmed = False
        self.outcome: str | None = None
        self.job: dict = {"state": "idle"}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.reboot_delay = 1.5

    # -- paths on the data partition -------------------------------------------------------

    @property
    def workdir(self) -> Path:
        return self.box.runtime.paths.data / "update"

    @property
    def history_file(self) -> Path:
        return self.workdir / "last.json"

    @property
    def good_marker(self) -> Path:
        return self.box.runtime.paths.run / "slot-good"

    # -- manager -------------------------------------------------------------------------------

    def load(self) -> None:
        if self.system is None and self.box.runtime.can_reboot:
            from .rauc import RaucSystem

            if RaucSystem.present():
                self.system = RaucSystem()
            else:
                self.reason = "this system has no RAUC configuration (/etc/rauc/system.conf)"
        if self.system is None or not self.box.runtime.can_reboot:
            return
        self.booted = self.system.booted()
        if self.booted is None:
            self.reason = "the running system was not started from a system slot (no rauc.slot= boot option)"
            return
        self.release = self.system.release()
        self.available = True
        self.other = {"slot": logic.other_slot(self.booted), "version": None, "state": None}
        self.workdir.mkdir(parents=True, exist_ok=True)
        # A half-received upload from before a power loss is of no use.
        for stale in self.workdir.glob("upload-*"):
            stale.unlink(missing_ok=True)

    def start(self) -> None:
        if not self.available:
            return
        self._watcher = threading.Thread(target=self._confirm_when_healthy, name="update-confirm", daemon=True)
        self._watcher.start()

    def stop(self) -> None:
        self._stop.set()

    def health(self) -> dict:
        if not self.available:
            return {}
        return {"system": {"slot": self.booted, "version": self.release.get("VERSION"), "confirmed": self.confirmed,
                           "other_slot": self.other.get("slot"), "other_version": self.other.get("version")}}

    # -- confirming the running system ---------------------------------------------------

    def healthy(self) -> bool:
        """Asterisk is up and the web UI answers its own health route."""
        try:
            if self.box.health().get("asterisk") != "up":
                return False
        except Exception:  # noqa: BLE001 - not healthy yet
            return False
        scheme, address = self.web()
        host = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(address.host, address.host)
        url = f"{scheme}://{f'[{host}]' if ':' in host else host}:{address.port}/api/v1/health"
        try:
            with (_HTTPS if scheme == "https" else _HTTP).open(url, timeout=5) as r:
                return r.status == 200
        except OSError:
            return False

    def web(self):
        """How browsers reach the web UI: HTTPS where the box serves it (its port 80 then only
        sends them there), else HTTP."""
        rt = self.box.runtime
        return ("https", rt.https) if rt.https is not None else ("http", rt.http)

    def _confirm_when_healthy(self) -> None:
        while not self._stop.is_set():
            if self.healthy():
                try:
                    self.confirm()
                except Exception:  # noqa: BLE001
                    log.exception("could not mark the running system good")
                    self._stop.wait(10)
                    continue
                break
            self._stop.wait(CHECK_EVERY)
        if not self._stop.is_set():
            self.refresh_other()

    def confirm(self) -> str:
        """Mark the running slot good; settle an update that just finished or failed."""
        trial = self.system.trial()
        outcome = logic.after_healthy_boot(self.booted, trial)
        self.system.mark_good()
        if outcome.mark_other_bad:
            self.system.mark_bad(trial)
        if outcome.clear_trial:
            self.system.set_trial(None)
        version = self.release.get("VERSION")
        if outcome.kind != "normal":
            record = self.history()
            record.update(result=outcome.kind, finished_at=time.time(), running_version=version,
                          running_slot=self.booted)
            self._write_history(record)
        self.good_marker.parent.mkdir(parents=True, exist_ok=True)
        self.good_marker.write_text(f"{self.booted}\n")
        self.confirmed = True
        self.outcome = outcome.kind
        what = {"normal": "is good", "updated": "is good: the update is complete",
                "rolled_back": f"is good; the update in slot {trial} failed and was rolled back"}[outcome.kind]
        log.info("system slot confirmed", extra=kv(slot=self.booted, version=version, outcome=outcome.kind))
        self.system.announce(f"system {self.booted} (version {version}) {what}")
        for url in self.web_addresses():
            self.system.announce(f"web UI: {url}")
        return outcome.kind

    def web_addresses(self) -> list[str]:
        """Where a browser reaches the web UI: this box's addresses (the console shows them)."""
        import ipaddress
        import socket

        import psutil

        scheme, address = self.web()
        port = "" if address.port == {"http": 80, "https": 443}[scheme] else f":{address.port}"
        if address.host not in ("0.0.0.0", "::"):
            return [f"{scheme}://{address}/"]
        found = []
        for addrs in psutil.net_if_addrs().values():
            for a in addrs:
                if a.family == socket.AF_INET and not ipaddress.ip_address(a.address).is_loopback:
                    found.append(f"{scheme}://{a.address}{port}/")
        return found

    def refresh_other(self) -> None:
        slot = self.other["slot"]
        try:
            release = self.system.slot_release(slot)
            states = self.system.slot_states()
        except Exception:  # noqa: BLE001 - shown as unknown
            log.exception("could not read the other slot")
            return
        self.other = {"slot": slot, "version": (release or {}).get("VERSION"),
                      "state": (states.get(slot) or {}).get("boot_status") if release else "empty"}

    # -- history ------------------------------------------------------------------------------

    def history(self) -> dict:
        try:
            return json.loads(self.history_file.read_text())
        except (OSError, ValueError):
            return {}

    def _write_history(self, record: dict) -> None:
        tmp = self.history_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(record))
        os.replace(tmp, self.history_file)

    # -- installing -------------------------------------------------------------------------

    def status(self) -> dict:
        doc = {"available": self.available}
        if not self.available:
            doc["reason"] = self.reason
            return doc
        doc.update(
            compatible=self.system.compatible(),
            running={"slot": self.booted, "version": self.release.get("VERSION"), "confirmed": self.confirmed},
            other=dict(self.other),
            job=dict(self.job),
            last_update=self.history() or None,
        )
        return doc

    def _busy(self) -> bool:
        return self.job.get("state") in ("receiving", "checking", "installing", "rebooting")

    def refuse_unless_ready(self) -> None:
        if not self.available:
            raise UpdateError(self.reason)
        if self._busy():
            raise UpdateError(f"an update is already in progress ({self.job['state']})")
        if not self.confirmed:
            raise UpdateError("the running system is not confirmed good yet; wait until the box has started")

    def receive(self, stream, length: int) -> Path:
        """Store an uploaded bundle on the data partition, `length` bytes read from `stream`."""
        with self._lock:
            self.refuse_unless_ready()
            if length <= 0:
                raise UpdateError("send the update bundle as the request body")
            if length > MAX_BUNDLE:
                raise UpdateError(f"the file is larger than a system slot ({MAX_BUNDLE // 2**20} MB)")
            self.job = {"state": "receiving", "progress": 0, "received": 0, "size": length, "started_at": time.time()}
        path = self.workdir / f"upload-{int(time.time())}-{secrets.token_hex(4)}.raucb"
        try:
            done = write_stream(stream, path, length,
                                lambda _chunk, n: self.job.update(received=n, progress=int(n * 100 / length)))
        except BaseException as exc:
            path.unlink(missing_ok=True)
            received = self.job.get("received", 0)
            self.job = {"state": "failed", "message": "the upload was interrupted; nothing was changed"}
            if isinstance(exc, OSError):  # the connection went away: the page sends the bundle again
                log.warning("update upload interrupted", extra=kv(received=received, size=length, reason=str(exc)))
                raise UpdateError(self.job["message"]) from None
            raise
        if done < length:
            path.unlink(missing_ok=True)
            self.job = {"state": "failed", "message": "the upload was cut short; nothing was changed"}
            raise UpdateError(self.job["message"])
        return path

    def take(self, path: Path) -> Path:
        """A bundle already on the data partition (a branch fetched it from headquarters, its digest
        checked) becomes the one to install, as if uploaded: moved, not copied."""
        with self._lock:
            self.refuse_unless_ready()
            target = self.workdir / f"upload-{int(time.time())}-{secrets.token_hex(4)}.raucb"
            os.replace(path, target)
        return target

    def install_async(self, bundle: Path) -> dict:
        self.job = {"state": "checking", "progress": 0}
        threading.Thread(target=self._install, args=(bundle,), name="update-install", daemon=True).start()
        return dict(self.job)

    def _install(self, bundle: Path) -> None:
        target = logic.other_slot(self.booted)
        try:
            info = logic.check_bundle_info(self.system.info(bundle), self.system.compatible())
            self.job = {"state": "installing", "progress": 0, "version": info["version"], "slot": target}
            log.info("installing an update", extra=kv(version=info["version"], slot=target))
            self.system.install(bundle, lambda pct, what: self.job.update(progress=pct, step=what))
            self.system.set_trial(target)
            self._write_history({"result": "installing", "version": info["version"], "slot": target,
                                 "from_version": self.release.get("VERSION"), "from_slot": self.booted,
                                 "installed_at": time.time()})
            self.other = {"slot": target, "version": info["version"], "state": "trial"}
            self.job = {"state": "rebooting", "progress": 100, "version": info["version"], "slot": target}
            self.system.announce(f"update {info['version']} written to system {target}; rebooting into it")
        except Exception as exc:  # noqa: BLE001 - reported to the uploader
            message = str(exc) if isinstance(exc, (logic.BundleRefused,)) or type(exc).__name__ == "InstallFailed" \
                else f"the update failed: {exc}; the running system is unchanged"
            log.warning("update refused or failed", extra=kv(error=message))
            # Gone before the job says failed: the next upload, taken as soon as it does, is not
            # the one removed.
            bundle.unlink(missing_ok=True)
            self.job = {"state": "failed", "message": message}
            return
        finally:
            bundle.unlink(missing_ok=True)
        self._stop.wait(self.reboot_delay)
        self.box.request_reboot()

    def factory_reset(self) -> None:
        """Erase the data partition at the next boot, and reboot now."""
        if not self.available:
            raise UpdateError(self.reason)
        if self._busy():
            raise UpdateError(f"an update is in progress ({self.job['state']})")
        marker = self.box.runtime.paths.data / ".factory-reset"
        marker.write_text("requested from the web UI\n")
        self.system.announce("factory reset requested; rebooting")
        self.job = {"state": "rebooting", "progress": 0, "factory_reset": True}
        threading.Timer(self.reboot_delay, self.box.request_reboot).start()
