"""Live events inside the box: publish once, deliver to every open browser.

Managers publish (a phone registered, a call started, health changed); each
server-sent-event connection subscribes with a filter and gets its own
bounded queue, so one slow browser never holds up the others or the
publisher: when its queue is full it loses the oldest events and is told so.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Callable


@dataclass(frozen=True)
class Event:
    id: int
    topic: str  # "health", "registration", "call", "config", ...
    data: dict
    at: float = field(default_factory=time.time)

    def sse(self) -> str:
        """The event in text/event-stream framing."""
        payload = json.dumps({"topic": self.topic, "at": round(self.at, 3), **self.data},
                             ensure_ascii=False, separators=(",", ":"))
        return f"id: {self.id}\nevent: {self.topic}\ndata: {payload}\n\n"


class Subscription:
    def __init__(self, bus: "EventBus", accept: Callable[[Event], bool], size: int):
        self._bus = bus
        self._accept = accept
        self._queue: deque[Event] = deque(maxlen=size)
        self._ready = threading.Event()
        self.dropped = 0
        self.closed = False

    def _offer(self, event: Event) -> None:
        if not self._accept(event):
            return
        if len(self._queue) == self._queue.maxlen:
            self.dropped += 1
        self._queue.append(event)
        self._ready.set()

    def get(self, timeout: float) -> list[Event]:
        """Events waiting now, after waiting up to `timeout` for the first."""
        if not self._queue:
            self._ready.wait(timeout)
        self._ready.clear()
        out = []
        while self._queue:
            out.append(self._queue.popleft())
        return out

    def close(self) -> None:
        self.closed = True
        self._bus._remove(self)


class EventBus:
    def __init__(self, backlog: int = 200):
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._subs: list[Subscription] = []
        self._recent: deque[Event] = deque(maxlen=backlog)

    def publish(self, topic: str, **data) -> Event:
        with self._lock:
            event = Event(next(self._ids), topic, data)
            self._recent.append(event)
            subs = list(self._subs)
        for sub in subs:
            sub._offer(event)
        return event

    def subscribe(self, accept: Callable[[Event], bool] = lambda e: True, size: int = 500,
                  since: int | None = None) -> Subscription:
        """A new subscription; with `since` (a Last-Event-ID), the recent events after it first."""
        sub = Subscription(self, accept, size)
        with self._lock:
            if since is not None:
                for event in self._recent:
                    if event.id > since:
                        sub._offer(event)
            self._subs.append(sub)
        return sub

    def _remove(self, sub: Subscription) -> None:
        with self._lock:
            if sub in self._subs:
                self._subs.remove(sub)

    @property
    def subscribers(self) -> int:
        with self._lock:
            return len(self._subs)
