"""MAC addresses as users write them and as phones name their files.

A MAC is kept as 12 lower-case hex digits; users may write it with ':' or '-' or in
upper case. Phones ask for files whose names carry their MAC (Yealink and Fanvil
`001565aabbcc.cfg`, Grandstream `cfg000b82aabbcc.xml`, Snom `000413aabbcc.xml`,
Polycom `0004f2aabbcc-phone.cfg`); `mac_in_file` finds it there.
"""

from __future__ import annotations

import re

_SEPARATED = re.compile(r"[0-9a-f]{2}([:-]?)[0-9a-f]{2}(?:\1[0-9a-f]{2}){4}")
_FILE = re.compile(r"(?:cfg)?([0-9a-f]{12})(?:-phone)?(?:\.cfg|\.xml)?")
#: Files every phone of a kind asks for; they name no one phone.
COMMON = re.compile(r"0{12}(?:\.cfg)?")


def normal_mac(text) -> str | None:
    """12 lower-case hex digits, or None when `text` is not a MAC address a phone can have."""
    if not isinstance(text, str):
        return None
    text = text.strip().lower()
    if not _SEPARATED.fullmatch(text):
        return None
    mac = re.sub(r"[:-]", "", text)
    first = int(mac[:2], 16)
    # Multicast (group bit) and all-zero addresses belong to no device.
    if first & 1 or mac == "0" * 12:
        return None
    return mac


def mac_in_file(name: str) -> str | None:
    """The MAC a requested file name carries, or None (a common file, or not a phone's)."""
    found = _FILE.fullmatch(name.lower())
    return normal_mac(found.group(1)) if found else None


def colon_form(mac: str) -> str:
    return ":".join(mac[i:i + 2] for i in range(0, 12, 2))
