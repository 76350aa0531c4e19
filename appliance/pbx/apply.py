"""Applying config: render, swap, reload only what changed, verify, or roll back.

The applier is the one place where the config database meets the running
Asterisk. It runs as a loop woken by every committed change; changes that
arrive while it works coalesce into its next round (a bulk import of 800
extensions is one round). A round holds the journal's write lock from the
snapshot to the verdict, so every pending change is in exactly one round and a
rejected round can undo exactly its own changes.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Protocol

from ..db import write_lock
from ..db.journal import Journal
from ..hardware.span_calls import end_calls
from ..log import kv
from . import dahdi
from .conf import UnsafeValue
from .generations import ConfigStore
from .render import pjsip, render_all, sites, webrtc
from .render.dialplan import dialplan_marker_of
from .snapshot import Snapshot

log = logging.getLogger(__name__)

# Which module re-reads a file, as named to the AMI Reload action, in the
# order they reload: what endpoints refer to (mailboxes, dial plan) first.
RELOADS = {
    "logger.conf": "logger",
    "cdr.conf": "cdr",
    "cel.conf": "cel",
    "indications.conf": "indications",
    "musiconhold.conf": "res_musiconhold.so",
    "rtp.conf": "res_rtp_asterisk.so",
    "features.conf": "features",
    "res_parking.conf": "res_parking.so",
    "queues.conf": "app_queue.so",
    "confbridge.conf": "app_confbridge.so",
    "voicemail.conf": "app_voicemail.so",
    "extensions.conf": "pbx_config.so",
    "pjsip.conf": "res_pjsip.so",
    "manager.conf": "manager",
}
# Read only at start: a change here needs a restart.
RESTART = {"asterisk.conf", "modules.conf", "pjsip_transports.conf"}


class PbxError(Exception):
    """Asterisk refused a reload, or does not show what was rendered."""


class Control(Protocol):
    """What the applier needs from a running Asterisk (see control.py)."""

    def reload(self, module: str) -> None: ...
    def endpoints(self) -> set[str]: ...
    def mailboxes(self) -> set[str]: ...
    def queues(self) -> set[str]: ...
    def getvar(self, name: str) -> str | None: ...
    def restart(self, reason: str) -> None: ...
    # chan_dahdi (dahdi.DahdiControl), asked only where the box has DAHDI
    def dahdi_restart(self) -> None: ...
    def dahdi_destroy(self, first: int, last: int) -> None: ...
    def dahdi_create(self, first: int, last: int) -> None: ...
    def dahdi_call_channels(self, channel: int | None = None) -> dict[int, str]: ...
    def hangup(self, channel: str, cause: int) -> None: ...
    def dahdi_channels(self) -> set[int]: ...
    def pri_spans(self) -> set[int]: ...
    def dahdi_spans(self) -> set[int]: ...


class DahdiTool(Protocol):
    """dahdi_cfg (appliance/hardware/dahdi_cfg.py)."""

    def configure(self, path, channels: str | None = None) -> None: ...


@dataclass
class Plan:
    reloads: list[str] = field(default_factory=list)
    restart: bool = False


# DAHDI's system.conf (dahdi_cfg's) and chan_dahdi.conf: applied by their own plan (dahdi.py),
# and not at all without DAHDI (chan_dahdi is then not loaded).
DAHDI_FILES = {dahdi.SYSTEM_CONF, dahdi.CHAN_CONF}


# Publications of device states (the busy lamps between sites) start and stop only when their own
# modules reload, not with res_pjsip: reloaded after it where either side of a pjsip.conf change
# has one (and by the PBX manager when another site's trunk answers again).
PUBLISH_MODULES = ("res_pjsip_publish_asterisk.so", "res_pjsip_outbound_publish.so")


def publishes(*texts: str | None) -> bool:
    return any(t and "type = outbound-publish" in t for t in texts)


def plan_for(changed: set[str]) -> Plan:
    changed = changed - DAHDI_FILES
    if changed & RESTART or changed - RESTART - set(RELOADS):
        return Plan(restart=True)
    return Plan(reloads=[module for name, module in RELOADS.items() if name in changed])


def verify(control: Control, snap: Snapshot, files: dict[str, str], checks: set[str]) -> None:
    if "pjsip.conf" in checks:
        want = ({e.number for e in snap.extensions} | {t.endpoint for t in snap.trunks if t.kind == "sip"}
                | {webrtc.endpoint(n) for n in webrtc.browser_numbers(snap)}
                | {sites.endpoint(t.number) for t in snap.sites.trunks} | pjsip.guards(snap))
        got = control.endpoints()
        if got != want:
            raise PbxError(_difference("SIP endpoints", want, got))
    if "voicemail.conf" in checks:
        want = {m.number for m in snap.mailboxes}
        got = control.mailboxes()
        if got != want:
            raise PbxError(_difference("mailboxes", want, got))
    if "queues.conf" in checks:
        want = {q.number for q in snap.queues} | {q.number + "-memory" for q in snap.queues if q.memory_seconds}
        got = control.queues()
        if got != want:
            raise PbxError(_difference("queues", want, got))
    if "extensions.conf" in checks:
        want = dialplan_marker_of(files["extensions.conf"])
        got = control.getvar("CALLBOX_DIALPLAN")
        if got != want:
            raise PbxError(f"dial plan not loaded (Asterisk has {got!r}, rendered {want!r})")


def _dahdi_expected(snap: Snapshot) -> tuple[set[int], set[int]]:
    """DAHDI's numbers of the PRI spans, and of every span that carries calls."""
    live = [s for s in snap.dahdi_spans if s.signalling != "unused" and (snap.settings.software_spans or not s.software)]
    return {s.dahdi_span for s in live if s.signalling in ("pri_net", "pri_cpe")}, {s.dahdi_span for s in live}


