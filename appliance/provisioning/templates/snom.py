"""Snom D-series: `{mac}.xml`, Snom's XML settings (phone-settings and functionKeys).

Values are XML-escaped; the BLF key's SIP URI is built from checked digits and the box's
IP address only.
"""

from __future__ import annotations

from . import Phone, attr, text

FILES = ("{mac}.xml",)
LANGUAGE = {"en": "English", "zh-CN": "Chinese"}


def _setting(name: str, value, idx: int | None = None) -> str:
    index = f" idx={attr(idx)}" if idx is not None else ""
    return f'    <{name}{index} perm="R">{text(value)}</{name}>'


def files(phone: Phone) -> dict[str, str]:
    settings = [
        _setting("user_active", "on", 1),
        _setting("user_name", phone.number, 1),
        _setting("user_pname", phone.number, 1),
        _setting("user_pass", phone.secret, 1),
        _setting("user_realname", phone.name, 1),
        _setting("user_host", f"{phone.server}:{phone.port};transport={phone.transport}", 1),
        _setting("utc_offset", phone.utc_offset),
        _setting("ntp_timezone", phone.posix_tz),
        _setting("language", LANGUAGE[phone.language]),
        _setting("web_language", LANGUAGE[phone.language]),
    ]
    if phone.firmware_url:
        settings.append(_setting("firmware", phone.firmware_url))
    keys = [f'    <fkey idx={attr(i)} context="1" label={attr(key.label)} perm="R">'
            f"{text(f'blf <sip:{key.number}@{phone.server}>')}</fkey>" for i, key in enumerate(phone.keys)]
    doc = ('<?xml version="1.0" encoding="utf-8"?>\n<settings>\n  <phone-settings e="2">\n'
           + "\n".join(settings) + "\n  </phone-settings>\n  <functionKeys e=\"2\">\n"
           + "".join(k + "\n" for k in keys) + "  </functionKeys>\n</settings>\n")
    return {f"{phone.mac}.xml": doc}
