"""Polycom VVX (UC Software): the master file `000000000000.cfg`, which names this
phone's file, and `{mac}-phone.cfg` with its settings as XML attributes.

Both are served only behind the phone's own token and credentials, so the master file
names this phone's file alone. Values are XML-escaped attribute values.
"""

from __future__ import annotations

from . import Phone, attr

FILES = ("000000000000.cfg", "{mac}-phone.cfg")
TRANSPORT = {"udp": "UDPOnly", "tcp": "TCPOnly"}
LANGUAGE = {"en": "English_United_States", "zh-CN": "Chinese_China"}


def _element(name: str, values: list[tuple[str, object]]) -> str:
    inner = "".join(f"\n    {key}={attr(value)}" for key, value in values)
    return f"  <{name}{inner}/>"


def files(phone: Phone) -> dict[str, str]:
    firmware = phone.firmware_url or ""
    master = ('<?xml version="1.0" standalone="yes"?>\n'
              f"<APPLICATION APP_FILE_PATH={attr(firmware)} CONFIG_FILES={attr(f'{phone.mac}-phone.cfg')}/>\n")
    reg = [("reg.1.address", phone.number), ("reg.1.auth.userId", phone.number),
           ("reg.1.auth.password", phone.secret), ("reg.1.displayName", phone.name),
           ("reg.1.label", phone.number), ("reg.1.server.1.address", phone.server),
           ("reg.1.server.1.port", phone.port), ("reg.1.server.1.transport", TRANSPORT[phone.transport])]
    elements = [_element("reg", reg),
                _element("tcpIpApp", [("tcpIpApp.sntp.gmtOffset", phone.utc_offset)]),
                _element("lcl", [("lcl.ml.lang", LANGUAGE[phone.language])])]
    if phone.keys:
        keys: list[tuple[str, object]] = [("attendant.reg", 1)]
        for i, key in enumerate(phone.keys, 1):
            keys += [(f"attendant.resourceList.{i}.address", key.number),
                     (f"attendant.resourceList.{i}.label", key.label),
                     (f"attendant.resourceList.{i}.type", "normal")]
        elements.append(_element("attendant", keys))
    doc = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<polycomConfig>\n'
           + "\n".join(elements) + "\n</polycomConfig>\n")
    return {"000000000000.cfg": master, f"{phone.mac}-phone.cfg": doc}
