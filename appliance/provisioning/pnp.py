"""SIP PnP: phones that boot without a provisioning address (Yealink, Snom, Fanvil) send a
SUBSCRIBE to the multicast group 224.0.1.75, port 5060, `Event: ua-profile`, their MAC in
the From user (`MAC%3a001565aabbcc`). The box answers 200 and then a NOTIFY whose body
(`application/url`) is where to fetch: the phone's own token address when it is claimed
(its digest credentials are still needed: PnP never hands out a secret), else the common
address, where the phone's request records it as asking. A PnP SUBSCRIBE from an
unclaimed phone is recorded as asking as well.

Port 5060 belongs to Asterisk. Its PJSIP UDP transport binds the box's SIP address
(BOX_SIP, e.g. 198.18.1.2:5060), so this listener binds the group address itself,
224.0.1.75:5060, with SO_REUSEADDR, and joins the group on the SIP address's interface
(on every IPv4 interface where Asterisk binds 0.0.0.0 on another port). The kernel hands
a datagram to the sockets whose bound address matches its destination: multicast
SUBSCRIBEs reach this socket only, everything unicast reaches Asterisk as before, and
neither process sees the other's traffic. Asterisk binds without SO_REUSEADDR, so where it
binds the wildcard on port 5060 the two sockets exclude each other, and whichever binds
first wins: the manager then leaves PnP off rather than risk Asterisk's port, and health
says why (phones still find the box through DHCP option 66). Answers leave from this
socket, so they come from port 5060 with the box's own address as the kernel picks it.

Parsing and message building are pure functions here; `Listener` is the thin socket part.
"""

from __future__ import annotations

import logging
import re
import secrets
import socket
import struct
import threading
from dataclasses import dataclass
from urllib.parse import unquote

from .macs import normal_mac

log = logging.getLogger(__name__)

GROUP, PORT = "224.0.1.75", 5060
MAX_DATAGRAM = 8192
_URL = re.compile(r"https?://[A-Za-z0-9.\-\[\]:]+/provision/(?:[A-Za-z0-9_-]+/)?")


@dataclass(frozen=True)
class Subscribe:
    mac: str
    headers: dict  # lower-case name -> list of values, as sent
    user_agent: str
    contact: tuple[str, int]  # where the NOTIFY goes


def _headers(lines: list[str]) -> dict:
    compact = {"v": "via", "f": "from", "t": "to", "i": "call-id", "m": "contact", "o": "event", "l": "content-length"}
    out: dict = {}
    for line in lines:
        name, sep, value = line.partition(":")
        if not sep:
            continue
        name = name.strip().lower()
        out.setdefault(compact.get(name, name), []).append(value.strip())
    return out


