"""Claimed desk phones as journaled changes, and the phones that asked unclaimed.

A claim ties a MAC to an extension and a vendor template and makes the phone's two
secrets: a random token that is part of its URL and a digest password (user: the MAC).
A MAC alone never gets a file (known attacks read MAC-keyed files for SIP passwords).
Claims change the files phones fetch, not what Asterisk loads, but they go through the
applier all the same: its after-apply hook is where changed files are pushed to phones
(check-sync), one place for extension and phone changes alike.
"""

from __future__ import annotations

import datetime as dt
import secrets
from pathlib import Path

from .. import box_settings
from ..db import change, write_lock
from ..db.journal import utcnow
from ..db.models import DeskPhone, Extension, PhoneRequest
from ..errors import Conflict, Invalid, NotFound
from ..fields import validate
from . import templates
from .schema import DEFAULTS, PhoneSchema
from .templates import MAX_KEYS, Key, Phone

FIELDS = ("template", "transport", "park_keys", "firmware_url")
MAX_ASKING = 500  # unclaimed phones remembered; the oldest go first
ZONEINFO = Path("/usr/share/zoneinfo")


def _token() -> str:
    return secrets.token_urlsafe(24)


def _password() -> str:
    return secrets.token_urlsafe(18)


def get(mac: str) -> DeskPhone:
    from .macs import normal_mac

    found = DeskPhone.get_or_none(DeskPhone.mac == (normal_mac(mac) or ""))
    if found is None:
        raise NotFound(f"no claimed phone {mac}")
    return found


def by_token(token: str) -> DeskPhone | None:
    return DeskPhone.get_or_none(DeskPhone.token == token) if token else None


def listing() -> list[DeskPhone]:
    return list(DeskPhone.select(DeskPhone, Extension).join(Extension).order_by(Extension.number, DeskPhone.mac))


def blf_numbers(phone: DeskPhone) -> list[str]:
    return [n for n in phone.blf.split(",") if n]


def to_dict(phone: DeskPhone, base_url: str | None = None) -> dict:
    doc = {"mac": phone.mac, "extension": phone.extension.number, "template": phone.template,
           "transport": phone.transport, "blf": blf_numbers(phone), "park_keys": phone.park_keys,
           "firmware_url": phone.firmware_url, "files": list(templates.file_names(phone.template, phone.mac)),
           "username": phone.mac, "password": phone.password,
           "created_at": phone.created_at.isoformat() + "Z", "updated_at": phone.updated_at.isoformat() + "Z"}
    if base_url is not None:
        doc["url"] = f"{base_url}{phone.token}/"
    return doc


def _extension(number: str, field: str = "extension") -> Extension:
    ext = Extension.get_or_none(Extension.number == number)
    if ext is None:
        raise Invalid(f"{field}: no extension {number}", field)
    return ext


def _check_blf(numbers: list[str], own: str) -> str:
    if len(set(numbers)) != len(numbers):
        raise Invalid("blf: a colleague is listed twice", "blf")
    for number in numbers:
        if number == own:
            raise Invalid("blf: the phone's own extension needs no BLF key", "blf")
        _extension(number, "blf")
    return ",".join(numbers)


def create(data, actor: str) -> tuple[DeskPhone, int]:
    values = {**DEFAULTS, **validate(PhoneSchema(), data)}
    with change(actor, "phone.claim", values["mac"]) as cs:
        if DeskPhone.get_or_none(DeskPhone.mac == values["mac"]) is not None:
            raise Conflict(f"mac: phone {values['mac']} is claimed already; unclaim it first", "mac")
        ext = _extension(values["extension"])
        now = utcnow()
        phone = cs.create(DeskPhone, mac=values["mac"], extension=ext, blf=_check_blf(values["blf"], ext.number),
                          token=_token(), password=_password(), created_at=now, updated_at=now,
                          **{k: values[k] for k in FIELDS})
        PhoneRequest.delete().where(PhoneRequest.mac == phone.mac).execute()
    return phone, cs.revision


def update(mac: str, data, actor: str, *, partial: bool) -> tuple[DeskPhone, int | None]:
    phone = get(mac)
    values = validate(PhoneSchema(), data, partial=partial or ("mac",))
    if values.get("mac", phone.mac) != phone.mac:
        raise Invalid("mac: cannot be changed; unclaim and claim the other phone", "mac")
    with change(actor, "phone.update", phone.mac) as cs:
        phone = get(mac)
        base = {"extension": phone.extension.number, "blf": blf_numbers(phone),
                **{k: getattr(phone, k) for k in FIELDS}} if partial else {**DEFAULTS}
        merged = {**base, **values}
        ext = _extension(merged["extension"])
        cs.update(phone, extension=ext, blf=_check_blf(merged["blf"], ext.number), **{k: merged[k] for k in FIELDS})
        if not cs.empty:
            cs.update(phone, updated_at=utcnow())
    return phone, None if cs.empty else cs.revision


def new_secrets(mac: str, actor: str) -> tuple[DeskPhone, int]:
    """A new token and digest password: the old URL and credentials stop working at once."""
    with change(actor, "phone.new_secrets", mac) as cs:
        phone = get(mac)
        cs.update(phone, token=_token(), password=_password(), updated_at=utcnow())
    return phone, cs.revision


