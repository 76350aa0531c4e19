"""A FastAGI server on loopback: one session per call, handled by a named handler.

Threads from socketserver: under the supervisor's gevent monkey-patching they
are greenlets; in unit tests they are threads. Either way a slow handler
holds up only its own call.
"""

from __future__ import annotations

import logging
import socketserver
import threading
from typing import Callable

from ..log import kv
from .protocol import AgiError, Answer, parse_answer, parse_env, quote, script_of

log = logging.getLogger(__name__)


class Session:
    def __init__(self, rfile, wfile, env: dict[str, str], params: dict[str, str]):
        self._rfile = rfile
        self._wfile = wfile
        self.env = env
        self.params = params

    @property
    def caller(self) -> str:
        return self.env.get("agi_callerid", "")

    @property
    def uniqueid(self) -> str:
        return self.env.get("agi_uniqueid", "")

    def endpoint(self) -> str:
        """The endpoint the phone authenticated as (its extension), not a caller id it could fake."""
        return self.command("GET FULL VARIABLE ${CHANNEL(endpoint)}").data or ""

    def language(self) -> str:
        """The channel's language where the box has its own prompts in it, else English."""
        from ..fields import LANGUAGES

        language = self.command("GET FULL VARIABLE ${CHANNEL(language)}").data or ""
        return language if language in LANGUAGES else "en"

    def command(self, text: str) -> Answer:
        self._wfile.write((text + "\n").encode())
        self._wfile.flush()
        line = self._rfile.readline().decode(errors="replace")
        if not line:
            raise AgiError("Asterisk closed the session")
        while line.startswith("520-"):  # usage text of an unknown command
            line = self._rfile.readline().decode(errors="replace")
        return parse_answer(line)

    def set(self, name: str, value) -> None:
        self.command(f"SET VARIABLE {name} {quote(value)}")

    def get(self, name: str) -> str | None:
        answer = self.command(f"GET VARIABLE {name}")
        return answer.data if answer.result == 1 else None

    def stream(self, sound: str) -> None:
        self.command(f'STREAM FILE {sound} ""')

    def say_digits(self, digits: str) -> None:
        self.command(f'SAY DIGITS {digits} ""')

    def exec(self, app: str, args: str) -> None:
        self.command(f"EXEC {app} {quote(args)}")


Handler = Callable[[Session], None]


class AgiServer:
    def __init__(self, host: str, port: int, handlers: dict[str, Handler],
                 wrap: Callable[[Callable[[], None]], None] = lambda f: f()):
        self.handlers = handlers
        outer = self

        class RequestHandler(socketserver.StreamRequestHandler):
            timeout = 30

            def handle(self):
                lines = []
                while True:
                    raw = self.rfile.readline()
                    if not raw or raw in (b"\n", b"\r\n"):
                        break
                    lines.append(raw.decode(errors="replace"))
                env = parse_env(lines)
                name, params = script_of(env)
                handler = outer.handlers.get(name)
                if handler is None:
                    log.warning("no AGI handler", extra=kv(script=name))
                    return
                session = Session(self.rfile, self.wfile, env, params)
                try:
                    wrap(lambda: handler(session))
                except AgiError as exc:
                    log.info("AGI session ended", extra=kv(script=name, reason=str(exc)))
                except Exception:  # noqa: BLE001 - the call goes on without us
                    log.exception("AGI handler failed", extra=kv(script=name))

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self.server = Server((host, port), RequestHandler)
        self.port = self.server.server_address[1]
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.2},
                                        name="agi", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
