"""A real HTTP SMS gateway for tests and the bench, in its own thread: it keeps every request it
is sent (method, path, query, form or JSON body, headers) and answers with the next of the
answers a test lined up, or with the default (200, {"code": "OK", "msgid": "m<n>"})."""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _handle(self):
        server: SmsGateway = self.server.gateway
        url = urllib.parse.urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        ctype = (self.headers.get("Content-Type") or "").split(";")[0]
        if ctype == "application/json":
            body = json.loads(raw.decode())
        elif ctype == "application/x-www-form-urlencoded":
            body = dict(urllib.parse.parse_qsl(raw.decode(), keep_blank_values=True))
        else:
            body = raw
        with server.lock:
            server.count += 1
            seq = server.count
            status, answer = server.answers.pop(0) if server.answers else (200, None)
            if 200 <= status < 300:
                server.received.append({"method": self.command, "path": url.path,
                                        "query": dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True)),
                                        "body": body, "headers": dict(self.headers), "at": time.monotonic()})
            else:
                server.refused += 1
            server.arrived.set()
        if answer is None:
            answer = {"code": "OK", "msgid": f"m{seq}"}
        data = json.dumps(answer).encode() if not isinstance(answer, bytes) else answer
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = _handle


class SmsGateway:
    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        self.lock = threading.Lock()
        self.received: list[dict] = []
        self.answers: list[tuple[int, object]] = []
        self.count = 0
        self.refused = 0
        self.arrived = threading.Event()
        self.server = ThreadingHTTPServer((host, port), _Handler)
        self.server.daemon_threads = True
        self.server.gateway = self
        self.host, self.port = self.server.server_address[:2]
        self.url = f"http://{self.host}:{self.port}"

    def __enter__(self) -> "SmsGateway":
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def clear(self) -> None:
        with self.lock:
            self.received.clear()
            self.answers.clear()
            self.refused = 0

    def wait(self, count: int = 1, timeout: float = 10.0, refused: int = 0) -> list[dict]:
        """The first `count` messages taken (and at least `refused` refusals), waiting up to `timeout` s."""
        deadline = time.monotonic() + timeout
        while True:
            with self.lock:
                if len(self.received) >= count and self.refused >= refused:
                    return list(self.received[:count])
                self.arrived.clear()
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"{len(self.received)} of {count} messages ({self.refused} refused) "
                                     f"arrived in {timeout} s")
            self.arrived.wait(min(left, 0.5))
