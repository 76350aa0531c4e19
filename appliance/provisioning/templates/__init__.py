"""Vendor templates for desk phones: pure functions, one phone's settings -> {file name: text}.

Each vendor module has `files(phone) -> dict` and `FILE` (the name pattern its phones ask
for, `{mac}` in it). Every value is checked here before any template sees it (`checked`):
a template only ever places values that match strict patterns, and the XML templates
escape them on top, so no text from a user can change a file's meaning.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import re
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from ...fields import Secret
from ...pbx.conf import UnsafeValue, check_value

TRANSPORTS = ("udp", "tcp")
LANGUAGES = ("en", "zh-CN")
MAX_KEYS = 32

_MAC = re.compile(r"[0-9a-f]{12}")
_NUMBER = re.compile(r"[0-9]{2,8}")
_ZONE = re.compile(r"[A-Za-z0-9_+\-]+(?:/[A-Za-z0-9_+\-]+){0,2}")
POSIX_TZ = re.compile(r"[A-Za-z0-9<>+\-,.:/]{3,64}")
URL = re.compile(r"https?://[A-Za-z0-9.\-]+(?::[0-9]{1,5})?(?:/[A-Za-z0-9._~%+\-/]*)?")


@dataclass(frozen=True)
class Key:
    """A BLF key: the number it watches (a colleague's extension, a park slot) and its label."""

    number: str
    label: str


@dataclass(frozen=True)
class Phone:
    mac: str
    number: str  # the extension: SIP user and auth name
    name: str  # display name, any script
    secret: str
    server: str  # the box's SIP address as the phone reaches it
    port: int
    transport: str
    timezone: str  # IANA name, for vendors that take one
    utc_offset: int  # seconds east of UTC (standard time)
    posix_tz: str  # e.g. CST-8 or CET-1CEST,M3.5.0,M10.5.0/3
    language: str  # en | zh-CN
    keys: tuple = ()
    firmware_url: str | None = None


def _match(pattern, value, where: str) -> None:
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise UnsafeValue(f"{where}: {value!r} is not allowed here")


def checked(phone: Phone) -> Phone:
    """The phone unchanged when every value is safe to place in any vendor's file; else UnsafeValue."""
    _match(_MAC, phone.mac, "mac")
    _match(_NUMBER, phone.number, "number")
    check_value(phone.name, "name")
    if not Secret.PATTERN.fullmatch(phone.secret or ""):
        raise UnsafeValue("secret: not a SIP secret the box makes")
    try:
        ipaddress.ip_address(phone.server)
    except ValueError:
        raise UnsafeValue(f"server: {phone.server!r} is not an IP address") from None
    if not isinstance(phone.port, int) or not 0 < phone.port < 65536:
        raise UnsafeValue(f"port: {phone.port!r}")
    if phone.transport not in TRANSPORTS:
        raise UnsafeValue(f"transport: {phone.transport!r}")
    _match(_ZONE, phone.timezone, "timezone")
    _match(POSIX_TZ, phone.posix_tz, "posix_tz")
    if not isinstance(phone.utc_offset, int) or abs(phone.utc_offset) > 14 * 3600:
        raise UnsafeValue(f"utc_offset: {phone.utc_offset!r}")
    if phone.language not in LANGUAGES:
        raise UnsafeValue(f"language: {phone.language!r}")
    if len(phone.keys) > MAX_KEYS:
        raise UnsafeValue(f"keys: more than {MAX_KEYS}")
    for key in phone.keys:
        _match(_NUMBER, key.number, "key number")
        check_value(key.label, "key label")
    if phone.firmware_url is not None:
        _match(URL, phone.firmware_url, "firmware_url")
    return phone


def text(value) -> str:
    """XML element text."""
    return escape(str(value))


def attr(value) -> str:
    """An XML attribute value with its quotes."""
    return quoteattr(str(value))


def offset_hours(seconds: int) -> str:
    """+8, -5, +5.5, 0: the UTC offset as phones that count in hours take it."""
    hours = seconds / 3600
    shown = f"{hours:+.2f}".rstrip("0").rstrip(".")
    return "0" if seconds == 0 else shown


def with_keys(phone: Phone, keys) -> Phone:
    return dataclasses.replace(phone, keys=tuple(keys))


def _modules() -> dict:
    from . import fanvil, grandstream, polycom, snom, yealink

    return {"yealink": yealink, "grandstream": grandstream, "fanvil": fanvil, "snom": snom, "polycom": polycom}


TEMPLATES = ("yealink", "grandstream", "fanvil", "snom", "polycom")


def render(template: str, phone: Phone) -> dict[str, str]:
    """The files a phone of `template`'s vendor fetches, by name."""
    return _modules()[template].files(checked(phone))


def file_names(template: str, mac: str) -> tuple[str, ...]:
    return tuple(name.format(mac=mac) for name in _modules()[template].FILES)
