"""A desk phone fetching its provisioning file as phones do: a GET with the vendor's user
agent, answering a digest challenge with the credentials it was given (urllib's own digest
client, not ours)."""

from __future__ import annotations

import urllib.error
import urllib.request

YEALINK_UA = "Yealink SIP-T46U 108.86.0.45 00:15:65:aa:bb:cc"


def fetch(url: str, user: str | None = None, password: str | None = None, ua: str = YEALINK_UA,
          timeout: float = 10) -> tuple[int, str]:
    handlers: list = [urllib.request.ProxyHandler({})]
    if user is not None:
        passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        passwords.add_password(None, url, user, password)
        handlers.append(urllib.request.HTTPDigestAuthHandler(passwords))
    opener = urllib.request.build_opener(*handlers)
    req = urllib.request.Request(url, headers={"User-Agent": ua})
    try:
        with opener.open(req, timeout=timeout) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(errors="replace")


def pnp_subscribe_message(mac: str, ip: str, port: int, call_id: str) -> bytes:
    """A SIP PnP SUBSCRIBE as a Yealink sends it on boot."""
    colon = ":".join(mac[i:i + 2] for i in range(0, 12, 2))
    uri = f"sip:MAC%3a{mac}@224.0.1.75"
    return (f"SUBSCRIBE {uri} SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP {ip}:{port};branch=z9hG4bK{call_id[:10]};rport\r\n"
            f"From: <{uri}>;tag={call_id[-8:]}\r\n"
            f"To: <{uri}>\r\n"
            f"Call-ID: {call_id}@{ip}\r\n"
            f"CSeq: 1 SUBSCRIBE\r\n"
            f"Contact: <sip:{ip}:{port}>\r\n"
            f'Event: ua-profile;profile-type="device";vendor="Yealink";model="T46U";version="108.86.0.45"\r\n'
            f"Accept: application/url\r\n"
            f"User-Agent: Yealink SIP-T46U 108.86.0.45 {colon}\r\n"
            f"Expires: 0\r\n"
            f"Content-Length: 0\r\n\r\n").encode()


def pnp_subscribe(ip: str, mac: str, timeout: float = 5.0) -> list[str]:
    """Send a PnP SUBSCRIBE to 224.0.1.75:5060 out of the interface that has `ip`; what came
    back (the 200, the NOTIFY) until the NOTIFY or the timeout. The NOTIFY is answered 200."""
    import secrets
    import socket
    import time

    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        sock.bind((ip, 0))
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(ip))
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)
        sock.sendto(pnp_subscribe_message(mac, ip, sock.getsockname()[1], secrets.token_hex(8)),
                    ("224.0.1.75", 5060))
        got: list[str] = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            sock.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                data, source = sock.recvfrom(8192)
            except (TimeoutError, socket.timeout):
                break
            text = data.decode()
            got.append(text)
            if text.startswith("NOTIFY "):
                head = dict(line.split(": ", 1) for line in text.split("\r\n\r\n")[0].split("\r\n")[1:])
                sock.sendto((f"SIP/2.0 200 OK\r\nVia: {head['Via']}\r\nFrom: {head['From']}\r\nTo: {head['To']}\r\n"
                             f"Call-ID: {head['Call-ID']}\r\nCSeq: {head['CSeq']}\r\nContent-Length: 0\r\n\r\n")
                            .encode(), source)
                break
        return got
    finally:
        sock.close()
