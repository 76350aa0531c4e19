"""Which of the box's addresses a phone reaches it at (the box may have several)."""

from __future__ import annotations

import ipaddress
import socket


def unspecified(host: str) -> bool:
    return ipaddress.ip_address(host).is_unspecified


def local_address(toward: str) -> str:
    """The box's address on the route to `toward`: connecting a UDP socket sends nothing,
    it only makes the kernel choose the source address."""
    ip = ipaddress.ip_address(toward)
    family = socket.AF_INET6 if ip.version == 6 else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as s:
        s.connect((str(ip), 9))
        return s.getsockname()[0]


def reached_at(bound: str, peer: str | None) -> str:
    """The address to give a phone at `peer` for a service bound to `bound`."""
    if not unspecified(bound):
        return bound
    try:
        return local_address(peer) if peer else bound
    except (OSError, ValueError):
        return bound


def url_host(ip: str) -> str:
    return f"[{ip}]" if ":" in ip else ip
