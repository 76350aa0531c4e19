"""What the box answers a phone that asks for a provisioning file, decided apart from HTTP.

GET /provision/<file>: the address DHCP option 66 gives every phone. Nothing is served
there; a file name that carries a MAC is recorded as an unclaimed phone asking, so that
an administrator can claim it. Not a failure: every new phone does it.

GET /provision/<token>/<file>: a claimed phone's own address. An unknown token is a 404
and a failure for the ban engine; the right token still needs the phone's digest
credentials (user: its MAC): none or a stale nonce gets a challenge, wrong ones a 401 and
a failure. With both, the phone's files are served; other names are 404.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from . import service, templates
from .digest import MISSING, OK, STALE, Digest
from .macs import mac_in_file

_FILE = re.compile(r"[A-Za-z0-9._-]{1,64}")
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")


@dataclass
class Answer:
    status: int
    body: str = ""
    content_type: str = "text/plain; charset=utf-8"
    headers: dict = field(default_factory=dict)
    #: Why this counts against the asking address in the ban engine (None: it does not).
    failure: str | None = None
    #: The claimed phone that got its file (for "last fetched").
    served: str | None = None


def _type(name: str) -> str:
    return "application/xml; charset=utf-8" if name.endswith(".xml") or "-phone" in name or name.startswith(
        "000000000000") else "text/plain; charset=utf-8"


def unclaimed(file: str, user_agent: str, address: str) -> Answer:
    if not _FILE.fullmatch(file):
        return Answer(404)
    mac = mac_in_file(file)
    if mac is not None:
        service.record_request(mac, user_agent, address, file)
    return Answer(404)


def claimed(digest: Digest, token: str, file: str, authorization: str | None, path: str,
            server: str, port: int) -> Answer:
    phone = service.by_token(token) if _TOKEN.fullmatch(token) else None
    if phone is None:
        return Answer(404, failure="provisioning: unknown token")
    state = digest.check(authorization, "GET", path, phone.mac, phone.password)
    if state != OK:
        answer = Answer(401, headers={"WWW-Authenticate": digest.challenge(stale=state == STALE)})
        if state not in (MISSING, STALE):
            answer.failure = "provisioning: wrong credentials"
        return answer
    if file not in templates.file_names(phone.template, phone.mac):
        return Answer(404)
    body = service.files(phone, server, port)[file]
    return Answer(200, body, _type(file), served=phone.mac)
