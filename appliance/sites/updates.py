"""Branch upgrades pushed from headquarters: the bundle it offers, and a branch taking it.

Headquarters keeps one bundle for its branches (the signed update bundle a box installs from its
System page) and a push per site. A pushed site is offered the bundle's SHA-256 and size in the
answer to its next report; the branch fetches it over the same pinned HTTPS it reports over (its
site number and trunk secret are the credential), refuses a file whose digest or size is not
the offered one, and hands it to its own update manager, which checks the signature against
the branch's own keyring, writes the other system slot and reboots into it. Each report carries
the branch's state of the push (fetching, installing, rebooting, installed, rolled back, failed
with the reason), which the Sites page shows. The install and its reboot often fall between two
reports: after the restart, the running system, once confirmed good, says how the install ended.

Headquarters does not vouch for the bundle: every branch checks its signature itself.
Files are written whole and then renamed, so a power loss leaves the last good state.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import secrets
import threading
import time
from pathlib import Path

from marshmallow import fields, validate as v

from ..errors import Conflict, Invalid, NotFound
from ..fields import StrictSchema, StrictString
from ..log import kv
from ..update.manager import write_stream

log = logging.getLogger(__name__)

#: Largest bundle taken (a system slot is 1 GiB), as the update manager's upload.
MAX_BUNDLE = 1024 * 1024 * 1024
CHUNK = 1024 * 1024
STATES = ("pushed", "fetching", "installing", "rebooting", "installed", "rolled_back", "failed")
SHA256 = r"^[0-9a-f]{64}$"


class ReportedSchema(StrictSchema):
    """A branch's state of the push it was last offered, in its report."""

    push = StrictString(required=True, validate=v.Regexp(r"^[0-9a-f]{16}$"))
    state = StrictString(required=True, validate=v.OneOf(STATES[1:]))
    message = StrictString(allow_none=True, validate=v.Length(max=500))


class FetchSchema(StrictSchema):
    number = fields.Integer(strict=True, required=True, validate=v.Range(2, 100000))
    secret = StrictString(required=True, validate=v.Length(max=128))
    sha256 = StrictString(required=True, validate=v.Regexp(SHA256))


