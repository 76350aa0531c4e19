"""The security manager: Asterisk's security events and the web layer's failures into the
ban engine, its bans into nftables and conntrack, and its records into the database.

Decisions are taken on the AMI reader thread (they are pure and quick); the kernel and the
database are touched from a worker thread, so a flood of events never stalls the reader.
On a dev box sharing its host's network the kernel is left alone (bans are recorded and
shown, not enforced): the box must not change its host's firewall.

Each ban is mailed to the addresses on the Security page through the box's outgoing mail
(when a relay is set), a few an hour and then a summary (notify.py), from the same worker.
"""

from __future__ import annotations

import logging
import queue
import socket
import threading
import time

from ..db import db
from ..log import kv
from ..supervisor import Manager
from . import binding, notify, service
from .conntrack import Flows
from .engine import Ban, Engine, normal_address
from .nft import Firewall

log = logging.getLogger(__name__)

#: AMI security events that count as a failure; ChallengeSent is every phone's normal first step.
FAILURES = ("InvalidAccountID", "ChallengeResponseFailed", "InvalidPassword", "FailedACL")
SWEEP_EVERY = 60.0
SPARE_SECONDS = 3600.0  # an administrator's address stays spared this long after their last request


def remote_address(value: str | None) -> str | None:
    """The IP address in an AMI RemoteAddress such as IPV4/UDP/192.0.2.7/5060."""
    parts = (value or "").split("/")
    return normal_address(parts[2]) if len(parts) >= 3 else None


