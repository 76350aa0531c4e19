"""HTTP that only sends the browser to HTTPS (an installed box's port 80).

The address to go to must be absolute (the scheme changes), yet the Host header is the
client's to choose: it is used only when it is one of the names or addresses the served
certificate is for; otherwise the box's own address the request arrived on.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import quote


def host_part(host: str) -> str:
    """'example.org:80' -> 'example.org'; '[::1]:80' -> '::1'."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:].partition("]")[0]
    name, _, port = host.rpartition(":")
    return name if name and port.isdigit() and ":" not in name else host


def url_host(host: str) -> str:
    try:
        return f"[{host}]" if ipaddress.ip_address(host).version == 6 else host
    except ValueError:
        return host


class ToHttps:
    """A WSGI app: 308 (301 for GET/HEAD, which every client follows) to the same path on HTTPS.

    `allowed()` gives the host names and addresses a Host header may name (the certificate's);
    `environ["callbox.local_address"]` is the box's address of the connection."""

    def __init__(self, https_port: int, allowed):
        self.port = "" if https_port == 443 else f":{https_port}"
        self.allowed = allowed

    def location(self, environ) -> str:
        asked = host_part(environ.get("HTTP_HOST", ""))
        host = asked if asked and asked in self.allowed() else environ.get("callbox.local_address", "")
        path = quote(environ.get("PATH_INFO", "/").encode("latin-1"), safe="/:@!$&'()*+,;=-._~%")
        query = environ.get("QUERY_STRING", "")
        return f"https://{url_host(host)}{self.port}{path or '/'}" + (f"?{query}" if query else "")

    def __call__(self, environ, start_response):
        code = "301 Moved Permanently" if environ.get("REQUEST_METHOD") in ("GET", "HEAD") else "308 Permanent Redirect"
        start_response(code, [("Location", self.location(environ)), ("Content-Length", "0"),
                              ("Cache-Control", "no-store")])
        return [b""]
