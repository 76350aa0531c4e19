"""Fanvil X-series: `{mac}.cfg` in Fanvil's sectioned text format
(`<<VOIP CONFIG FILE>>`, `<MODULE>` headers, "Name  :value" lines, `<<END OF FILE>>`).

Values run to the end of their line; `checked` has refused line breaks and control
characters, and a value that starts a line with '<' cannot occur (it always follows a name).
"""

from __future__ import annotations

from . import Phone

FILES = ("{mac}.cfg",)
TRANSPORT = {"udp": 0, "tcp": 1}
LANGUAGE = {"en": "en", "zh-CN": "cn"}
BLF = 1  # DSS key type: memory key (BLF)


def _line(name: str, value) -> str:
    return f"{name:<20}:{value}"


def files(phone: Phone) -> dict[str, str]:
    minutes = phone.utc_offset // 60
    lines = [
        "<<VOIP CONFIG FILE>>Version:2.0000000000",
        "",
        "<GLOBAL CONFIG MODULE>",
        _line("Time Zone", minutes),
        _line("Time Zone Name", phone.timezone),
        _line("Enable SNTP", 1),
        "",
        "<SIP CONFIG MODULE>",
        _line("--SIP Line List--", ""),
        _line("SIP1 Phone Number", phone.number),
        _line("SIP1 Display Name", phone.name),
        _line("SIP1 Register Addr", phone.server),
        _line("SIP1 Register Port", phone.port),
        _line("SIP1 Register User", phone.number),
        _line("SIP1 Register Pswd", phone.secret),
        _line("SIP1 Enable Reg", 1),
        _line("SIP1 Transport", TRANSPORT[phone.transport]),
        "",
        "<MMI CONFIG MODULE>",
        _line("Web Language", LANGUAGE[phone.language]),
        _line("LCD Language", LANGUAGE[phone.language]),
        "",
        "<DSS CONFIG MODULE>",
    ]
    for i, key in enumerate(phone.keys, 1):
        lines += [_line(f"Fkey{i} Type", BLF), _line(f"Fkey{i} Value", f"{key.number}@1/b"),
                  _line(f"Fkey{i} Title", key.label)]
    if phone.firmware_url:
        lines += ["", "<AUTOUPDATE CONFIG MODULE>", _line("Firmware Url", phone.firmware_url)]
    lines += ["", "<<END OF FILE>>"]
    return {f"{phone.mac}.cfg": "\n".join(lines) + "\n"}
