"""Yealink T-series: `{mac}.cfg`, "key = value" lines after the mandatory version header.

Values run to the end of their line; `checked` has already refused line breaks and
control characters, so a value can only ever be the value of its own key.
"""

from __future__ import annotations

from . import Phone, offset_hours

FILES = ("{mac}.cfg",)
TRANSPORT = {"udp": 0, "tcp": 1}
LANGUAGE = {"en": "English", "zh-CN": "Chinese_S"}
BLF = 16  # linekey type: BLF
FIRST_KEY = 2  # line key 1 shows the account itself


def files(phone: Phone) -> dict[str, str]:
    lang = LANGUAGE[phone.language]
    lines = [
        "#!version:1.0.0.1",
        "account.1.enable = 1",
        f"account.1.label = {phone.number}",
        f"account.1.display_name = {phone.name}",
        f"account.1.auth_name = {phone.number}",
        f"account.1.user_name = {phone.number}",
        f"account.1.password = {phone.secret}",
        f"account.1.sip_server.1.address = {phone.server}",
        f"account.1.sip_server.1.port = {phone.port}",
        f"account.1.sip_server.1.transport_type = {TRANSPORT[phone.transport]}",
        f"local_time.time_zone = {offset_hours(phone.utc_offset)}",
        f"local_time.time_zone_name = {phone.timezone}",
        f"lang.gui = {lang}",
        f"lang.wui = {lang}",
    ]
    for i, key in enumerate(phone.keys, FIRST_KEY):
        lines += [f"linekey.{i}.type = {BLF}", f"linekey.{i}.value = {key.number}",
                  f"linekey.{i}.label = {key.label}", f"linekey.{i}.line = 1"]
    if phone.firmware_url:
        lines.append(f"static.firmware.url = {phone.firmware_url}")
    return {f"{phone.mac}.cfg": "\n".join(lines) + "\n"}
