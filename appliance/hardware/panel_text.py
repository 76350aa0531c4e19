"""What the front panel says (pure): the box's web address, then its alarms or "All OK".

The panel is a character LCD (HD44780 ROM A00): ASCII only, no Chinese, so its text is English
whatever the box's language; anything outside printable ASCII shows as '?'. A line longer than
the display is cut; an address too long keeps its host only. More alarms than rows: the last
row ends with how many more there are, "+2" (the Hardware page and the dashboard list them all).
"""

from __future__ import annotations

import ipaddress

from ..settings import Runtime

LEVELS = {"high": "HIGH", "critical": "CRITICAL", "stopped": "STOPPED", "no_answer": "NO ANSWER"}


def ascii_line(text: str, columns: int) -> str:
    # 0x5c is a yen sign and 0x7e an arrow in the A00 ROM: neither is what the text meant.
    return "".join(c if " " <= c <= "}" and c != "\\" else "?" for c in text)[:columns]


def web_address(runtime: Runtime, addresses: list[str]) -> str | None:
    """The address a person types into a browser: the web server's own address where it is bound
    to one, else the box's first LAN address (`addresses`: IPv4 of the links that are up)."""
    served = runtime.https or runtime.http
    scheme, default_port = ("https", 443) if runtime.https else ("http", 80)
    host = served.host
    if ipaddress.ip_address(host).is_unspecified:
        if not addresses:
            return None
        host = addresses[0]
    host = f"[{host}]" if ":" in host else host
    port = "" if served.port == default_port else f":{served.port}"
    return f"{scheme}://{host}{port}/"


def alarm_texts(span_alarms: dict[int, list[str]], sensor_alarms: list[dict]) -> list[str]:
    texts = [f"Span {span} {' '.join(alarms)}" for span, alarms in sorted(span_alarms.items()) if alarms]
    for alarm in sensor_alarms:
        value = alarm["value"]
        shown = "" if value is None else (f" {round(value)}C" if alarm["measures"] == "temperature" else "")
        texts.append(f"{alarm['name']}{shown} {LEVELS.get(alarm['level'], alarm['level'].upper())}")
    return texts


def lines(address: str | None, span_alarms: dict[int, list[str]], sensor_alarms: list[dict],
          columns: int, rows: int) -> list[str]:
    first = address or "No network"
    if len(first) > columns and address:
        first = address.split("://", 1)[-1].rstrip("/")
    alarms = alarm_texts(span_alarms, sensor_alarms) or ["All OK"]
    room = rows - 1
    if len(alarms) > room:
        more = f" +{len(alarms) - room}"
        alarms = alarms[:room - 1] + [ascii_line(alarms[room - 1], columns - len(more)) + more]
    return [ascii_line(text, columns) for text in [first, *alarms]]
