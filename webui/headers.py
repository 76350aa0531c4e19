"""The security headers of every answer, pages and API alike: one after_request hook.

- CSP: scripts, styles, images and connections from the box itself only (and the browser
  phone's WebSocket on Asterisk's own port of the same host); no inline script
  (pages pass data in data-* attributes), no plugins, no <base>, forms post to the box only.
- Not framed by any site (frame-ancestors and X-Frame-Options for older browsers). The
  website callback is a script tag on the business's site, not a frame, so nothing here
  needs to be embeddable; a script is fetched cross-site whatever these headers say.
- No Referer leaves the box (page addresses carry ids and filters), no type sniffing.
- HSTS on HTTPS answers only: a browser that once reached the box over HTTPS keeps to it.
  Browsers ignore it for IP addresses, so a dev box reached at 198.18.N.2 keeps its HTTP.
"""

from __future__ import annotations

import re

from bottle import request, response

CSP = "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'"
HSTS = "max-age=31536000"
_HOST = re.compile(r"^[A-Za-z0-9.-]+$|^\[[0-9A-Fa-f:.]+\]$")


def csp(runtime, host: str) -> str:
    """The policy, letting pages reach the browser phone's WebSocket too: Asterisk's own port on
    the host the page came from (appliance/webphone), and nothing else off the page's origin."""
    webrtc = getattr(runtime, "webrtc", None)
    if webrtc is None or not _HOST.match(host):
        return CSP
    sockets = [f"ws://{host}:{webrtc.port}"]
    if getattr(runtime, "webrtc_tls", None) is not None:
        sockets.append(f"wss://{host}:{runtime.webrtc_tls.port}")
    return CSP + "; connect-src 'self' " + " ".join(sockets)


def over_https(environ) -> bool:
    """The connection itself is TLS: the server says so, never a request header
    (bottle's urlparts would believe a client's X-Forwarded-Proto)."""
    return environ.get("wsgi.url_scheme") == "https"


def security_headers(runtime=None) -> None:
    response.set_header("X-Content-Type-Options", "nosniff")
    response.set_header("X-Frame-Options", "DENY")
    response.set_header("Referrer-Policy", "no-referrer")
    host = request.urlparts.hostname or ""
    response.set_header("Content-Security-Policy", csp(runtime, f"[{host}]" if ":" in host else host))
    if over_https(request.environ):
        response.set_header("Strict-Transport-Security", HSTS)


def install(app, runtime=None) -> None:
    app.add_hook("after_request", lambda: security_headers(runtime))
