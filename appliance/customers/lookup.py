"""The business's own CRM or ERP, asked about a caller: GET <url>?number=<normalised number>.

Its answer (a JSON object, shown beside our own record) is only ever extra:
a hook that hangs, fails or answers garbage gives None and a logged warning,
never an exception, and never takes longer than the box's
customer_lookup_timeout_ms. Answers are cached per number for five minutes,
failures for thirty seconds so that a dead CRM is not asked at every call.

The request itself, with its hard time limit, is appliance/httpjson.py.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import OrderedDict
from urllib.parse import urlsplit

from .. import box_settings, httpjson
from ..log import kv
from . import numbers

log = logging.getLogger(__name__)

MAX_BYTES = httpjson.MAX_BYTES
FRESH_SECONDS = 300.0
FAILED_SECONDS = 30.0
MAX_ENTRIES = 1000


class Cache:
    """Values by key, each for its own number of seconds; past `size` entries the oldest go."""

    def __init__(self, size: int = MAX_ENTRIES, clock=time.monotonic):
        self.size = size
        self.clock = clock
        self._entries: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key) -> tuple[bool, object]:
        """(True, value) while the key's entry is fresh, else (False, None)."""
        with self._lock:
            expires, value = self._entries.get(key, (None, None))
            if expires is None:
                return False, None
            if expires <= self.clock():
                del self._entries[key]
                return False, None
            return True, value

    def put(self, key, value, seconds: float) -> None:
        with self._lock:
            self._entries[key] = (self.clock() + seconds, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


cache = Cache()


def lookup(number) -> dict | None:
    """The CRM's JSON object about a caller's number (in any form), or None when no hook
    is set, the number is not one, or the hook gave no usable answer in time.

    Reads the box settings: call it with a database connection open (request
    handlers have one; a background greenlet opens its own). Each call gets
    its own copy of the answer.
    """
    settings = box_settings.load()
    url = settings.customer_lookup_url
    normalised = numbers.normalize(number, settings.country_code, settings.national_prefix)
    if not url or normalised is None:
        return None
    key = (url, normalised)  # a new URL is a new CRM: none of the old one's answers count
    fresh, body = cache.get(key)
    if not fresh:
        body = _ask(url, normalised, settings.customer_lookup_timeout_ms / 1000)
        cache.put(key, body, FRESH_SECONDS if body is not None else FAILED_SECONDS)
    return None if body is None else json.loads(body)


def _ask(url: str, number: str, timeout: float) -> bytes | None:
    """The body of a good answer, waited for no longer than `timeout` seconds."""
    try:
        return httpjson.fetch(url, {"number": number}, timeout)
    except httpjson.Failed as exc:
        # The host only: the URL's query may carry the CRM's access key.
        log.warning("customer lookup failed", extra=kv(host=urlsplit(url).hostname, number=number, reason=str(exc)))
        return None
