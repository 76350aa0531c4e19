"""A business's web service for tests: answers every GET with what the test sets, after `delay`
seconds, and keeps the query of each request it was asked."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class WebService:
    def __init__(self, ip: str = "127.0.0.1", path: str = "/points"):
        self.answer: bytes = b"{}"
        self.delay = 0.0
        self.asked: list[dict] = []
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                service.asked.append(parse_qs(urlsplit(self.path).query))
                time.sleep(service.delay)
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                try:
                    self.wfile.write(service.answer)
                except OSError:  # the box gave up waiting
                    pass

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer((ip, 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://{ip}:{self.server.server_port}{path}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
