"""The pbx manager: Asterisk as a child, its AMI connection, the applier, live state."""

from __future__ import annotations

import dataclasses
import logging
import os
import pwd
import secrets
import threading
import time
from pathlib import Path

from ..agi.server import AgiServer
from ..ami import AMIClient, AMIError
from ..db import db
from ..db.journal import journal
from ..hardware import span_calls
from ..hardware.dahdi_cfg import DahdiCfg
from ..log import kv
from ..prompts import replacements, service as prompts
from ..supervisor import Manager
from ..voicemail import spool
from .apply import PUBLISH_MODULES, Applier
from .control import AsteriskControl, entity_id
from .generations import ConfigStore
from .live import LiveState
from .process import AsteriskProcess
from .snapshot import Snapshot, System, load_snapshot
from .render import sites
from ..sites.mailboxes import MailboxRelay
from ..sites.relay import LampRelay

log = logging.getLogger(__name__)

AMI_USER = "callbox"
MODULE_DIRS = ("/usr/lib/x86_64-linux-gnu/asterisk/modules", "/usr/lib/aarch64-linux-gnu/asterisk/modules",
               "/usr/lib/asterisk/modules")

from ..hardware.manager import has_dahdi  # noqa: E402 - kept beside its only use


def module_dir() -> str:
    for d in MODULE_DIRS:
        if os.path.isdir(d):
            return d
    return MODULE_DIRS[-1]


def make_system(rt, ami_secret: str) -> System:
    paths = rt.paths
    return System(
        sip_host=rt.sip.host,
        sip_port=rt.sip.port,
        ami_host=rt.ami.host,
        ami_port=rt.ami.port,
        ami_user=AMI_USER,
        ami_secret=ami_secret,
        rtp_start=rt.rtp_start,
        rtp_end=rt.rtp_end,
        etc_dir=str(paths.asterisk_etc),
        module_dir=module_dir(),
        run_dir=str(paths.asterisk_run),
        data_lib_dir=str(paths.asterisk_lib),
        spool_dir=str(paths.spool),
        log_dir=str(paths.asterisk_log),
        prompts_dir=str(paths.prompts),
        music_dir=str(paths.music),
        # Prompts as the owner may have replaced them (prompts/replacements.py lays them out).
        sounds_dir=str(paths.sounds_live / "current" / "own"),
        share_dir=str(paths.sounds_live / "current" / "share"),
        agi=str(rt.agi),
        dahdi=has_dahdi(),
        fax_dir=str(paths.faxes),
        webrtc_host=rt.webrtc.host,
        webrtc_port=rt.webrtc.port,
        **_webrtc_tls(rt),
    )


def _webrtc_tls(rt) -> dict:
    """wss and DTLS with the box's certificate, where the tls manager made or kept one."""
    from ..tls import certificate

    found = certificate.paths(rt)
    if not (found.cert.is_file() and found.key.is_file()):
        return {}
    return {"tls_cert": str(found.cert), "tls_key": str(found.key),
            "webrtc_tls_port": rt.webrtc_tls.port if rt.webrtc_tls else 0}


def prompt_sources(paths) -> replacements.Sources:
    return replacements.Sources(asterisk=Path(System.share_dir), own=Path(System.sounds_dir),
                                replacements=paths.sounds, live=paths.sounds_live)


