"""The tls manager: the box's certificate exists before Asterisk and the web server start.

It runs after the network manager, so a certificate made at first start names the
addresses the box has then (and its host name), and before the pbx manager, whose SIP TLS
transport loads the same files.
"""

from __future__ import annotations

import ipaddress
import logging
import socket

from ..db import db
from ..log import kv
from ..supervisor import Manager
from . import certificate

log = logging.getLogger(__name__)


def box_names() -> list[str]:
    names = [socket.gethostname()]
    try:
        from .. import box_settings

        with db.connection_context():
            names.append(box_settings.load().hostname)
    except Exception:  # noqa: BLE001 - no database yet: the system's host name will do
        pass
    return names + ["localhost"]


def box_addresses(runtime) -> list[str]:
    """Every address of the box's interfaces (link-local ones change: left out) and what it binds."""
    import psutil

    found = []
    for addrs in psutil.net_if_addrs().values():
        for a in addrs:
            if a.family in (socket.AF_INET, socket.AF_INET6):
                ip = ipaddress.ip_address(a.address.split("%")[0])
                if not ip.is_link_local:
                    found.append(str(ip))
    for address in (runtime.http, runtime.sip, runtime.https):
        if address is not None and not ipaddress.ip_address(address.host).is_unspecified:
            found.append(address.host)
    return found


class TlsManager(Manager):
    name = "tls"
    needs = ("settings",)

    def load(self) -> None:
        rt = self.box.runtime
        existed = certificate.paths(rt).cert.is_file()
        self.paths = certificate.ensure(rt, box_names(), box_addresses(rt))
        if not existed:
            log.info("made the box's certificate",
                     extra=kv(fingerprint=certificate.fingerprint(self.paths.cert.read_bytes())))
