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
