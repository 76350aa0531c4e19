"""The business's own CRM or ERP, asked about a caller: GET <url>?number=<normalised number>.

Its answer (a JSON object, shown beside our own record) is only ever extra:
a hook that hangs, fails or answers garbage gives None and a logged warning,
never an exception, and never takes longer than the box's
customer_lookup_timeout_ms. Answers are cached per number for five minutes,
failures for thirty seconds so that a dead CRM is not asked at every call.

Standard library only, on purpose. The time limit must hold for the whole
request: name resolution, connect, and a server that trickles its answer a
byte at a time. urllib's and requests' timeouts bound each socket operation
instead, so either can run far past them. Here the request runs in a worker
that the caller waits for no longer than the limit; with threading patched by
gevent (the box) that worker is a greenlet, under plain threads (the tests) a
thread, so one code path serves both, and the worker stops reading at the same
deadline. requests is not on the box either, and this needs nothing from it.
"""

from __future__ import annotations

import http.client
import json
import logging
import threading
import time
from collections import OrderedDict
from urllib.parse import urlencode, urlsplit

from .. import box_settings
from ..log import kv
from . import numbers

log = logging.getLogger(__name__)

MAX_BYTES = 64 * 1024
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


class Failed(Exception):
    """The CRM answered, but not with what we can show."""


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
    deadline = time.monotonic() + timeout
    outcome: dict = {}
    done = threading.Event()

    def work():
        try:
            outcome["body"] = _get(url, number, deadline)
        except Exception as exc:  # noqa: BLE001  (whatever went wrong, there is no answer)
            outcome["error"] = f"{type(exc).__name__}: {exc}"
        finally:
            done.set()

    threading.Thread(target=work, name="customer-lookup", daemon=True).start()
    if not done.wait(max(deadline - time.monotonic(), 0)):
        reason = f"no answer within {timeout * 1000:.0f} ms"
    elif "error" in outcome:
        reason = outcome["error"]
    else:
        return outcome["body"]
    # The host only: the URL's query may carry the CRM's access key.
    log.warning("customer lookup failed", extra=kv(host=urlsplit(url).hostname, number=number, reason=reason))
    return None


def _left(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError("out of time")
    return left


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not JSON")  # Python would take NaN and Infinity; browsers would not


def _get(url: str, number: str, deadline: float) -> bytes:
    parts = urlsplit(url)
    query = "&".join(q for q in (parts.query, urlencode({"number": number})) if q)
    connection = (http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection)(
        parts.hostname, parts.port, timeout=_left(deadline))
    response = None
    try:
        connection.request("GET", f"{parts.path or '/'}?{query}", headers={"Accept": "application/json"})
        sock = connection.sock  # the connection lets go of it when the answer ends with the connection
        sock.settimeout(_left(deadline))
        response = connection.getresponse()
        if not 200 <= response.status < 300:
            raise Failed(f"HTTP status {response.status}")
        body = b""
        while len(body) <= MAX_BYTES:
            sock.settimeout(_left(deadline))
            chunk = response.read1(MAX_BYTES + 1 - len(body))  # one receive at most: the deadline holds
            if not chunk:
                break
            body += chunk
        if len(body) > MAX_BYTES:
            raise Failed(f"the answer is larger than {MAX_BYTES // 1024} KB")
    finally:
        if response is not None:
            response.close()
        connection.close()
    try:
        doc = json.loads(body, parse_constant=_refuse_constant)
    except (ValueError, RecursionError):  # RecursionError: a 64 KB answer can nest that deep
        raise Failed("the answer is not JSON") from None
    if not isinstance(doc, dict):
        raise Failed("the answer is not a JSON object")
    return body
