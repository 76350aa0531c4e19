"""A GET that answers a JSON object within a hard time limit, or says why not.

Standard library only, on purpose. The time limit must hold for the whole
request: name resolution, connect, and a server that trickles its answer a
byte at a time. urllib's and requests' timeouts bound each socket operation
instead, so either can run far past them. Here the request runs in a worker
that the caller waits for no longer than the limit; with threading patched by
gevent (the box) that worker is a greenlet, under plain threads (the tests) a
thread, so one code path serves both, and the worker stops reading at the same
deadline. requests is not on the box either, and this needs nothing from it.

Used wherever the box asks the business's own systems something while a call
waits: the CRM about a caller (customers/lookup.py), an IVR's HTTP lookup step.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
from urllib.parse import urlencode, urlsplit

MAX_BYTES = 64 * 1024


class Failed(Exception):
    """No usable answer: the reason, fit for a log line."""


def valid_url(url: str) -> bool:
    """Whether `url` is an http:// or https:// address with a host (what settings accept)."""
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def fetch(url: str, params: dict, timeout: float) -> bytes:
    """The body of a good answer (a JSON object) to GET `url` with `params` added to its query,
    waited for no longer than `timeout` seconds; Failed otherwise."""
    deadline = time.monotonic() + timeout
    outcome: dict = {}
    done = threading.Event()

    def work():
        try:
            outcome["body"] = _get(url, params, deadline)
        except TimeoutError:
            # The socket's own timeout is the same deadline, and may end the wait a moment first.
            outcome["error"] = Failed(f"no answer within {timeout * 1000:.0f} ms")
        except Exception as exc:  # noqa: BLE001  (whatever went wrong, there is no answer)
            outcome["error"] = exc if isinstance(exc, Failed) else f"{type(exc).__name__}: {exc}"
        finally:
            done.set()

    threading.Thread(target=work, name="http-json", daemon=True).start()
    if not done.wait(max(deadline - time.monotonic(), 0)):
        raise Failed(f"no answer within {timeout * 1000:.0f} ms")
    if "error" in outcome:
        raise Failed(str(outcome["error"]))
    return outcome["body"]


def _left(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError("out of time")
    return left


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not JSON")  # Python would take NaN and Infinity; browsers would not


def _get(url: str, params: dict, deadline: float) -> bytes:
    parts = urlsplit(url)
    query = "&".join(q for q in (parts.query, urlencode(params)) if q)
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
