"""nftables adapter: one table of ours with a set of banned addresses per family.

The drop sits in prerouting at raw priority, before connection tracking, so a banned
address's packets reach neither Asterisk nor the web server and make no new flows.
Set elements carry their ban's timeout, so the kernel lifts a timed ban by itself even
while the supervisor is down; permanent bans have none. Addresses are checked as IP
addresses before they go into a script (nothing else from outside reaches nft).
"""

from __future__ import annotations

import ipaddress
import subprocess
from typing import Callable

TABLE = "callbox_security"


def run_nft(script: str) -> None:
    subprocess.run(["nft", "-f", "-"], input=script, text=True, check=True, capture_output=True, timeout=10)


def _set_of(address: str) -> tuple[str, str]:
    ip = ipaddress.ip_address(address)
    return ("ban4" if ip.version == 4 else "ban6"), str(ip)


def _element(address: str, seconds: float | None) -> tuple[str, str]:
    name, ip = _set_of(address)
    return name, ip if seconds is None else f"{ip} timeout {max(1, int(seconds + 0.999))}s"


class Firewall:
    """What the box's kernel drops. `run` takes an nft script (the tests pass a recorder)."""

    def __init__(self, run: Callable[[str], None] = run_nft):
        self.run = run

    def setup(self, bans: list[tuple[str, float | None]]) -> None:
        """Make our table afresh with `bans` (address, seconds left or None) in it."""
        lines = [
            f"table inet {TABLE}",  # so that the delete below never fails on a fresh box
            f"delete table inet {TABLE}",
            f"table inet {TABLE} {{",
            "  set ban4 { type ipv4_addr; flags timeout; }",
            "  set ban6 { type ipv6_addr; flags timeout; }",
            "  chain prerouting {",
            "    type filter hook prerouting priority raw; policy accept;",
            "    ip saddr @ban4 drop",
            "    ip6 saddr @ban6 drop",
            "  }",
            "}",
        ]
        for address, seconds in bans:
            name, element = _element(address, seconds)
            lines.append(f"add element inet {TABLE} {name} {{ {element} }}")
        self.run("\n".join(lines) + "\n")

    def ban(self, address: str, seconds: float | None) -> None:
        name, element = _element(address, seconds)
        ip = _set_of(address)[1]
        # add (a no-op when present), delete, add: replaces an element's timeout in one batch.
        self.run(f"add element inet {TABLE} {name} {{ {ip} }}\n"
                 f"delete element inet {TABLE} {name} {{ {ip} }}\n"
                 f"add element inet {TABLE} {name} {{ {element} }}\n")

    def unban(self, address: str) -> None:
        name, ip = _set_of(address)
        self.run(f"add element inet {TABLE} {name} {{ {ip} }}\n"
                 f"delete element inet {TABLE} {name} {{ {ip} }}\n")
