"""A small SIP attacker over UDP, as scanners and password crackers behave: an OPTIONS sweep,
REGISTER over a range of extensions, and password guesses at a fixed rate that reuse one
challenge's nonce. Also a plain registrar client (many accounts from one address, as phones
behind one NAT). Written here because SIPp cannot compute a fresh digest per guess from a
password list, and a cracker is exactly that."""

from __future__ import annotations

import hashlib
import re
import secrets
import socket
import subprocess
import time
from contextlib import contextmanager


@contextmanager
def extra_address(box, last: int):
    """Another address of the test host on the box's link (an attacker's, an office's NAT)."""
    host_if = box.state()["host_if"]
    ip = f"{box.host_ip.rsplit('.', 1)[0]}.{last}"
    subprocess.run(["ip", "addr", "add", f"{ip}/24", "dev", host_if], check=True)
    try:
        yield ip
    finally:
        subprocess.run(["ip", "addr", "del", f"{ip}/24", "dev", host_if], check=False)


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


class SipClient:
    def __init__(self, bind_ip: str, server: str):
        self.bind_ip = bind_ip
        host, _, port = server.partition(":")
        self.server = (host, int(port or 5060))
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((bind_ip, 0))
        self.port = self.sock.getsockname()[1]
        self.cseq = 0

    def close(self) -> None:
        self.sock.close()

    def _request(self, method: str, user: str, extra: str = "", call_id: str | None = None) -> tuple[str, str]:
        self.cseq += 1
        call_id = call_id or secrets.token_hex(8)
        host = self.server[0]
        uri = f"sip:{host}"
        msg = (f"{method} {uri} SIP/2.0\r\n"
               f"Via: SIP/2.0/UDP {self.bind_ip}:{self.port};branch=z9hG4bK{secrets.token_hex(6)};rport\r\n"
               f"Max-Forwards: 70\r\n"
               f"From: <sip:{user}@{host}>;tag={secrets.token_hex(4)}\r\n"
               f"To: <sip:{user}@{host}>\r\n"
               f"Call-ID: {call_id}\r\n"
               f"CSeq: {self.cseq} {method}\r\n"
               f"Contact: <sip:{user}@{self.bind_ip}:{self.port}>\r\n"
               f"User-Agent: friendly-scanner\r\n"
               f"{extra}"
               f"Expires: 60\r\n"
               f"Content-Length: 0\r\n\r\n")
        return msg, uri

    def send(self, method: str, user: str, extra: str = "", call_id: str | None = None) -> str:
        msg, _ = self._request(method, user, extra, call_id)
        self.sock.sendto(msg.encode(), self.server)
        return msg

    def send_raw(self, data: bytes) -> None:
        self.sock.sendto(data, self.server)

    def receive(self, timeout: float) -> str | None:
        self.sock.settimeout(timeout)
        try:
            data, _ = self.sock.recvfrom(65535)
        except (socket.timeout, TimeoutError):
            return None
        return data.decode(errors="replace")

    def answer(self, request: str) -> None:
        """200 OK to a request from the box (its qualify OPTIONS, a NOTIFY), as a live phone answers."""
        head = request.split("\r\n\r\n", 1)[0].split("\r\n")
        keep = [line for line in head[1:] if line.split(":", 1)[0].strip().lower()
                in ("via", "from", "to", "call-id", "cseq")]
        self.send_raw(("SIP/2.0 200 OK\r\n" + "".join(f"{line}\r\n" for line in keep)
                       + "Content-Length: 0\r\n\r\n").encode())

    def drain(self) -> list[str]:
        out = []
        while (r := self.receive(0.0001 if out else 0.001)) is not None:
            out.append(r)
        return out

    def challenge(self, user: str, timeout: float = 2.0, call_id: str | None = None) -> dict | None:
        """Send REGISTER without credentials; the 401's digest parameters."""
        self.send("REGISTER", user, call_id=call_id)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            r = self.receive(deadline - time.monotonic())
            if r is None:
                return None
            if r.startswith("SIP/2.0 401"):
                header = re.search(r"^WWW-Authenticate:\s*Digest\s+(.*)$", r, re.M | re.I).group(1)
                return dict(re.findall(r'(\w+)="?([^",]*)"?', header))
        return None

    def authorization(self, user: str, password: str, ch: dict, nc: int = 1, method: str = "REGISTER",
                      uri: str | None = None) -> str:
        uri = uri or f"sip:{self.server[0]}"
        ha1 = _md5(f"{user}:{ch['realm']}:{password}")
        ha2 = _md5(f"{method}:{uri}")
        cnonce = secrets.token_hex(4)
        if "qop" in ch:
            nc_text = f"{nc:08x}"
            response = _md5(f"{ha1}:{ch['nonce']}:{nc_text}:{cnonce}:auth:{ha2}")
            qop = f', qop=auth, nc={nc_text}, cnonce="{cnonce}"'
        else:
            response = _md5(f"{ha1}:{ch['nonce']}:{ha2}")
            qop = ""
        opaque = f', opaque="{ch["opaque"]}"' if "opaque" in ch else ""
        return (f'Authorization: Digest username="{user}", realm="{ch["realm"]}", nonce="{ch["nonce"]}", '
                f'uri="{uri}", response="{response}", algorithm=MD5{qop}{opaque}\r\n')

    def register(self, user: str, password: str, timeout: float = 2.0) -> int | None:
        """A full registration (challenge, then credentials): the final status code, or None."""
        call_id = secrets.token_hex(8)  # the answer to a challenge goes in the challenged dialog
        ch = self.challenge(user, timeout, call_id)
        if ch is None:
            return None
        self.send("REGISTER", user, self.authorization(user, password, ch), call_id=call_id)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            r = self.receive(deadline - time.monotonic())
            if r is None:
                return None
            if r.startswith("OPTIONS "):
                self.answer(r)  # the registrar asking our contact: alive
                continue
            if not r.startswith("SIP/2.0 "):
                continue
            code = int(r.split(" ", 2)[1])
            if code >= 200:
                return code
        return None


def paced(count: int, rate: float, send) -> float:
    """Call send(i) `count` times at `rate` a second; the seconds it took."""
    start = time.monotonic()
    for i in range(count):
        delay = start + i / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        send(i)
    return time.monotonic() - start
