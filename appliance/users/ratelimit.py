"""Slowing down password guessing at sign-in, per (address, user name) pair and per address.

The pair is what an attacker guesses against: after `limit` failures within
`window` seconds for one user from one address, that pair is shut for
`window` seconds, and every failure after a shut period shuts it again for
twice as long (capped at MAX_DELAY). The user name alone is never counted: a
guessing address must not lock the real owner out from their own address.

The address alone is counted too, with a larger allowance, so one address
cannot spray a few guesses at each of many user names.

While a key is shut every attempt through it is refused, whether its password
is right or not, so a refusal never tells whether a guess was good. Kept in
memory: a restart forgets it, which costs an attacker a reboot of the box per
handful of guesses.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from typing import Callable, Iterable

from ..errors import BoxError

LIMIT = 5
ADDRESS_LIMIT = 20
WINDOW = 60.0
MAX_DELAY = 3600.0
# A pair that has not failed for this long starts again from a short delay.
FORGET = 24 * 3600.0
# Bounds memory when someone sprays user names from many addresses: the
# oldest keys go first, and they are the ones closest to expiring anyway.
MAX_KEYS = 20_000


class TooManyAttempts(BoxError):
    status = 429

    def __init__(self, retry_after: int):
        super().__init__(f"too many failed sign-ins; try again in {retry_after} s")
        self.retry_after = retry_after
        self.headers = {"Retry-After": str(retry_after)}


class _Key:
    __slots__ = ("times", "strikes", "shut_until", "last")

    def __init__(self, limit: int):
        self.times: deque[float] = deque(maxlen=limit)
        self.strikes = 0
        self.shut_until = 0.0
        self.last = 0.0


class LoginLimiter:
    def __init__(self, limit: int = LIMIT, window: float = WINDOW, address_limit: int = ADDRESS_LIMIT,
                 clock: Callable[[], float] = time.monotonic):
        self.limit = limit
        self.address_limit = address_limit
        self.window = window
        self._clock = clock
        self._lock = threading.Lock()
        self._keys: dict[str, _Key] = {}
        #: Called with (address, user name) after each refused sign-in: the ban engine listens.
        self.on_failure: list[Callable[[str | None, str], None]] = []

    def report_failure(self, address: str | None, username) -> None:
        for callback in self.on_failure:
            callback(address, username if isinstance(username, str) else "")

    @staticmethod
    def keys(address: str | None, username) -> list[str]:
        address = address or "?"
        keys = [f"addr:{address}"]
        if isinstance(username, str) and username.strip():
            keys.append(f"pair:{address}|{username.strip().lower()}")
        return keys

    def _limit_of(self, key: str) -> int:
        return self.address_limit if key.startswith("addr:") else self.limit

    def _get(self, key: str, now: float) -> _Key | None:
        entry = self._keys.get(key)
        if entry is None:
            return None
        while entry.times and entry.times[0] <= now - self.window:
            entry.times.popleft()
        if not entry.times and now >= entry.shut_until and now - entry.last >= FORGET:
            del self._keys[key]
            return None
        return entry

    def check(self, keys: Iterable[str]) -> None:
        """Raise TooManyAttempts if any key is shut."""
        now = self._clock()
        wait = 0.0
        with self._lock:
            for key in keys:
                entry = self._get(key, now)
                if entry is not None:
                    wait = max(wait, entry.shut_until - now)
        if wait > 0:
            raise TooManyAttempts(max(1, math.ceil(wait)))

    def failed(self, keys: Iterable[str]) -> None:
        now = self._clock()
        with self._lock:
            for key in keys:
                entry = self._get(key, now)
                if entry is None:
                    if len(self._keys) >= MAX_KEYS:
                        self._keys.pop(next(iter(self._keys)))
                    entry = self._keys[key] = _Key(self._limit_of(key))
                entry.last = now
                entry.times.append(now)
                # Once a pair has been shut, each further failure shuts it again.
                if len(entry.times) >= self._limit_of(key) or (entry.strikes and not key.startswith("addr:")):
                    delay = self.window if key.startswith("addr:") else self.window * 2 ** entry.strikes
                    entry.shut_until = now + min(delay, MAX_DELAY)
                    entry.strikes += 1
                    entry.times.clear()

    def succeeded(self, address: str | None, username: str) -> None:
        """A right password clears that pair (not the address's count: one
        known account must not reset the count of a guessing address)."""
        with self._lock:
            self._keys.pop(self.keys(address, username)[-1], None)
