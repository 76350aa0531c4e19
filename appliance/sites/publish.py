"""One SIP PUBLISH of a mailbox's message counts (or a device's state) to a site's Asterisk, as its trunk.

The body is what res_pjsip_publish_asterisk's own `asterisk-mwi` publication sends (a JSON
`mailboxstate`); the other site takes it on the inbound publication it has for this box (the
trunk's endpoint, identified by this box's tunnel address, challenged for the site's secret), the
way it takes the states this box's Asterisk publishes. Headquarters' supervisor sends these for
the mailbox states its Asterisk cannot pass on (appliance/sites/mailboxes.py), and, to its own
Asterisk as a branch being revoked, the unknown state that outweighs what that branch published
there (appliance/sites/forget.py; `asterisk-devicestate`, a `devicestate` body).

Our own code rather than a SIP library: the box carries none for Python (pjsua2 is a test
dependency, and a whole user agent for one request and its digest answer would be the larger
risk), and Asterisk offers no action that publishes another box's state.

Each PUBLISH is an initial one (no SIP-If-Match): the other end keeps the counts it was given after
the publication expires, and nothing here needs to refresh it. `request` and `authorization` are
pure; `publish` is the socket part.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import socket
import time

EVENT = "asterisk-mwi"
DEVICE_EVENT = "asterisk-devicestate"
EXPIRES = 60  # seconds: the publication only carries counts the other end keeps after it
TIMEOUT = 2.0  # seconds for each answer (through the tunnel: milliseconds when it is up)
MAX_DATAGRAM = 8192


class PublishFailed(Exception):
    pass


def body(uniqueid: str, new: int, old: int, eid: str) -> str:
    """The state as res_pjsip_publish_asterisk writes it (its receiver reads these keys)."""
    return json.dumps({"type": "mailboxstate", "uniqueid": uniqueid, "old": old, "new": new, "eid": eid})


def device_body(device: str, state: str, eid: str) -> str:
    """A device's state as res_pjsip_publish_asterisk writes it, from the box of entity id `eid`."""
    return json.dumps({"type": "devicestate", "device": device, "state": state, "cachable": 1, "eid": eid})


def request(uri: str, own: str, local: tuple[str, int], call_id: str, cseq: int, text: str,
            authorization: str = "", event: str = EVENT) -> bytes:
    """A PUBLISH of `text` to `uri` from this box's name at the other site (`own`: site1)."""
    host = uri.rpartition("@")[2]
    data = text.encode()
    return (f"PUBLISH {uri} SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP {local[0]}:{local[1]};branch=z9hG4bK{secrets.token_hex(8)};rport\r\n"
            f"Max-Forwards: 70\r\n"
            f"From: <sip:{own}@{local[0]}>;tag={call_id[:8]}\r\n"
            f"To: <sip:{own}@{host}>\r\n"
            f"Call-ID: {call_id}\r\n"
            f"CSeq: {cseq} PUBLISH\r\n"
            f"Event: {event}\r\n"
            f"Expires: {EXPIRES}\r\n"
            f"{authorization}"
            f"Content-Type: application/json\r\n"
            f"Content-Length: {len(data)}\r\n\r\n").encode() + data


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()  # noqa: S324 - SIP digest is MD5 by definition


def authorization(challenge: str, username: str, password: str, uri: str, header: str = "Authorization") -> str:
    """The answer to a `WWW-Authenticate: Digest ...` challenge's value (RFC 2617, qop auth or none)."""
    params = dict(re.findall(r'(\w+)="?([^",]*)"?', challenge))
    realm, nonce = params.get("realm", ""), params.get("nonce", "")
    ha1, ha2 = _md5(f"{username}:{realm}:{password}"), _md5(f"PUBLISH:{uri}")
    fields = [f'username="{username}"', f'realm="{realm}"', f'nonce="{nonce}"', f'uri="{uri}"', "algorithm=MD5"]
    if "auth" in params.get("qop", "").split(","):
        cnonce, nc = secrets.token_hex(8), "00000001"
        fields += [f'response="{_md5(f"{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}")}"', "qop=auth",
                   f"nc={nc}", f'cnonce="{cnonce}"']
    else:
        fields.append(f'response="{_md5(f"{ha1}:{nonce}:{ha2}")}"')
    if "opaque" in params:
        fields.append(f'opaque="{params["opaque"]}"')
    return f"{header}: Digest {', '.join(fields)}\r\n"


def _status(answer: str, call_id: str) -> int | None:
    lines = answer.split("\r\n")
    if not lines[0].startswith("SIP/2.0 ") or not re.search(rf"^(Call-ID|i):\s*{re.escape(call_id)}\s*$",
                                                             answer, re.M | re.I):
        return None
    return int(lines[0].split(" ", 2)[1])


def publish(address: str, port: int, own: str, username: str, password: str, text: str,
            event: str = EVENT) -> None:
    """PUBLISH `text` to the site at `address`; returns once it is taken (2xx), else PublishFailed."""
    uri = f"sip:{own}@{address}:{port}"
    call_id = secrets.token_hex(12)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.connect((address, port))  # the kernel picks this box's address towards the site (its tunnel's)
        local = s.getsockname()
        auth = ""
        for cseq in (1, 2):
            s.send(request(uri, own, local, call_id, cseq, text, auth, event))
            code, answer = _final(s, call_id)
            if 200 <= code < 300:
                return
            if code not in (401, 407) or auth:
                raise PublishFailed(f"{address} answered {code}")
            name = "WWW-Authenticate" if code == 401 else "Proxy-Authenticate"
            found = re.search(rf"^{name}:\s*Digest\s+(.*)$", answer, re.M | re.I)
            if found is None:
                raise PublishFailed(f"{address} asked for credentials it did not describe")
            auth = authorization(found.group(1), username, password, uri,
                                 "Authorization" if code == 401 else "Proxy-Authorization")


def _final(s: socket.socket, call_id: str) -> tuple[int, str]:
    deadline = time.monotonic() + TIMEOUT
    while (left := deadline - time.monotonic()) > 0:
        s.settimeout(left)
        try:
            data = s.recv(MAX_DATAGRAM)
        except TimeoutError:
            break
        except OSError as exc:  # ICMP unreachable: nothing listens there
            raise PublishFailed(str(exc)) from exc
        answer = data.decode("utf-8", "replace")
        code = _status(answer, call_id)
        if code is not None and code >= 200:
            return code, answer
    raise PublishFailed("no answer")