def parse(data: bytes, source: tuple[str, int]) -> Subscribe | None:
    """A PnP SUBSCRIBE from `source`, or None for anything else (ignored, never answered)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    head = text.split("\r\n\r\n", 1)[0].split("\r\n")
    if not head or not head[0].startswith("SUBSCRIBE ") or not head[0].endswith(" SIP/2.0"):
        return None
    headers = _headers(head[1:])
    if any(k not in headers for k in ("via", "from", "to", "call-id", "cseq", "event")):
        return None
    if headers["event"][0].split(";")[0].strip().lower() != "ua-profile":
        return None
    user = re.search(r"sips?:([^@;>]+)@", headers["from"][0])
    mac = normal_mac(re.sub(r"^mac:", "", unquote(user.group(1)).lower())) if user else None
    if mac is None:
        return None
    contact = _contact(headers.get("contact", [""])[0], source)
    return Subscribe(mac, headers, headers.get("user-agent", [""])[0], contact)


def _contact(value: str, source: tuple[str, int]) -> tuple[str, int]:
    """Where the phone wants the NOTIFY: its Contact's host and port when that is an IPv4
    address (a multicast SUBSCRIBE comes from the LAN), else where the SUBSCRIBE came from."""
    found = re.search(r"sips?:(?:[^@;>]*@)?([0-9.]+)(?::([0-9]{1,5}))?", value)
    if found:
        try:
            socket.inet_aton(found.group(1))
            return found.group(1), int(found.group(2) or 5060)
        except OSError:
            pass
    return source


def _tag(value: str) -> str:
    return value if ";tag=" in value else f"{value};tag={secrets.token_hex(4)}"


def ok(sub: Subscribe, local: str) -> tuple[bytes, str]:
    """The 200 to the SUBSCRIBE, and the To (with our tag) the NOTIFY must carry as its From."""
    h = sub.headers
    to = _tag(h["to"][0])
    lines = ["SIP/2.0 200 OK", *[f"Via: {v}" for v in h["via"]], f"From: {h['from'][0]}", f"To: {to}",
             f"Call-ID: {h['call-id'][0]}", f"CSeq: {h['cseq'][0]}", f"Contact: <sip:{local}:{PORT}>",
             "Expires: 0", "Content-Length: 0"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode(), to


def notify(sub: Subscribe, local: str, from_: str, url: str) -> bytes:
    """The NOTIFY carrying the provisioning address, in the SUBSCRIBE's dialog."""
    if not _URL.fullmatch(url):
        raise ValueError(f"not a provisioning address: {url!r}")
    h = sub.headers
    host, port = sub.contact
    body = url.encode()
    lines = [f"NOTIFY sip:{host}:{port} SIP/2.0",
             f"Via: SIP/2.0/UDP {local}:{PORT};branch=z9hG4bK{secrets.token_hex(8)};rport",
             "Max-Forwards: 70", f"From: {from_}", f"To: {h['from'][0]}", f"Call-ID: {h['call-id'][0]}",
             "CSeq: 1 NOTIFY", f"Contact: <sip:{local}:{PORT}>", f"Event: {h['event'][0]}",
             "Subscription-State: terminated;reason=timeout", "Content-Type: application/url",
             f"Content-Length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


class Listener:
    """The multicast socket and its thread. `answer(sub, source)` gives the URL to send (or
    None to stay silent); it runs on this thread."""

    def __init__(self, interfaces: list[str], answer, local_address):
        self.interfaces = interfaces
        self.answer = answer
        self.local_address = local_address
        self.sock: socket.socket | None = None
        self._stop = threading.Event()
        self.answered = 0

    def open(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((GROUP, PORT))
            joined = 0
            for address in self.interfaces:
                mreq = struct.pack("4s4s", socket.inet_aton(GROUP), socket.inet_aton(address))
                try:
                    sock.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreq)
                    joined += 1
                except OSError as exc:
                    log.warning("cannot join the SIP PnP group on %s: %s", address, exc)
            if not joined:
                raise OSError(f"joined the SIP PnP group on no interface (of {', '.join(self.interfaces) or 'none'})")
            sock.settimeout(1.0)
        except Exception:
            sock.close()
            raise
        self.sock = sock

    def run(self) -> None:
        while not self._stop.is_set():
            try:
                data, source = self.sock.recvfrom(MAX_DATAGRAM)
            except (TimeoutError, socket.timeout):
                continue
            except OSError:
                if self._stop.is_set():
                    return
                raise
            try:
                self._handle(data, source)
            except Exception:  # noqa: BLE001 - one odd datagram must not end PnP
                log.exception("SIP PnP answer failed")

    def _handle(self, data: bytes, source) -> None:
        sub = parse(data, source)
        if sub is None:
            return
        url = self.answer(sub, source[0])
        if url is None:
            return
        local = self.local_address(source[0])
        response, to = ok(sub, local)
        self.sock.sendto(response, source)
        self.sock.sendto(notify(sub, local, to, url), sub.contact)
        self.answered += 1

    def stop(self) -> None:
        self._stop.set()
        if self.sock is not None:
            self.sock.close()
