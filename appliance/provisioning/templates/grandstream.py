"""Grandstream GXP/GRP: `cfg{mac}.xml`, XML provisioning (version 1) of P-values.

Time zone as a self-defined POSIX rule (P64 = customize, P246), which every model takes
whatever its built-in zone list. Values are XML-escaped element text.
"""

from __future__ import annotations

from . import Phone, text

FILES = ("cfg{mac}.xml",)
TRANSPORT = {"udp": 0, "tcp": 1}
LANGUAGE = {"en": "en", "zh-CN": "zh"}
MAX_MPK = 8  # multi-purpose keys with consecutive P-values on every GXP21xx/GRP26xx
BLF_MODE = 1


def _mpk(i: int) -> dict[str, int]:
    """P-value numbers of multi-purpose key i (0-based): mode, account, name, value."""
    return {"mode": 323 + i, "account": 301 + 3 * i, "name": 302 + 3 * i, "value": 303 + 3 * i}


def files(phone: Phone) -> dict[str, str]:
    values = [
        ("P271", 1),  # account 1 active
        ("P270", phone.number),  # account name
        ("P47", f"{phone.server}:{phone.port}"),
        ("P35", phone.number),  # SIP user ID
        ("P36", phone.number),  # authenticate ID
        ("P34", phone.secret),
        ("P3", phone.name),
        ("P130", TRANSPORT[phone.transport]),
        ("P64", "customize"),
        ("P246", phone.posix_tz),
        ("P1362", LANGUAGE[phone.language]),
    ]
    for i, key in enumerate(phone.keys[:MAX_MPK]):
        p = _mpk(i)
        values += [(f"P{p['mode']}", BLF_MODE), (f"P{p['account']}", 0), (f"P{p['name']}", key.label),
                   (f"P{p['value']}", key.number)]
    if phone.firmware_url:
        values += [("P212", 2 if phone.firmware_url.startswith("https:") else 1),
                   ("P192", phone.firmware_url.split("://", 1)[1])]
    body = "\n".join(f"    <{name}>{text(value)}</{name}>" for name, value in values)
    doc = ('<?xml version="1.0" encoding="UTF-8"?>\n<gs_provision version="1">\n'
           f"  <mac>{phone.mac}</mac>\n  <config version=\"1\">\n{body}\n  </config>\n</gs_provision>\n")
    return {f"cfg{phone.mac}.xml": doc}
