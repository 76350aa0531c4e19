"""Requests per key in a sliding window (an address a minute, a number an hour).

Unlike the sign-in limiter (appliance/users/ratelimit.py), which counts failures and shuts a key
for growing times, this counts every request and refuses while the window holds `limit` of them.
Kept in memory: a restart forgets it."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from typing import Callable

MAX_KEYS = 20_000  # bounds memory under a flood from many addresses: the oldest keys go first


class WindowLimiter:
    def __init__(self, window: float, clock: Callable[[], float] = time.monotonic):
        self.window = window
        self.clock = clock
        self._keys: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, key: str, limit: int) -> int | None:
        """Count a request for `key`: None when within `limit`, else the seconds until one is free."""
        now = self.clock()
        with self._lock:
            times = self._keys.pop(key, None) or deque()
            while times and times[0] <= now - self.window:
                times.popleft()
            self._keys[key] = times
            while len(self._keys) > MAX_KEYS:
                self._keys.popitem(last=False)
            if len(times) >= limit:
                return max(1, int(times[0] + self.window - now + 0.999))
            times.append(now)
            return None

    def reset(self) -> None:
        with self._lock:
            self._keys.clear()