class SecurityManager(Manager):
    name = "security"
    needs = ("database",)

    def load(self) -> None:
        rt = self.box.runtime
        self.enforced = rt.firewall
        self.firewall = Firewall()
        self.flows = Flows()
        with db.connection_context():
            self.engine = Engine(service.load_policy(), service.load_bans())
        self._lock = threading.Lock()
        self._work: queue.Queue = queue.Queue()
        self._stop = threading.Event()
        self.counted = 0  # failures seen (SIP and web), for health and tests
        self.refusals = binding.Refusals()
        self.mailer = notify.BanMail()  # used by the worker and the sweeper, under _mail_lock
        self._mail_lock = threading.Lock()
        pbx = getattr(self.box, "pbx", None)
        if pbx is not None and not pbx.error and getattr(pbx, "ami", None) is not None:
            pbx.ami.subscribe(self.on_ami_event)

    def start(self) -> None:
        now = time.time()
        self.firewall_error = None
        if self.enforced:
            try:
                self.firewall.setup([(b.address, None if b.until is None else b.until - now)
                                     for b in self.engine.active(now)])
            except Exception as exc:  # noqa: BLE001 - telephony must run on without the firewall
                # Shown in health as not enforced with the reason; calls and the web go on.
                self.enforced = False
                self.firewall_error = str(getattr(exc, "stderr", "") or exc).strip()[:500]
                log.error("nftables refused the ban table", extra=kv(error=self.firewall_error))
        self._threads = [threading.Thread(target=self._worker, name="security", daemon=True),
                         threading.Thread(target=self._sweeper, name="security-sweep", daemon=True)]
        for t in self._threads:
            t.start()

    def stop(self) -> None:
        self._stop.set()
        self._work.put(None)

    def health(self) -> dict:
        now = time.time()
        doc = {"banned": len(self.engine.active(now)), "failures": self.counted, "enforced": self.enforced}
        if getattr(self, "firewall_error", None):
            doc["error"] = self.firewall_error
        return {"security": doc}

    # -- inputs ----------------------------------------------------------------------------

    def on_ami_event(self, ev) -> None:
        name = ev.name
        if name == "SuccessfulAuth":
            address = remote_address(ev.get("RemoteAddress"))
            if address:
                self.succeeded(address, ev.get("AccountID", ""), service_="sip")
        elif name in FAILURES:
            address = remote_address(ev.get("RemoteAddress"))
            if not address:
                return
            account = ev.get("AccountID", "")
            if name == "FailedACL" and ev.get("ACLName") == binding.BINDING_IN_USE:
                self._binding_refused(address, account)
            else:
                self.failure(address, account, f"sip {name}", service_="sip")

    def _binding_refused(self, address: str, account: str) -> None:
        """A REGISTER with the right password was refused `account`'s live binding (binding.py)."""
        pbx = getattr(self.box, "pbx", None)
        bound = pbx.registration(account) if pbx is not None and hasattr(pbx, "registration") else None
        with self._lock:
            verdict = self.refusals.refused(account, address, (bound or {}).get("contact"), time.time())
            if verdict.count:
                self.engine.distrust(address, f"sip:{account}")
        if verdict.qualify:
            self._work.put(("qualify", account))  # an AMI action: never on the reader thread
        if verdict.count:
            log.warning("a REGISTER from another address was refused the extension's binding",
                        extra=kv(address=address, account=account))
            self.failure(address, account, "sip binding in use", service_="sip")

    def failure(self, address: str, account: str, reason: str, service_: str = "web") -> Ban | None:
        """Count one failure from `address`; bans it when it crosses the threshold."""
        with self._lock:
            self.counted += 1
            ban = self.engine.failure(address, f"{service_}:{account}", reason, time.time())
        if ban is not None:
            log.warning("address banned", extra=kv(address=ban.address, reason=ban.reason, count=ban.count,
                                                   until=ban.until))
            self._work.put(("ban", ban))
        return ban

    def succeeded(self, address: str, account: str, service_: str = "web") -> None:
        with self._lock:
            self.engine.success(address, f"{service_}:{account}", time.time())

    def spare(self, address: str | None) -> None:
        """An administrator works from `address`: never ban it while they do."""
        if address:
            with self._lock:
                self.engine.spare(address, time.time() + SPARE_SECONDS)

    # -- the API's questions ------------------------------------------------------------------

    def bans(self) -> list[Ban]:
        with self._lock:
            return self.engine.active(time.time())

    def unban(self, address: str) -> Ban | None:
        with self._lock:
            ban = self.engine.unban(address)
        if ban is not None:
            self._apply(("unban", ban))  # at once: the caller expects the address let in on return
        return ban

    def set_policy(self, policy) -> None:
        with self._lock:
            self.engine.set_policy(policy)

    # -- effects -------------------------------------------------------------------------------

    def _worker(self) -> None:
        while True:
            item = self._work.get()
            if item is None:
                return
            try:
                if item[0] == "qualify":
                    self._qualify(item[1])
                else:
                    self._apply(item)
            except Exception:  # noqa: BLE001 - one failed ban must not end the worker
                log.exception("security action failed", extra=kv(action=item[0], on=str(item[1])))

    def _apply(self, item) -> None:
        kind, ban = item
        if kind == "ban":
            if self.enforced:
                self.firewall.ban(ban.address, None if ban.until is None else ban.until - time.time())
                self.flows.drop(ban.address)
            with db.connection_context():
                service.store_ban(ban)
            self.box.events.publish("security.ban", **service.ban_to_dict(ban))
            try:
                with db.connection_context():
                    to = self._mail_to()
                    if to:  # only bans that are mailed count towards the hour's few
                        with self._mail_lock:
                            notices = self.mailer.banned(ban, time.time())
                        self._mail(to, notices)
            except Exception:  # noqa: BLE001 - the ban stands; a message lost is only logged
                log.exception("ban mail not queued", extra=kv(address=ban.address))
        else:
            if self.enforced:
                self.firewall.unban(ban.address)
            with db.connection_context():
                service.delete_bans([ban.address])
            self.box.events.publish("security.unban", address=ban.address)

    def _qualify(self, account: str) -> None:
        """Asterisk sends OPTIONS to the extension's binding now; one that does not answer within
        the AOR's qualify_timeout is marked unavailable and gives way to the next REGISTER."""
        pbx = getattr(self.box, "pbx", None)
        ami = getattr(pbx, "ami", None)
        if ami is None or not ami.connected:
            return  # Asterisk is away: its own qualify runs when it is back
        try:
            ami.action("PJSIPQualify", Endpoint=account, timeout=5)
        except Exception as exc:  # noqa: BLE001 - the periodic qualify still frees a dead binding
            log.warning("cannot qualify a binding", extra=kv(account=account, error=str(exc)))

    def _sweeper(self) -> None:
        while not self._stop.wait(SWEEP_EVERY):
            try:
                with self._lock:
                    gone = self.engine.forget(time.time())
                    self.refusals.forget(time.time())
                with self._mail_lock:
                    notices = self.mailer.due(time.time())
                with db.connection_context():
                    service.delete_bans(gone)
                    if notices:
                        self._mail(self._mail_to(), notices)
            except Exception:  # noqa: BLE001
                log.exception("security sweep failed")

    @staticmethod
    def _mail_to() -> list[str]:
        """The Security page's addresses, where the box has a mail relay (else nobody)."""
        from ..mail import config

        to = service.load_email()
        return to if to and config.load().configured else []

    def _mail(self, to: list[str], notices: list) -> None:
        """Queue the messages about bans (each once: the outbox key)."""
        if not (to and notices):
            return
        from .. import box_settings, mail
        from ..mail import templates

        settings = box_settings.load()
        zone, lang = box_settings.zone(settings.timezone), settings.language
        permanent = templates.word("ban_permanent", lang)
        for notice in notices:
            name = "security_bans" if notice.summary else "security_ban"
            mail.queue_template(to, name, notify.values(notice, socket.gethostname(), zone, permanent),
                                key=notify.key(notice), lang=lang)
