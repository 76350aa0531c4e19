"""The files that carry the rest of the network settings: pure, settings in, text out.

Every value was checked on the way in (IP addresses, host names), and each
renderer checks again that nothing could change the file's meaning.
"""

from __future__ import annotations

import ipaddress
import re

_HOST = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252})")

#: chrony reads every *.sources file in this folder (Debian's chrony.conf: sourcedir).
CHRONY_SOURCES = "/etc/chrony/sources.d/callbox.sources"


def chrony_sources(servers) -> str:
    """A chrony sources file: one `server` line a time server (iburst: a quick first sync after boot)."""
    lines = ["# The box's time servers (Network page and setup wizard); rewritten on every change.\n"]
    for server in servers:
        if not _HOST.fullmatch(server):
            ipaddress.ip_address(server)  # an IPv6 address, or ValueError
        lines.append(f"server {server} iburst\n")
    return "".join(lines)


def resolv_conf(servers) -> str:
    text = "".join(f"nameserver {ipaddress.ip_address(s)}\n" for s in servers)
    return text or "# No DNS server: lookups fail at once instead of timing out.\n"
