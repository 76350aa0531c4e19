"""conntrack adapter: forget a banned address's flows.

A UDP "connection" to 5060 lives in conntrack for as long as the attacker keeps sending;
rules that let established flows through would never see the ban (fail2ban issue 2503).
Our drop comes before conntrack, but deleting the flows also stops replies already queued
for them and keeps the table honest."""

from __future__ import annotations

import ipaddress
import subprocess
from typing import Callable


def run_conntrack(args: list[str]) -> None:
    # Exit status 1 means "0 flow entries deleted": not a failure here.
    r = subprocess.run(["conntrack", *args], capture_output=True, text=True, timeout=10)
    if r.returncode not in (0, 1):
        raise RuntimeError(f"conntrack {' '.join(args)}: {r.stderr.strip()}")


class Flows:
    def __init__(self, run: Callable[[list[str]], None] = run_conntrack):
        self.run = run

    def drop(self, address: str) -> None:
        ip = ipaddress.ip_address(address)
        family = "ipv4" if ip.version == 4 else "ipv6"
        self.run(["-D", "-f", family, "-s", str(ip)])
