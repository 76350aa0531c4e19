"""The HTTP SMS gateway adapter: the shape most SMS providers, Chinese and international, use.

A request made from the gateway's URL template (fields URL-encoded), sent as
GET, a POST form or a POST of JSON, with HTTP basic authentication or the
credentials among the fields; the answer is good when its status is the one
configured (any 2xx by default) and, where set, a field of its JSON answer has
the configured value (providers answer 200 with {"code": "OK"} or an error
code). urllib from the standard library: one request at a time from the
sender's thread needs no more, and it never goes through a proxy.
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.parse
import urllib.request

from .adapters import SendError
from .templates import fill

TIMEOUT = 10.0
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def build(options: dict, password: str, number: str, text: str, message_id: int) -> urllib.request.Request:
    values = {"to": number, "text": text, "from": options.get("sender", ""), "username": options.get("username", ""),
              "password": password, "id": str(message_id)}
    url = fill(options["url"], values, quote=lambda v: urllib.parse.quote(v, safe=""))
    body = {name: fill(value, values) for name, value in (options.get("body") or {}).items()}
    method = options.get("method", "GET")
    data, content_type = None, None
    if method == "POST_FORM":
        data, content_type = urllib.parse.urlencode(body).encode(), "application/x-www-form-urlencoded"
    elif method == "POST_JSON":
        data, content_type = json.dumps(body, ensure_ascii=False).encode(), "application/json; charset=utf-8"
    req = urllib.request.Request(url, data=data, method="GET" if method == "GET" else "POST")
    if content_type:
        req.add_header("Content-Type", content_type)
    if options.get("auth") == "basic":
        token = base64.b64encode(f"{options.get('username', '')}:{password}".encode()).decode()
        req.add_header("Authorization", f"Basic {token}")
    return req


def _field(doc, path: str):
    for part in path.split("."):
        if not isinstance(doc, dict) or part not in doc:
            return None
        doc = doc[part]
    return doc


def check_answer(options: dict, status: int, body: bytes) -> str | None:
    """The provider's message id if the answer means sent; SendError saying why it does not."""
    wanted = options.get("success_status")
    if (wanted is not None and status != wanted) or (wanted is None and not 200 <= status < 300):
        # A refused request (400, 401, 403, 404) is not helped by trying again; overload (429) and
        # server errors (5xx) may be.
        permanent = 400 <= status < 500 and status not in (408, 425, 429)
        raise SendError(f"HTTP {status}: {_excerpt(body)}", permanent=permanent)
    doc = None
    if options.get("success_field") or options.get("id_field"):
        try:
            doc = json.loads(body)
        except ValueError:
            raise SendError(f"HTTP {status}, but the answer is not JSON: {_excerpt(body)}") from None
    if options.get("success_field"):
        value = _field(doc, options["success_field"])
        if value is None or str(value) != options["success_value"]:
            raise SendError(f"the gateway answered {options['success_field']}={value!r}: {_excerpt(body)}")
    if options.get("id_field"):
        value = _field(doc, options["id_field"])
        return None if value is None else str(value)[:255]
    return None


def _excerpt(body: bytes) -> str:
    return body[:300].decode("utf-8", "replace").strip() or "(empty answer)"


def send(options: dict, password: str, number: str, text: str, message_id: int, timeout: float = TIMEOUT) -> str | None:
    req = build(options, password, number, text, message_id)
    try:
        with _OPENER.open(req, timeout=timeout) as r:
            status, body = r.status, r.read(65536)
    except urllib.error.HTTPError as e:
        status, body = e.code, e.read(65536)
    except (urllib.error.URLError, OSError) as e:
        reason = getattr(e, "reason", e)
        raise SendError(f"could not reach the gateway: {reason}") from None
    return check_answer(options, status, body)