def _write_json(path: Path, doc: dict) -> None:
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w") as f:
        json.dump(doc, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


# -- headquarters ---------------------------------------------------------------------------------

class Offers:
    """Headquarters' bundle for its branches and the push of each site, in `directory`."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.bundle = directory / "bundle.raucb"
        self._lock = threading.Lock()

    @property
    def _meta(self) -> Path:
        return self.directory / "bundle.json"

    @property
    def _pushes(self) -> Path:
        return self.directory / "pushes.json"

    def current(self) -> dict | None:
        meta = _read_json(self._meta)
        return meta if meta and self.bundle.exists() else None

    def store(self, stream, length: int) -> dict:
        """The bundle to push from now on, `length` bytes read from `stream`."""
        if length <= 0:
            raise Invalid("send the update bundle as the request body", "file")
        if length > MAX_BUNDLE:
            raise Invalid(f"the file is larger than a system slot ({MAX_BUNDLE // 2**20} MB)", "file")
        self.directory.mkdir(parents=True, exist_ok=True)
        part = self.directory / "bundle.part"
        digest = hashlib.sha256()
        try:
            done = write_stream(stream, part, length, lambda chunk, _n: digest.update(chunk))
            if done < length:
                raise Invalid("the upload was cut short; the bundle offered before is kept", "file")
            with self._lock:
                os.replace(part, self.bundle)
                meta = {"sha256": digest.hexdigest(), "size": done, "uploaded_at": round(time.time())}
                _write_json(self._meta, meta)
        finally:
            part.unlink(missing_ok=True)
        log.info("branch update bundle stored", extra=kv(sha256=meta["sha256"], size=done))
        return meta

    def push(self, number: int) -> dict:
        """Offer the current bundle to site `number` (again: a new push, fetched anew)."""
        bundle = self.current()
        if bundle is None:
            raise Conflict("upload the update bundle for the branches first")
        with self._lock:
            pushes = _read_json(self._pushes)
            entry = {"push": secrets.token_hex(8), "sha256": bundle["sha256"], "size": bundle["size"],
                     "state": "pushed", "message": None, "at": round(time.time())}
            pushes[str(number)] = entry
            _write_json(self._pushes, pushes)
        return entry

    def state(self, number: int) -> dict | None:
        return _read_json(self._pushes).get(str(number))

    def forget(self, number: int) -> None:
        with self._lock:
            pushes = _read_json(self._pushes)
            if pushes.pop(str(number), None) is not None:
                _write_json(self._pushes, pushes)

    def offer(self, number: int, reported: dict | None) -> dict | None:
        """Within a report of site `number`: keep what it says of its push, and what to offer it."""
        with self._lock:
            pushes = _read_json(self._pushes)
            entry = pushes.get(str(number))
            if entry is None:
                return None
            if reported and reported["push"] == entry["push"] and \
                    (reported["state"], reported.get("message")) != (entry["state"], entry["message"]):
                entry.update(state=reported["state"], message=reported.get("message"), at=round(time.time()))
                _write_json(self._pushes, pushes)
        if entry["sha256"] != (self.current() or {}).get("sha256"):
            return None  # another bundle was uploaded since: push again
        return {"push": entry["push"], "sha256": entry["sha256"], "size": entry["size"]}

    def open_for(self, sha256: str):
        """The bundle file, if `sha256` is still the one offered."""
        if (self.current() or {}).get("sha256") != sha256:
            raise NotFound("headquarters offers no such bundle now")
        return open(self.bundle, "rb")


# -- a branch -------------------------------------------------------------------------------------

def _match(value, pattern: str) -> str:
    if not isinstance(value, str) or not re.fullmatch(pattern, value):
        raise ValueError(f"{value!r} is not {pattern}")
    return value


class Taker:
    """A branch's side: fetch an offered bundle once per push, hand it to the update manager,
    and say how it went. `fetch(offer, file)` writes the bundle to `file` (pinned HTTPS) and
    answers its SHA-256 and size; `updates()` is the box's update manager (None: it has none)."""

    def __init__(self, directory: Path, fetch, updates):
        self.directory = directory
        self.fetch = fetch
        self._updates = updates
        self._state_file = directory / "taken.json"
        # {"push", "state", "message", "handed_at": when the bundle went to the update manager}
        self.current: dict = _read_json(self._state_file)
        self._busy = threading.Lock()

    @property
    def updates(self):
        return self._updates()

    def _set(self, **values) -> None:
        self.current = {**self.current, **values}
        self.directory.mkdir(parents=True, exist_ok=True)
        _write_json(self._state_file, self.current)

    def reported(self) -> dict | None:
        """What the next report says of the last push, as it is now."""
        if not self.current:
            return None
        state = self.current.get("state")
        job = self.updates.job if self.updates is not None else {}
        if state == "installing" and job.get("state") == "failed":
            self._set(state="failed", message=job.get("message"))
        elif state == "installing" and job.get("state") == "rebooting":
            self._set(state="rebooting", message=job.get("version"))
        elif state == "fetching" and not self._busy.locked():
            self._set(state="failed", message="the box restarted while it fetched the bundle; push it again")
        elif state in ("installing", "rebooting") and job.get("state") == "idle" and self.updates.confirmed:
            # The box has restarted since (a job lives only in the process that ran it), often before
            # a report saw it rebooting: the running system says how the push's install ended.
            self._settle(self.updates.history())
        return {k: self.current.get(k) for k in ("push", "state", "message")}

    def _settle(self, record: dict) -> None:
        if record.get("installed_at", 0) < self.current.get("handed_at", 0):
            # Its last install is older than this push: this one was never written whole.
            self._set(state="failed", message="the box restarted before the update was written; it runs the "
                                              "system it ran before")
        elif record.get("result") == "updated":
            self._set(state="installed", message=self.updates.release.get("VERSION"))
        elif record.get("result") == "rolled_back":
            self._set(state="rolled_back", message="the new system did not become healthy; the box "
                                                   "went back to the previous one")

    def offered(self, offer: dict | None) -> None:
        """Headquarters' answer named a push: take it once, in the background."""
        if not offer or offer.get("push") == self.current.get("push"):
            return
        try:  # headquarters' answer, checked as strictly as a user's input: it names a file size
            size = offer["size"]
            if not isinstance(size, int) or isinstance(size, bool) or not 0 < size <= MAX_BUNDLE:
                raise ValueError(f"size {size!r}")
            offer = {"push": _match(offer["push"], r"[0-9a-f]{16}"), "sha256": _match(offer["sha256"], SHA256[1:-1]),
                     "size": size}
        except (KeyError, TypeError, ValueError) as exc:
            log.warning("headquarters offered an update in a shape not understood", extra=kv(error=str(exc)))
            return
        if not self._busy.acquire(blocking=False):
            return
        self._set(push=offer["push"], state="fetching", message=None)
        threading.Thread(target=self._take, args=(offer,), name="site-update", daemon=True).start()

    def _take(self, offer: dict) -> None:
        path = self.directory / "fetched.raucb"
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            digest, size = self.fetch(offer, path)
            if size != offer["size"] or digest != offer["sha256"]:
                self._set(state="failed", message=f"the file fetched is not the bundle headquarters offered "
                                                  f"(sha256 {digest[:16]}…, {size} bytes); nothing was changed")
                return
            if self.updates is None:
                raise RuntimeError("this box has no update manager")
            try:
                bundle = self.updates.take(path)
            except Exception as exc:  # noqa: BLE001 - UpdateError: the manager's reason, for headquarters
                self._set(state="failed", message=f"fetched intact (sha256 {digest[:16]}…); not installed: {exc}")
                return
            # The manager's job first: a report in between must not read an earlier job's end as this one's.
            self.updates.install_async(bundle)
            self._set(state="installing", message=None, handed_at=time.time())
        except Exception as exc:  # noqa: BLE001 - headquarters unreachable, disk full: reported
            log.warning("pushed update not taken", extra=kv(error=str(exc)))
            self._set(state="failed", message=f"not fetched: {exc}")
        finally:
            path.unlink(missing_ok=True)
            self._busy.release()