def _difference(what: str, want: set[str], got: set[str]) -> str:
    missing = sorted(want - got)[:5]
    extra = sorted(got - want)[:5]
    parts = []
    if missing:
        parts.append(f"missing {', '.join(missing)}")
    if extra:
        parts.append(f"unexpected {', '.join(extra)}")
    return f"Asterisk did not load the {what}: " + "; ".join(parts)


class Applier:
    def __init__(
        self,
        store: ConfigStore,
        control: Control,
        snapshot: Callable[[], Snapshot],
        journal: Journal,
        *,
        debounce: float = 0.03,
        dahdi_cfg: DahdiTool | None = None,
    ):
        self.store = store
        self.control = control
        self.dahdi_cfg = dahdi_cfg
        self.snapshot = snapshot
        self.journal = journal
        self.debounce = debounce
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._loaded: dict[str, str] | None = None  # what the running Asterisk has read
        self._starting: dict[str, str] | None = None
        self._verify_all = False
        self._spans_back = False
        self.last_error: str | None = None
        self.last_round: dict = {}
        self.rounds = 0
        #: Called with the snapshot once Asterisk runs it (outside the write lock's concerns:
        #: a failing hook is logged and never undoes the round).
        self.after_apply: list[Callable[[Snapshot], None]] = []

    # -- called by the Asterisk process manager -------------------------------

    def prepare_start(self) -> None:
        """Write config from the database before Asterisk (re)starts; DAHDI gets its spans and
        channels first (in full: chan_dahdi holds none now), so that chan_dahdi finds them."""
        with write_lock:
            snap = self.snapshot()
            files = self._render(snap)
            if files is None:
                # Nothing renderable: start from what was last written.
                files = self.store.read()
            else:
                self.store.commit(files)
            self._starting = files
            if snap.system.dahdi and self.dahdi_cfg is not None and dahdi.SYSTEM_CONF in files:
                try:
                    self.dahdi_cfg.configure(self.store.live / dahdi.SYSTEM_CONF)
                except Exception as exc:  # noqa: BLE001 - Asterisk starts anyway; the verify says it
                    log.error("DAHDI configuration failed", extra=kv(error=str(exc)))

    def asterisk_ready(self) -> None:
        self._loaded = self._starting
        self._verify_all = True
        self._spans_back = False  # a starting chan_dahdi opens every channel it has
        self.kick()

    def asterisk_down(self) -> None:
        self._loaded = None

    @property
    def ready(self) -> bool:
        return self._loaded is not None

    # -- the loop ---------------------------------------------------------------

    def kick(self, revision: int | None = None) -> None:
        self._wake.set()

    def spans_returned(self) -> None:
        """Spans DAHDI had lost are back (a card put back: its driver registers them bare, and
        chan_dahdi closed their channels when they went). The next round gives DAHDI their
        channels from the live system.conf again and restarts chan_dahdi, which opens them (calls
        on the box's other DAHDI lines end with that restart), then checks what it runs."""
        self._spans_back = True
        self.kick()

    def run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait()
            if self._stop.is_set():
                break
            # Let a burst of changes land first, so they apply as one.
            time.sleep(self.debounce)
            self._wake.clear()
            try:
                self.apply_once()
            except Exception:
                log.exception("apply round failed")

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    def apply_once(self) -> str:
        """One round. Returns what happened: idle, waiting, applied, restart, rejected."""
        if self._loaded is None:
            return "waiting"  # Asterisk is not up; it will start from the database.
        with write_lock:
            started = time.monotonic()
            snap = self.snapshot()
            files = self._render(snap)
            if files is None:
                self._reject(snap, self.last_error or "render failed")
                return "rejected"
            loaded = self._loaded
            changed = {n for n in files.keys() | loaded.keys() if files.get(n) != loaded.get(n)}
            spans_back, self._spans_back = self._spans_back, False
            if not changed and not snap.pending and not self._verify_all and not spans_back:
                return "idle"
            plan = plan_for(changed)
            if RELOADS["pjsip.conf"] in plan.reloads and publishes(files.get("pjsip.conf"), loaded.get("pjsip.conf")):
                plan.reloads.extend(PUBLISH_MODULES)
            dplan = dahdi.plan(loaded, files) if snap.system.dahdi else dahdi.DahdiPlan()
            if spans_back and snap.system.dahdi and not dplan.asterisk_restart:
                dplan = dahdi.plan_spans_back(dplan, files.get(dahdi.SYSTEM_CONF, ""))
            if plan.restart or dplan.asterisk_restart:
                log.info("config needs an Asterisk restart", extra=kv(files=sorted(changed & (RESTART | DAHDI_FILES))))
                self._loaded = None
                self.control.restart("config change: " + ", ".join(sorted(changed)))
                return "restart"
            previous = self.store.current()
            if changed:
                self.store.commit(files)
            checks = set(files) if self._verify_all else changed
            try:
                for module in plan.reloads:
                    self.control.reload(module)
                self._apply_dahdi(dplan)
                verify(self.control, snap, files, checks)
                if snap.system.dahdi and (not dplan.empty or self._verify_all):
                    dahdi.verify(self.control, files, *_dahdi_expected(snap))
            except Exception as exc:  # noqa: BLE001 - any failure here means roll back
                error = str(exc) or exc.__class__.__name__
                log.error("Asterisk rejected the config; rolling back", extra=kv(error=error, files=sorted(changed)))
                if changed and previous is not None:
                    self.store.point(previous)
                    for module in plan.reloads:
                        try:
                            self.control.reload(module)
                        except Exception:  # noqa: BLE001
                            log.exception("reload of the last good config failed", extra=kv(module=module))
                    try:
                        self._apply_dahdi(dplan)  # the same steps, with the last good files
                    except Exception:  # noqa: BLE001
                        log.exception("DAHDI did not take the last good config back")
                self._reject(snap, error)
                return "rejected"
            self._loaded = files
            self._verify_all = False
            self.last_error = None
            self.rounds += 1
            self.last_round = {
                "revision": snap.revision,
                "changes": len(snap.pending),
                "files": sorted(changed),
                "reloads": plan.reloads,
                "seconds": round(time.monotonic() - started, 3),
            }
            # Before the changes count as applied: whoever waits on them then sees
            # everything that follows from them (live queue state, host settings).
            for hook in self.after_apply:
                try:
                    hook(snap)
                except Exception:  # noqa: BLE001
                    log.exception("after-apply hook failed")
            self.journal.mark_applied(list(snap.pending))
            if changed or snap.pending or spans_back:
                log.info("config applied", extra=kv(**self.last_round, spans_back=spans_back))
            return "applied"

    def _apply_dahdi(self, dplan: dahdi.DahdiPlan) -> None:
        """dahdi_cfg with the live system.conf, then chan_dahdi restarted or reloaded; or, for analog
        ports alone, their channels let go of, configured and opened again."""
        runs = dahdi.runs(dplan.recreate)
        if runs:
            end_calls(self.control, dplan.recreate)  # chan_dahdi frees a channel let go of, call and all
            for first, last in runs:
                self.control.dahdi_destroy(first, last)
        if dplan.configure and self.dahdi_cfg is not None:
            self.dahdi_cfg.configure(self.store.live / dahdi.SYSTEM_CONF, dplan.channels)
        if runs:
            for first, last in runs:
                self.control.dahdi_create(first, last)
        elif dplan.restart:
            self.control.dahdi_restart()
        elif dplan.reload:
            self.control.reload("chan_dahdi.so")

    def _render(self, snap: Snapshot) -> dict[str, str] | None:
        try:
            return render_all(snap)
        except UnsafeValue as exc:
            # Validation should have stopped this value; the writer is the backstop.
            self.last_error = f"refused to write config: {exc}"
            log.error("render refused a value", extra=kv(error=str(exc)))
            return None

    def _reject(self, snap: Snapshot, error: str) -> None:
        self.last_error = error
        self._verify_all = False
        # Render again only if rows were undone: a fault that is not the changes'
        # doing must not turn into a loop of rejections.
        if self.journal.reject(list(snap.pending), error) is not None:
            self.kick()
