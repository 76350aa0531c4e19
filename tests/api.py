"""A small JSON client for the box's API (stdlib only, never through a proxy)."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request

_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class Response:
    def __init__(self, status: int, headers, body: bytes):
        self.status = status
        self.headers = headers
        self.body = body

    @property
    def json(self):
        return json.loads(self.body) if self.body else None

    def __repr__(self) -> str:
        return f"<{self.status} {self.body[:200]!r}>"


class Api:
    def __init__(self, base: str, token: str | None = None, context=None):
        """`context`: the ssl.SSLContext an https:// base is checked with (one that trusts the box's certificate)."""
        self.base = base.rstrip("/") + "/api/v1"
        self.token = token
        self.opener = _OPENER if context is None else urllib.request.build_opener(
            urllib.request.ProxyHandler({}), urllib.request.HTTPSHandler(context=context))

    def request(self, method: str, path: str, body=None, *, token: str | None = None,
                raw: bytes | None = None, content_type: str = "application/json", timeout: float = 30,
                headers: dict | None = None) -> Response:
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        req = urllib.request.Request(self.base + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", content_type)
        token = token if token is not None else self.token
        if token:
            req.add_header("Authorization", f"Bearer {token}")
        for name, value in (headers or {}).items():
            req.add_header(name, value)
        try:
            with self.opener.open(req, timeout=timeout) as r:
                answer = Response(r.status, r.headers, r.read())
        except urllib.error.HTTPError as e:
            return Response(e.code, e.headers, e.read())
        if answer.headers.get("Callbox-Applied") == "false" and "wait=false" not in path:
            self._settle()
        return answer

    def _settle(self, timeout: float = 60) -> None:
        """A change the box answered before Asterisk ran it (its 5 s wait ran out on a loaded
        machine): wait until nothing is pending, as a user would see on the page, so the next
        step does not race the apply. Not when Asterisk is down: the change waits for it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            health = self.get("/health").json
            if health.get("asterisk") != "up" or not health.get("config", {}).get("pending"):
                return
            time.sleep(0.2)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body, **kw)

    def put(self, path, body=None, **kw):
        return self.request("PUT", path, body, **kw)

    def patch(self, path, body=None, **kw):
        return self.request("PATCH", path, body, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    def upload(self, path: str, fields: dict, file_field: str, filename: str, data: bytes) -> Response:
        """POST multipart/form-data, as a browser's file form does."""
        boundary = "callbox-test-boundary"
        body = b""
        for key, value in fields.items():
            body += f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
        body += (f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; filename="{filename}"\r\n'
                 f"Content-Type: application/octet-stream\r\n\r\n").encode() + data + b"\r\n"
        body += f"--{boundary}--\r\n".encode()
        return self.request("POST", path, raw=body, content_type=f"multipart/form-data; boundary={boundary}")

    def sign_in(self, password: str) -> "Api":
        if not self.get("/setup").json["configured"]:
            r = self.post("/setup", {"admin_password": password})
            assert r.status == 201, r
        r = self.post("/auth/login", {"username": "admin", "password": password})
        assert r.status == 200, r
        self.token = r.json["token"]
        return self
