"""The web manager: serves the web UI and API on a gevent WSGI server.

gevent because hundreds of agent browsers hold a live event stream open at
once; each costs a greenlet, not a thread.

With BOX_HTTPS the same app is served over TLS with the box's certificate (appliance/tls);
with BOX_HTTP_REDIRECT the HTTP listener only sends browsers there. A new certificate is
taken by the next connection: the listener's SSL context is replaced, nothing restarts.
"""

from __future__ import annotations

import logging
import threading

from .db import db
from .supervisor import Manager

log = logging.getLogger(__name__)
HEALTH_EVERY = 3.0
# How long a connection may stay silent while the box waits to read from it (a request's body, or
# the next request on a kept-alive connection). Without it a client that vanished mid-upload (its
# reset lost on the way, as through NAT) holds the upload, and the update it stands for, forever;
# and a client that sends a byte now and then holds a greenlet forever.
READ_TIMEOUT = 30.0


class WebManager(Manager):
    name = "web"
    needs = ("database",)

    def load(self) -> None:
        from webui import make_app

        self.app = make_app(self.box)

    def start(self) -> None:
        rt = self.box.runtime
        self.https_server = None
        self.https_error = None
        if rt.https is not None:
            try:
                self.https_server = _server(rt.https, self.app, ssl_context=self.ssl_context())
                self.https_server.start()
                log.info("web UI listening on https://%s/", rt.https)
            except Exception as exc:  # noqa: BLE001 - HTTP must stay: the owner repairs it from there
                self.https_server = None
                self.https_error = str(exc)
                log.exception("cannot serve HTTPS; HTTP serves the web UI")
        plain = self.app
        if rt.http_redirect and self.https_server is not None:
            from .tls.redirect import ToHttps

            plain = phones_stay_on_http(self.app, ToHttps(rt.https.port, self.certificate_hosts))
        self.server = _server(rt.http, plain)
        self.server.start()
        log.info("web UI listening on http://%s/%s", rt.http, " (redirects to HTTPS)" if plain is not self.app else "")
        self._stop = threading.Event()
        self._ticker = threading.Thread(target=self._tick, name="health-ticker", daemon=True)
        self._ticker.start()

    def _tick(self) -> None:
        """Health for the dashboards, while any browser listens."""
        while not self._stop.wait(HEALTH_EVERY):
            if self.box.events.subscribers:
                try:
                    with db.connection_context():
                        self.box.events.publish("health", **self.box.health())
                except Exception:  # noqa: BLE001
                    log.exception("health tick failed")

    def ssl_context(self):
        from gevent import ssl

        from .tls import certificate

        where = certificate.paths(self.box.runtime)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(where.cert, where.key)
        return context

    def reload_certificate(self) -> None:
        """Serve the certificate now in the box's files to every new connection.

        A fresh context rather than load_cert_chain on the old one: that would keep an
        RSA and an ECDSA certificate side by side when the owner's key is of the other kind."""
        if self.https_server is not None:
            self.https_server.wrap_socket = self.ssl_context().wrap_socket
        self._hosts = None

    _hosts = None

    def certificate_hosts(self) -> set[str]:
        """The names and addresses the served certificate is for (a redirect may name them)."""
        if self._hosts is None:
            from .tls import certificate

            doc = certificate.current(self.box.runtime)
            self._hosts = {n.lower() for n in doc["names"]} | set(doc["addresses"])
        return self._hosts

    def stop(self) -> None:
        self._stop.set()
        for server in (self.server, self.https_server):
            if server is not None:
                server.stop(timeout=5)

    def health(self) -> dict:
        rt = self.box.runtime
        doc = {"web": f"http://{rt.http}/"}
        if self.https_server is not None:
            doc["web_https"] = f"https://{rt.https}/"
        if self.https_error:
            doc["web_https_error"] = self.https_error
        return doc


def _server(address, app, **ssl_args):
    from gevent.pywsgi import WSGIHandler, WSGIServer

    class Handler(WSGIHandler):
        def handle(self):
            self.socket.settimeout(READ_TIMEOUT)
            return super().handle()

        def get_environ(self):
            env = super().get_environ()
            try:
                env["callbox.local_address"] = self.socket.getsockname()[0]
            except OSError:
                env["callbox.local_address"] = address.host
            return env

    class Server(WSGIServer):
        def wrap_socket_and_handle(self, client_socket, peer):
            # A handshake a client gives up (an untrusted certificate, a scanner's garbage) is
            # routine: one debug line, not a traceback per connection filling the log.
            client_socket.settimeout(READ_TIMEOUT)  # a handshake that stalls, too
            try:
                return super().wrap_socket_and_handle(client_socket, peer)
            except OSError as exc:
                log.debug("TLS connection from %s failed: %s", peer[0] if peer else "?", exc)

    # SERVER_NAME given: gevent would otherwise look the bind address up in DNS, which may hang.
    return Server((address.host, address.port), app, log=None, error_log=logging.getLogger("web"),
                  handler_class=Handler, environ={"SERVER_NAME": address.host}, **ssl_args)


def phones_stay_on_http(app, redirect):
    """Desk phones fetch their files over plain HTTP too (most cannot check the box's own
    certificate; a token and digest credentials guard the files): /provision/ is served on the
    redirecting listener, everything else goes to HTTPS."""

    def wsgi(environ, start_response):
        target = app if environ.get("PATH_INFO", "").startswith("/provision/") else redirect
        return target(environ, start_response)

    return wsgi