def delete(mac: str, actor: str) -> int:
    with change(actor, "phone.unclaim", mac) as cs:
        cs.delete(get(mac))
    return cs.revision


def remove_extension(cs, ext: Extension) -> None:
    """Within an extension's deletion: its phones are unclaimed, colleagues' keys on it go."""
    for phone in DeskPhone.select().where(DeskPhone.extension == ext):
        cs.delete(phone)
    for phone in DeskPhone.select().where(DeskPhone.blf != ""):
        rest = [n for n in blf_numbers(phone) if n != ext.number]
        if len(rest) != len(blf_numbers(phone)):
            cs.update(phone, blf=",".join(rest), updated_at=utcnow())


# -- phones that asked ---------------------------------------------------------------------

def record_request(mac: str, user_agent: str, address: str, file: str) -> None:
    """Remember an unclaimed phone's request (not config: written directly, newest kept)."""
    now = utcnow()
    user_agent = "".join(ch for ch in (user_agent or "") if ch.isprintable())[:200]
    with write_lock:
        if DeskPhone.get_or_none(DeskPhone.mac == mac) is not None:
            return
        row = PhoneRequest.get_or_none(PhoneRequest.mac == mac)
        if row is None:
            PhoneRequest.create(mac=mac, user_agent=user_agent, address=address, file=file[:100], count=1,
                                first_seen=now, last_seen=now)
            extra = PhoneRequest.select().count() - MAX_ASKING
            if extra > 0:
                oldest = PhoneRequest.select(PhoneRequest.mac).order_by(PhoneRequest.last_seen).limit(extra)
                PhoneRequest.delete().where(PhoneRequest.mac.in_(oldest)).execute()
        else:
            PhoneRequest.update(user_agent=user_agent, address=address, file=file[:100], count=row.count + 1,
                                last_seen=now).where(PhoneRequest.mac == mac).execute()


def asking() -> list[dict]:
    rows = PhoneRequest.select().order_by(PhoneRequest.last_seen.desc())
    return [{"mac": r.mac, "user_agent": r.user_agent, "address": r.address, "file": r.file, "count": r.count,
             "first_seen": r.first_seen.isoformat() + "Z", "last_seen": r.last_seen.isoformat() + "Z"}
            for r in rows]


# -- what a phone's file is made of -------------------------------------------------------

def posix_tz(name: str, when: dt.datetime | None = None) -> tuple[int, str]:
    """(standard UTC offset in seconds, POSIX TZ rule) of an IANA zone.

    The rule is the footer tzdata writes at the end of each TZif file (RFC 8536): the
    zone's rule for the years after its table, DST included. Where it cannot be read the
    zone's current standard offset is written as a fixed rule."""
    zone = box_settings.zone(name)
    now = (when or dt.datetime.now(dt.timezone.utc)).astimezone(zone)
    offset = int(((now.utcoffset() or dt.timedelta()) - (now.dst() or dt.timedelta())).total_seconds())
    try:
        footer = (ZONEINFO / name).read_bytes().rstrip(b"\n").rsplit(b"\n", 1)[-1].decode("ascii")
    except (OSError, UnicodeDecodeError, ValueError):
        footer = ""
    if not templates.POSIX_TZ.fullmatch(footer):
        hours, minutes = divmod(abs(offset) // 60, 60)
        sign = "-" if offset >= 0 else "+"  # POSIX counts west of Greenwich
        footer = f"<{'+' if offset >= 0 else '-'}{hours:02d}{minutes:02d}>{sign}{hours}" + (
            f":{minutes:02d}" if minutes else "")
    return offset, footer


def phone_file(phone: DeskPhone, server: str, port: int, settings=None, extensions: dict | None = None,
               tz: tuple[int, str] | None = None) -> Phone:
    """The template input for `phone`, with the box reached at server:port (settings, names
    and the zone's rule may be given, read once for many phones)."""
    settings = settings or box_settings.load()
    ext = phone.extension
    names = extensions if extensions is not None else {
        e.number: e.name for e in Extension.select(Extension.number, Extension.name)}
    keys = [Key(n, names[n]) for n in blf_numbers(phone) if n in names]
    if phone.park_keys:
        slots = box_settings.park_numbers(settings.park_slots)[1:]
        label = "停车" if settings.language == "zh" else "Park"
        keys += [Key(n, f"{label} {n}") for n in slots][:MAX_KEYS - len(keys)]
    offset, rule = tz or posix_tz(settings.timezone)
    return Phone(mac=phone.mac, number=ext.number, name=ext.name, secret=ext.secret, server=server, port=port,
                 transport=phone.transport, timezone=settings.timezone, utc_offset=offset, posix_tz=rule,
                 language="zh-CN" if settings.language == "zh" else "en", keys=tuple(keys),
                 firmware_url=phone.firmware_url)


def files(phone: DeskPhone, server: str, port: int, settings=None, extensions: dict | None = None) -> dict[str, str]:
    return templates.render(phone.template, phone_file(phone, server, port, settings, extensions))
