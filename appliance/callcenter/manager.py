"""The call-center manager: live queues and agents, the dial plan's questions (FastAGI),
screen pops, callbacks, recordings' retention."""

from __future__ import annotations

import logging
import threading
import time

from .. import box_settings
from ..db import db
from ..db.models import Extension, User
from ..log import kv
from ..pbx.render import webrtc
from ..pbx.render.queues import interface
from ..reports import stats
from ..reports.db import reports_db
from ..reports.manager import caller_key
from ..supervisor import Manager
from .agents import Agents
from .agi_handlers import Handlers
from .callbacks import Callbacks
from .live import CallCenterLive
from .recordings import Recordings
from .supervision import Supervision

log = logging.getLogger(__name__)
COALESCE = 0.2  # seconds: the wallboards' refresh, at most (a quiet floor's first change goes out at once)
SWEEP_EVERY = 60.0


class CallCenterManager(Manager):
    name = "callcenter"
    needs = ("database", "pbx", "reports")

    def load(self) -> None:
        rt = self.box.runtime
        pbx = self.box.pbx
        self._dirty: dict[str, set[str]] = {"queue": set(), "agent": set()}
        self._dirty_lock = threading.Lock()
        self._wake = threading.Event()
        self.live = CallCenterLive(self.box.events.publish, self._mark)
        self.agents = Agents(pbx.ami, self.live)
        self.supervision = Supervision(pbx.ami, self.live, self._supervisors)
        rt.paths.recordings.mkdir(parents=True, exist_ok=True)
        _own_by_asterisk(rt.paths.recordings, rt.asterisk_user)
        self.recordings = Recordings(rt.paths.recordings, self.box.events.publish)
        self.callbacks = Callbacks(pbx.ami, self.live, self.box.events.publish)
        self.handlers = Handlers(self.live, self.agents, self.recordings, self.callbacks, pbx.system.sounds_dir)
        pbx.agi_handlers.update({name: _with_reports(h) for name, h in self.handlers.table().items()})
        pbx.ami.subscribe(self._on_event)
        if getattr(pbx, "applier", None) is not None:
            pbx.applier.after_apply.append(self._after_apply)
        self._stop = threading.Event()

    def start(self) -> None:
        for target, name in ((self._publisher, "wallboards"), (self._sweeper, "recordings")):
            threading.Thread(target=target, name=name, daemon=True).start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    # -- events ------------------------------------------------------------------------------

    def _on_event(self, ev) -> None:
        self.live.on_event(ev)
        if ev.name == "FullyBooted":
            threading.Thread(target=self._resync, name="callcenter-resync", daemon=True).start()
        elif ev.name == "AgentCalled":
            call = self.live.call(ev.get("Uniqueid", ""))
            if call is not None:
                threading.Thread(target=self._screenpop, args=(call,), name="screenpop", daemon=True).start()

    def _resync(self) -> None:
        try:
            _, events = self.box.pbx.ami.action_list("QueueStatus", timeout=30)
            self.live.resync(events)
            with db.connection_context(), reports_db.connection_context():
                resumed = self.callbacks.resume()
            if resumed:
                log.info("callbacks put back in their queues", extra=kv(count=resumed))
        except Exception:  # noqa: BLE001 - the next event or boot tries again
            log.exception("call-center resync failed")

    def _after_apply(self, snap) -> None:
        """Queues changed: learn their members again, and bring logged-in agents in line with
        the new config (out of queues they no longer belong to; into memory twins)."""
        self._follow_devices(snap)
        if "queues.conf" not in self.box.pbx.applier.last_round.get("files", []):
            return
        self._resync()
        allowed = {(q.number, ext) for q in snap.queues for ext, _p, dynamic in q.members if dynamic}
        memory = {q.number for q in snap.queues if q.memory_seconds}
        for queue in {q.number for q in snap.queues}:
            for agent in self.live.queue_live(queue)["agents"]:
                ext = agent["extension"]
                member = self.live.member(queue, ext)
                if member is None or not member.dynamic:
                    continue
                if (queue, ext) not in allowed:
                    self.agents.remove(queue, ext)
                elif queue in memory:
                    self.agents.add_to_memory(queue, ext)

    def _follow_devices(self, snap) -> None:
        """Logged-in agents whose browser phone was turned on or off since they logged in are
        rung at the devices they have now (static members follow queues.conf by themselves)."""
        browsers = webrtc.browser_numbers(snap)
        for q in snap.queues:
            for ext, penalty, dynamic in q.members:
                member = self.live.member(q.number, ext)
                if not dynamic or member is None or not member.dynamic or not member.interface:
                    continue
                if member.interface != interface(ext, ext in browsers):
                    log.info("agent's devices changed", extra=kv(queue=q.number, extension=ext))
                    with db.connection_context():
                        self.agents.change_device(q.number, ext, penalty, bool(q.memory_seconds))

    def _mark(self, kind: str, key: str) -> None:
        with self._dirty_lock:
            self._dirty[kind].add(key)
        self._wake.set()

    def _publisher(self) -> None:
        """Queue and agent changes go out as whole snapshots: the first at once, then what
        changed meanwhile after COALESCE seconds, so a busy floor costs a few snapshots a second."""
        while True:
            self._wake.wait()
            if self._stop.is_set():
                return
            with self._dirty_lock:
                self._wake.clear()
                queues, agents = self._dirty["queue"], self._dirty["agent"]
                self._dirty = {"queue": set(), "agent": set()}
            for q in sorted(queues):
                self.box.events.publish("queue_live", **self.live.queue_live(q))
            for ext in sorted(agents):
                self.box.events.publish("agent_state", **self.live.agent_state(ext))
            if self._stop.wait(COALESCE):
                return

    def _screenpop(self, call) -> None:
        """The caller's record on the ringing agent's screen, then the CRM's answer when it comes."""
        started = time.monotonic()
        from ..customers import lookup
        from ..customers import service as customers

        with db.connection_context(), reports_db.connection_context():
            customer = customers.find_by_number(call.caller) if call.caller else None
            keys = customers.numbers_of(customer) if customer else [caller_key(call.caller)] if call.caller else []
            history = stats.calls_of(keys, limit=5)
            record = customers.view(customer) if customer else None
        self.box.events.publish("screenpop", agent=call.agent, call=call.callid, queue=call.queue,
                                caller=call.caller, customer=record, history=history)
        log.debug("screen pop", extra=kv(agent=call.agent, ms=round((time.monotonic() - started) * 1000)))
        if call.caller:
            with db.connection_context():
                external = lookup.lookup(call.caller)
            if external is not None:
                self.box.events.publish("screenpop_external", agent=call.agent, call=call.callid, external=external)

    def _sweeper(self) -> None:
        while not self._stop.wait(SWEEP_EVERY):
            try:
                with db.connection_context(), reports_db.connection_context():
                    s = box_settings.load()
                    self.recordings.sweep(s.recording_retention_days, s.recording_quota_mb * 2**20)
                    self.recordings.allow()
            except Exception:  # noqa: BLE001
                log.exception("recording retention failed")

    def _supervisors(self) -> set[str]:
        return {u.extension.number for u in User.select(User, Extension).join(Extension)
                .where(User.role.in_(("admin", "supervisor")))}

    def health(self) -> dict:
        return {"callcenter": {"recordings_stopped": self.recordings.stopped,
                               "calls": len(self.live.calls())}}


def _with_reports(handler):
    """An AGI handler that also reads the reports store (the AGI server opens the config database)."""
    def run(session) -> None:
        with reports_db.connection_context():
            handler(session)
    return run


def _own_by_asterisk(path, user: str) -> None:
    import os
    import pwd

    try:
        owner = pwd.getpwnam(user)
    except KeyError:
        return
    os.chown(path, owner.pw_uid, owner.pw_gid)
