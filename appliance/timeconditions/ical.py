"""Holidays from an iCalendar file (RFC 5545): its all-day events, yearly where RRULE says so.

Our own code rather than the icalendar package: the firmware's Python has no iCalendar
library, and a holiday list needs only this much: unfolded lines, VEVENTs, an all-day
DTSTART (VALUE=DATE), SUMMARY, and FREQ=YEARLY. Anything else in the file is ignored.
"""

from __future__ import annotations

import datetime as dt
import re

MAX_BYTES = 1_000_000


class CalendarError(ValueError):
    pass


def _lines(text: str) -> list[str]:
    # A line that starts with a space or tab continues the one before it.
    out: list[str] = []
    for raw in text.replace("\r\n", "\n").split("\n"):
        if raw[:1] in (" ", "\t") and out:
            out[-1] += raw[1:]
        elif raw:
            out.append(raw)
    return out


def _unescape(value: str) -> str:
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m.group(1) in "nN" else m.group(1), value)


def holidays(data: bytes) -> list[dict]:
    if len(data) > MAX_BYTES:
        raise CalendarError(f"is larger than {MAX_BYTES // 1000} kB")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CalendarError("is not UTF-8 text") from None
    lines = _lines(text)
    if not lines or lines[0].strip().upper() != "BEGIN:VCALENDAR":
        raise CalendarError("is not an iCalendar file (it must start with BEGIN:VCALENDAR)")
    out, event = [], None
    for line in lines:
        name, _, value = line.partition(":")
        prop, *params = name.split(";")
        prop = prop.upper()
        if prop == "BEGIN" and value.strip().upper() == "VEVENT":
            event = {}
        elif prop == "END" and value.strip().upper() == "VEVENT" and event is not None:
            if "date" in event:
                out.append({"date": event["date"], "yearly": event.get("yearly", False),
                            "name": (event.get("name") or "")[:60] or None})
            event = None
        elif event is not None and prop == "DTSTART":
            all_day = any(p.upper() == "VALUE=DATE" for p in params) or re.fullmatch(r"\d{8}", value.strip())
            if all_day:
                try:
                    event["date"] = dt.datetime.strptime(value.strip()[:8], "%Y%m%d").date().isoformat()
                except ValueError:
                    raise CalendarError(f"has a bad date {value.strip()!r}") from None
        elif event is not None and prop == "SUMMARY":
            # Names go where names go: no characters with a meaning in config files.
            event["name"] = re.sub(r'[;\[\]"<>\\${}`\x00-\x1f]', "", _unescape(value)).strip()
        elif event is not None and prop == "RRULE":
            event["yearly"] = "FREQ=YEARLY" in value.upper()
    return out
