"""Agents logging in and out of their queues, and pausing, over AMI.

Which queues an agent belongs to is config (queue members marked dynamic);
whether they are logged in right now is Asterisk's (persistentmembers keeps
it across an Asterisk restart). Static members are always in and can only pause.
"""

from __future__ import annotations

import time

from ..ami import AMIError
from ..db.models import Extension, PauseReason, Queue, QueueMember
from ..errors import Conflict, Invalid, NotFound
from ..pbx.control import send
from ..pbx.render.queues import MEMORY_SUFFIX, interface, state_interface


#: How long a log-in or log-out waits for Asterisk's member events before it answers.
SETTLE_SECONDS = 2.0


class Agents:
    def __init__(self, ami, live):
        self.ami = ami
        self.live = live

    def _ext(self, number: str) -> Extension:
        ext = Extension.get_or_none(Extension.number == number)
        if ext is None:
            raise NotFound(f"no extension {number}")
        return ext

    def _browser(self, number: str) -> bool:
        ext = Extension.get_or_none(Extension.number == number)
        return bool(ext and ext.browser_phone)

    def _add(self, queue: str, number: str, penalty: int, browser: bool, **extra) -> None:
        send(self.ami, "QueueAdd", Queue=queue, Interface=interface(number, browser), Penalty=penalty,
             MemberName=number, StateInterface=state_interface(number, browser), **extra)

    def memberships(self, number: str) -> list[tuple[Queue, QueueMember]]:
        ext = self._ext(number)
        rows = QueueMember.select(QueueMember, Queue).join(Queue).where(QueueMember.extension == ext)
        return [(m.queue, m) for m in rows]

    def login(self, number: str) -> dict:
        dynamic = [(q, m) for q, m in self.memberships(number) if m.dynamic]
        if not dynamic:
            raise Conflict(f"extension {number} is not an agent of any queue it can log in to")
        for q, m in dynamic:
            if self.live.member_of(q.number, number):
                continue
            targets = [(q.number, m.penalty)] + ([(q.number + MEMORY_SUFFIX, int(number))] if q.memory_seconds else [])
            for queue, penalty in targets:
                self._add(queue, number, penalty, self._browser(number))
        self._settle(lambda: all(self.live.member_of(q.number, number) for q, _ in dynamic))
        return self.live.agent_state(number)

    def logout(self, number: str) -> dict:
        dynamic = [q for q, m in self.memberships(number) if m.dynamic]
        if not dynamic:
            raise Conflict(f"extension {number} has no queue to log out of")
        for q in dynamic:
            self.remove(q.number, number)
        self._settle(lambda: not any(self.live.member_of(q.number, number) for q in dynamic))
        return self.live.agent_state(number)

    @staticmethod
    def _settle(done) -> None:
        """Answer with the state the agent is in once Asterisk says so: a state read before its
        member event arrives would be older than the live event the page may already have."""
        deadline = time.monotonic() + SETTLE_SECONDS
        while not done() and time.monotonic() < deadline:
            time.sleep(0.02)

    def remove(self, queue: str, number: str) -> None:
        """Out of one queue (and its memory twin): the agent no longer belongs to it."""
        for name in (queue, queue + MEMORY_SUFFIX):
            try:
                self.ami.action("QueueRemove", Queue=name, Interface=interface(number, self._browser(number)))
            except AMIError:
                pass

    def add_to_memory(self, queue: str, number: str) -> None:
        try:
            self._add(queue + MEMORY_SUFFIX, number, int(number), self._browser(number))
        except AMIError:
            pass  # already there

    def change_device(self, queue: str, number: str, penalty: int, memory: bool) -> None:
        """A logged-in agent's browser phone was turned on or off: the member Asterisk has rings
        the old devices. Out under the old interface, in under the new one, paused as before."""
        browser = self._browser(number)
        member = self.live.member(queue, number)
        paused = {"Paused": "true", "Reason": member.reason} if member is not None and member.paused else {}
        for name, pen in [(queue, penalty)] + ([(queue + MEMORY_SUFFIX, int(number))] if memory else []):
            try:
                self.ami.action("QueueRemove", Queue=name, Interface=interface(number, not browser))
                self._add(name, number, pen, browser, **paused)
            except AMIError:
                pass  # not there (the twin of a queue the agent is not logged in to)

    def pause(self, number: str, reason: str | None) -> dict:
        if reason is not None and not PauseReason.select().where(PauseReason.name == reason).exists():
            raise Invalid(f"reason: there is no pause reason {reason!r}", "reason")
        self._in_a_queue(number)
        send(self.ami, "QueuePause", Interface=interface(number, self._browser(number)), Paused="true",
             Reason=reason or "")
        return self.live.agent_state(number)

    def unpause(self, number: str) -> dict:
        self._in_a_queue(number)
        send(self.ami, "QueuePause", Interface=interface(number, self._browser(number)), Paused="false")
        return self.live.agent_state(number)

    def _in_a_queue(self, number: str) -> None:
        if self.live.agent_state(number)["state"] == "logged_out":
            raise Conflict(f"agent {number} is not logged in")

    def toggle_login(self, number: str) -> str:
        if self.live.agent_state(number)["state"] == "logged_out":
            self.login(number)
            return "in"
        self.logout(number)
        return "out"

    def toggle_pause(self, number: str, code: str = "") -> str:
        state = self.live.agent_state(number)
        if state["state"] == "paused" and not code:
            self.unpause(number)
            return "unpaused"
        reason = None
        if code:
            found = PauseReason.get_or_none(PauseReason.code == int(code))
            reason = found.name if found else None
        self.pause(number, reason)
        return "paused"
