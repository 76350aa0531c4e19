"""Slowing down password guessing at sign-in, per client address and per user name.

Kept in memory: a restart forgets it, which costs an attacker a reboot of the
box per handful of guesses. After `limit` failures within `window` seconds for
any of a request's keys, every attempt is refused until the oldest of those
failures is older than the window, whether its password is right or not, so a
refusal never tells whether a guess was good.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from typing import Callable, Iterable

from ..errors import BoxError

LIMIT = 5
WINDOW = 60.0
# Bounds memory when someone sprays user names from many addresses: the
# oldest keys go first, and they are the ones closest to expiring anyway.
MAX_KEYS = 20_000


class TooManyAttempts(BoxError):
    status = 429

    def __init__(self, retry_after: int):
        super().__init__(f"too many failed sign-ins; try again in {retry_after} s")
        self.retry_after = retry_after
        self.headers = {"Retry-After": str(retry_after)}


class LoginLimiter:
    def __init__(self, limit: int = LIMIT, window: float = WINDOW, clock: Callable[[], float] = time.monotonic):
        self.limit = limit
        self.window = window
        self._clock = clock
        self._lock = threading.Lock()
        self._failures: dict[str, deque[float]] = {}

    @staticmethod
    def keys(address: str | None, username) -> list[str]:
        keys = [f"addr:{address or '?'}"]
        if isinstance(username, str) and username:
            keys.append(f"user:{username.strip().lower()}")
        return keys

    def _recent(self, key: str, now: float) -> deque[float] | None:
        times = self._failures.get(key)
        if times is None:
            return None
        while times and times[0] <= now - self.window:
            times.popleft()
        if not times:
            del self._failures[key]
            return None
        return times

    def check(self, keys: Iterable[str]) -> None:
        """Raise TooManyAttempts if any key has used up its failures."""
        now = self._clock()
        wait = 0.0
        with self._lock:
            for key in keys:
                times = self._recent(key, now)
                if times is not None and len(times) >= self.limit:
                    wait = max(wait, times[-self.limit] + self.window - now)
        if wait > 0:
            raise TooManyAttempts(max(1, math.ceil(wait)))

    def failed(self, keys: Iterable[str]) -> None:
        now = self._clock()
        with self._lock:
            for key in keys:
                times = self._recent(key, now)
                if times is None:
                    if len(self._failures) >= MAX_KEYS:
                        self._failures.pop(next(iter(self._failures)))
                    times = self._failures[key] = deque(maxlen=self.limit)
                times.append(now)

    def succeeded(self, username: str) -> None:
        """A right password clears that user's count (not the address's: one
        known account must not reset the count of a guessing address)."""
        with self._lock:
            self._failures.pop(f"user:{username.strip().lower()}", None)