class PbxManager(Manager):
    name = "pbx"
    needs = ("settings", "database")

    def load(self) -> None:
        rt = self.box.runtime
        paths = rt.paths
        owner = pwd.getpwnam(rt.asterisk_user)
        paths.prompts.mkdir(parents=True, exist_ok=True)
        self.prompt_sources = prompt_sources(paths)
        replacements.lay_out(self.prompt_sources)
        for d in (paths.asterisk_lib, paths.spool, paths.asterisk_log, paths.asterisk_run,
                  paths.asterisk_run / "cache", paths.spool / "callbox-prompts"):
            d.mkdir(parents=True, exist_ok=True)
            os.chown(d, owner.pw_uid, owner.pw_gid)
        self.system = make_system(rt, self.box.settings.ami_secret)
        self.store = ConfigStore(paths.generations, gid=owner.pw_gid)
        _link(paths.asterisk_etc, self.store.live)
        self.live = LiveState(self.box.events.publish)
        self.ami = AMIClient(rt.ami.host, rt.ami.port, AMI_USER, self.system.ami_secret,
                             name="pbx", backoff_initial=0.2, backoff_max=2.0)
        self.process = AsteriskProcess(
            rt.asterisk_binary,
            paths.asterisk_etc / "asterisk.conf",
            rt.asterisk_user,
            paths.asterisk_log / "console.log",
            before_start=self._before_start,
            after_exit=self._after_exit,
        )
        self.control = AsteriskControl(self.ami, self.process.request_restart)
        self.applier = Applier(self.store, self.control, self._snapshot, journal, dahdi_cfg=DahdiCfg())
        self.removed_channels = span_calls.RemovedChannels(self.control)
        self.applier.after_apply.append(self._prune_voicemail)
        self.applier.after_apply.append(self._trunks_changed)
        self.applier.after_apply.append(self._site_hints_changed)
        self.lamp_relay = LampRelay(self.ami)
        self.mailbox_relay = MailboxRelay(self.ami, paths.data / "mailbox-relay.json")
        self._booted = threading.Event()
        self._identity: dict | None = None
        self._run = secrets.token_hex(8)
        # The dial plan's questions (FastAGI), answered by the managers that register here in load().
        self.agi_handlers: dict = {}
        self.agi = None
        journal.on_commit(self.applier.kick)
        hardware = getattr(self.box, "hardware", None)
        if hardware is not None and hasattr(hardware, "spans_returned"):
            hardware.spans_returned.append(self.applier.spans_returned)
            hardware.spans_lost.append(self._end_span_calls)
        self.ami.subscribe(self._on_event)

    def start(self) -> None:
        rt = self.box.runtime
        self.agi = AgiServer(rt.agi.host, rt.agi.port, self.agi_handlers, wrap=self._with_db)
        self.agi.start()
        self.ami.start()
        self.lamp_relay.start()
        self.mailbox_relay.start()
        self._threads = [
            threading.Thread(target=self._with_db, args=(self.process.run,), name="asterisk", daemon=True),
            threading.Thread(target=self._with_db, args=(self.applier.run,), name="applier", daemon=True),
        ]
        for t in self._threads:
            t.start()

    def stop(self) -> None:
        self.applier.stop()
        self.process.stop()
        for t in self._threads:
            t.join(timeout=15)
        self.lamp_relay.stop()
        self.mailbox_relay.stop()
        self.ami.stop()
        self.agi.stop()

    @staticmethod
    def _with_db(target) -> None:
        with db.connection_context():
            target()

    def _snapshot(self) -> Snapshot:
        # DAHDI comes when the hardware manager loads its first driver (a card's, or the software
        # spans'): from then on chan_dahdi loads and DAHDI's files are applied.
        if self.system.dahdi != has_dahdi():
            self.system = dataclasses.replace(self.system, dahdi=has_dahdi())
        return load_snapshot(self.system)

    # -- Asterisk lifecycle -----------------------------------------------------

    def _before_start(self) -> None:
        self._booted.clear()
        self._identity, self._run = None, secrets.token_hex(8)
        self.live.clear()
        self.lamp_relay.forget()
        self.mailbox_relay.forget()
        self.applier.prepare_start()

    def _after_exit(self, code) -> None:
        self._booted.clear()
        self.applier.asterisk_down()
        self.live.clear()

    def _end_span_calls(self, channels: set[int]) -> None:
        """The calls on lost spans' channels, ended and gone (see hardware.span_calls)."""
        if not self.ready:
            return  # Asterisk down or starting: no call to end
        ended = span_calls.end_calls(self.control, channels)
        if ended:
            log.info("calls on lost spans ended", extra=kv(channels=ended))

    def _on_event(self, ev) -> None:
        if ev.name == "FullyBooted":
            # Sent on every AMI login once Asterisk is up: only the first after
            # a start means "Asterisk has read the files we wrote".
            first = not self._booted.is_set()
            self._booted.set()
            if first:
                log.info("Asterisk is ready", extra=kv(pid=self.process.pid))
                self.applier.asterisk_ready()
            threading.Thread(target=self._resync, name="pbx-resync", daemon=True).start()
            return
        if ev.name == "Alarm" and (channel := span_calls.removed_channel(ev)) is not None:
            self.removed_channels.heard(channel)
            return
        if ev.name == "Registry":
            threading.Thread(target=self._trunk_resync, name="pbx-trunks", daemon=True).start()
        if ev.name == "ContactStatus" and ev.get("ContactStatus") == "Reachable" \
                and sites.is_site_trunk(ev.get("AOR") or ""):
            self.mailbox_relay.site_back(int(ev.get("AOR")[4:]))
            threading.Thread(target=self._site_reachable, args=(ev.get("AOR"),), name="pbx-site", daemon=True).start()
        if ev.name == "UserEvent" and ev.get("UserEvent") == "CallboxPromptRecorded":
            threading.Thread(target=self._prompt_recorded, args=(ev,), name="prompt", daemon=True).start()
            return
        if ev.name == "ExtensionStatus":
            self.lamp_relay.offer([ev])
        elif ev.name == "MessageWaiting":
            self.mailbox_relay.offer(ev)
        self.live.on_event(ev)

    def _prompt_recorded(self, ev) -> None:
        """A supervisor recorded prompt N from a phone (*77N): make it the prompt's audio."""
        spool_dir = self.box.runtime.paths.spool / "callbox-prompts"
        source = Path(ev.get("File", ""))
        number = ev.get("Prompt", "")
        # The path comes from our own dial plan; still, only ever touch files in its folder.
        if source.parent != spool_dir or not number.isdigit():
            log.warning("ignored a prompt recording", extra=kv(file=str(source)))
            return
        with db.connection_context():
            prompt = prompts.recorded(int(number), source, self.box.runtime.paths.prompts)
        if prompt is None:
            log.warning("a recording for no known prompt was dropped", extra=kv(prompt=number))
        else:
            log.info("prompt recorded from a phone", extra=kv(prompt=prompt.id, seconds=prompt.duration))
            self.box.events.publish("prompt_recorded", prompt=prompt.id, seconds=prompt.duration)

    def _resync(self) -> None:
        self.live.resync_begin()
        listings = []
        for action in ("PJSIPShowContacts", "CoreShowChannels"):
            try:
                listings.append(self.ami.action_list(action, timeout=30)[1])
            except Exception as exc:  # noqa: BLE001 - an empty contact list is answered as an error
                listings.append([])
                if "No Contacts found" not in str(exc):
                    log.warning("cannot list live state", extra=kv(action=action, error=str(exc)))
        self.live.resync(*listings)
        self._trunk_resync()
        self._site_hint_resync()

    def _trunk_resync(self) -> None:
        try:
            events = self.ami.action_list("PJSIPShowRegistrationsOutbound", timeout=30)[1]
        except Exception as exc:  # noqa: BLE001 - no registrations is answered as an error
            events = []
            if "No registrations" not in str(exc) and "not found" not in str(exc).lower():
                log.warning("cannot list trunk registrations", extra=kv(error=str(exc)))
        self.live.trunk_registrations(events)

    def _site_reachable(self, aor: str) -> None:
        """Another site's trunk answers (again): reloaded, res_pjsip_outbound_publish takes up the
        publications a pjsip.conf reload made, and res_pjsip_publish_asterisk asks the other site
        for all its states (a refresh), which it sends again. States published while the tunnel was
        down (at enrolment, or while it was cut) were lost, and the busy lamps of the other site
        would stay as they were until each phone's next change. The other end does the same."""
        try:
            for module in PUBLISH_MODULES:
                self.control.reload(module)
            log.info("publishing device states to a site", extra=kv(site=aor))
        except Exception as exc:  # noqa: BLE001 - tried again when the trunk next comes back
            log.warning("cannot restart the publications to a site", extra=kv(site=aor, error=str(exc)))

    def _site_hint_resync(self) -> None:
        """The states of the other sites' extensions as their hints have them now: a hint the dial
        plan just made has no event until its state changes."""
        try:
            events = self.ami.action_list("ExtensionStateList", timeout=30)[1]
        except Exception as exc:  # noqa: BLE001 - known again at the next start or dial plan change
            log.warning("cannot list hint states", extra=kv(error=str(exc)))
            return
        self.live.site_hints(events)
        self.lamp_relay.offer(events)

    def _site_hints_changed(self, snap: Snapshot) -> None:
        # Headquarters passes each branch's lamps on to the others (appliance/sites/relay.py).
        self.lamp_relay.enabled = snap.sites.own == sites.HEADQUARTERS and len(snap.sites.trunks) > 1
        # A branch revoked (or no longer watched) leaves no lamp of its phones behind, here or at the
        # other branches.
        self.lamp_relay.keep_only({sites.relayed_device(n) for n, _site in snap.sites.watched}
                                  if self.lamp_relay.enabled else ())
        # Their voicemail lamps too (appliance/sites/mailboxes.py).
        self.mailbox_relay.configure(snap)
        if "extensions.conf" in self.applier.last_round.get("files", []) and snap.sites.watched:
            self._site_hint_resync()

    def _trunks_changed(self, snap: Snapshot) -> None:
        # A new or changed trunk's registration state is known at once, not at its next event.
        if "pjsip.conf" in self.applier.last_round.get("files", []) and snap.trunks:
            self._trunk_resync()

    def _prune_voicemail(self, snap: Snapshot) -> None:
        keep = {m.number for m in snap.mailboxes} | {e.number for e in snap.extensions}
        removed = spool.prune(self.box.runtime.paths.voicemail, keep)
        if removed:
            log.info("deleted voicemail of removed numbers", extra=kv(numbers=removed))

    # -- for the API ------------------------------------------------------------

    @property
    def ready(self) -> bool:
        return self._booted.is_set() and self.process.pid is not None

    def identity(self) -> dict | None:
        """Asterisk's entity id and a token of this start of it (a branch reports both to
        headquarters: appliance/sites); None while Asterisk is not up."""
        if not self.ready:
            return None
        if self._identity is None:
            try:
                eid = entity_id(self.ami)
            except (AMIError, OSError) as exc:
                log.warning("could not read Asterisk's entity id", extra=kv(error=str(exc)))
                return None
            self._identity = {"eid": eid, "run": self._run} if eid else None
        return self._identity

    def wait_settled(self, revision: int, timeout: float = 5.0):
        return journal.wait_settled(revision, timeout)

    def registration(self, number: str) -> dict | None:
        return self.live.registration(number)

    def trunk_status(self, trunk_id: int) -> dict:
        return self.live.trunk(f"trunk-{trunk_id}")

    def health(self) -> dict:
        started = self.process.started_at
        return {
            "asterisk": "up" if self.ready else "down",
            "asterisk_pid": self.process.pid,
            "asterisk_uptime": round(time.monotonic() - started) if started and self.ready else None,
            "asterisk_restarts": self.process.restarts,
            "phones_registered": len(self.live.registered()),
            "active_calls": self.live.active_calls(),
            "config": {
                "revision": journal.latest(),
                "pending": len(journal.pending()),
                "applied": self.applier.ready and not self.applier.last_error,
                "last_error": self.applier.last_error,
                "last_apply": self.applier.last_round or None,
            },
        }


def _link(link: Path, target: Path) -> None:
    """Point Asterisk's config directory at the live generation (the image ships
    this link; a box whose /etc is writable gets it made here)."""
    if link.is_symlink() and os.readlink(link) == str(target):
        return
    if link.is_dir() and not link.is_symlink():
        raise RuntimeError(f"{link} is a directory, not a link to {target}")
    tmp = link.with_name(link.name + ".callbox-tmp")
    if tmp.is_symlink():
        tmp.unlink()
    os.symlink(target, tmp)
    os.replace(tmp, link)
