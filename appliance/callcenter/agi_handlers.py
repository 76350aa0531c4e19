"""The dial plan's questions to the supervisor, answered over FastAGI.

Each handler is quick (lookups in memory and SQLite) and never in the way of
a call: if the supervisor is slow or down, AGI fails and the dial plan goes
on without memory, priority or announcement.
"""

from __future__ import annotations

import logging

from ..db.models import Extension, Queue
from ..log import kv
from ..permissions import service as permissions
from ..reports import stats
from ..reports.manager import caller_key

log = logging.getLogger(__name__)


def _customer_priority(number: str) -> int:
    from ..customers import service as customers

    return customers.priority_for(number)


class Handlers:
    def __init__(self, live, agents, recordings, callbacks, sounds_dir: str):
        self.live = live
        self.agents = agents
        self.recordings = recordings
        self.callbacks = callbacks
        self.sounds = sounds_dir

    def table(self) -> dict:
        return {
            "queue-enter": self.queue_enter,
            "queue-connect": self.queue_connect,
            "record": self.record,
            "agent-login": self.agent_login,
            "agent-pause": self.agent_pause,
            "callback-request": self.callback_request,
        }

    def queue_enter(self, session) -> None:
        """Priority from the caller's customer level; memory: their last agent, if free now."""
        queue = Queue.get_or_none(Queue.number == session.params.get("queue", ""))
        if queue is None:
            return
        caller = session.caller
        priority = _customer_priority(caller) if caller else 0
        if priority:
            session.set("QUEUE_PRIO", priority)
            log.info("queue priority", extra=kv(queue=queue.number, caller=caller, priority=priority))
        if queue.memory_seconds and caller:
            agent = stats.last_agent(queue.number, caller_key(caller))
            if agent and self.live.member_of(queue.number, agent) and \
                    self.live.agent_state(agent)["state"] == "available":
                session.set("CALLBOX_MEMORY", int(agent))
                log.info("queue memory", extra=kv(queue=queue.number, caller=caller, agent=agent))

    def queue_connect(self, session) -> None:
        """An agent answered; before the two are bridged: say who answers, start recording."""
        queue = Queue.get_or_none(Queue.number == session.params.get("queue", ""))
        agent = session.get("MEMBERNAME") or ""
        if queue is None or not agent.isdigit():
            return
        callback = session.get("CALLBOX_CALLBACK_OF")
        if queue.announce_agent and not callback:
            # The caller hears it in the caller's language; the number digit by digit, as
            # Chinese call centers say a 工号 ("坐席 8 0 0 1 号为您服务").
            language = session.language()
            session.stream(f"{self.sounds}/{language}/agent-serving-1")
            session.say_digits(agent)
            session.stream(f"{self.sounds}/{language}/agent-serving-2")
        ext = Extension.get_or_none(Extension.number == agent)
        policy = "always" if "always" in (queue.recording, ext.recording if ext else "never") else \
            "on_demand" if "on_demand" in (queue.recording, ext.recording if ext else "never") else "never"
        if policy != "never":
            self._record(session, caller=session.caller, callee=agent, queue=queue.number,
                         on_demand=policy == "on_demand")

    def record(self, session) -> None:
        """A direct call to an extension whose policy records it."""
        self._record(session, caller=session.caller, callee=session.params.get("to"), queue=None,
                     on_demand=session.params.get("demand") == "1")

    def _record(self, session, *, caller, callee, queue, on_demand: bool) -> None:
        if not self.recordings.allow():
            return  # the call goes on; the dashboard says why it is not recorded
        callid = session.uniqueid
        path = self.recordings.path_for(callid)
        if on_demand:
            # *1 during the call starts automixmon, which writes here.
            session.set("TOUCH_MIXMONITOR", str(path.with_suffix("")))
            session.set("TOUCH_MIXMONITOR_FORMAT", "wav")
        else:
            session.exec("MixMonitor", f"{path},b")
        if queue:
            session.exec("QueueLog", f"{queue},{callid},{callee or 'NONE'},RECORDING,{path}")
        self.recordings.note(callid, path, caller, callee, queue, on_demand)

    def agent_login(self, session) -> None:
        ext = session.endpoint()
        try:
            done = self.agents.toggle_login(ext)
            session.set("CALLBOX_SAY", "agent-loginok" if done == "in" else "agent-loggedoff")
        except Exception as exc:  # noqa: BLE001 - said to the agent as an error tone
            log.info("agent login refused", extra=kv(extension=ext, reason=str(exc)))
            session.set("CALLBOX_SAY", "beeperr")

    def agent_pause(self, session) -> None:
        ext = session.endpoint()
        code = session.params.get("code", "")
        try:
            done = self.agents.toggle_pause(ext, code if code.isdigit() else "")
            session.set("CALLBOX_SAY", f"{self.sounds}/{session.language()}/agent-{done}")
        except Exception as exc:  # noqa: BLE001
            log.info("agent pause refused", extra=kv(extension=ext, reason=str(exc)))
            session.set("CALLBOX_SAY", "beeperr")

    def callback_request(self, session) -> None:
        """Press 1 to be called back. A phone of the box is called back at its own extension (the
        endpoint it authenticated as); anyone else at the number they present, which a caller
        from a trunk can forge: only within the queue's callback class, else they are told so and
        keep waiting, and the refusal is logged."""
        queue = Queue.get_or_none(Queue.number == session.params.get("queue", ""))
        if queue is None:
            return
        position = self.live.last_position(session.uniqueid) or 1
        endpoint = session.endpoint()
        if endpoint and Extension.select().where(Extension.number == endpoint).exists():
            number = endpoint
        else:
            number = session.caller
            reason = permissions.check(queue.callback_class, number) if number else "the caller sent no number"
            if reason is not None:
                self.callbacks.refused(queue.number, queue.callback_class, number, reason)
                session.set("CALLBOX_CALLBACK", "refused")
                session.set("CALLBOX_POSITION", position)
                return
        self.callbacks.request(queue.number, number, session.uniqueid, position)

