"""Hardware alarms by e-mail: a span that goes into alarm or comes back, a board sensor past its limit.

A job of the mail manager (run before each of its rounds, so within 30 s of the change): it
compares the hardware manager's alarms with those it saw last and sends one message listing what
changed to the alert addresses (the storage alerts' setting), in the box's language. A span set
to "unused" says nothing: a card's spare ports are red for ever. The same changes within the hour
are one message (the outbox key), so a line that flaps sends one an hour, not one a minute.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import socket

from .. import box_settings, mail
from ..db.models import DahdiSpan
from ..mail import templates


def current(hardware, used_spans: set[int]) -> dict[str, tuple[str, dict]]:
    """What is in alarm now: key -> (phrase template, its values)."""
    found = {}
    for span, alarms in sorted(hardware.alarms.items()):
        if alarms and span in used_spans:
            found[f"span:{span}"] = ("hw_span_alarm", {"span": span, "alarms": " ".join(alarms)})
    sensors = getattr(hardware, "sensors", None)
    for alarm in sensors.alarms() if sensors is not None else []:
        value = "—" if alarm["value"] is None else f"{alarm['value']:g}"
        found[f"sensor:{alarm['name']}"] = (f"hw_sensor_{alarm['level']}", {"name": alarm["name"], "value": value})
    return found


def changes(before: dict[str, tuple[str, dict]], now: dict[str, tuple[str, dict]]) -> list[tuple[str, str, dict]]:
    """(key, phrase, values) for each alarm raised, changed or cleared since `before`."""
    out = [(key, *now[key]) for key in sorted(now) if before.get(key) != now[key]]
    for key in sorted(set(before) - set(now)):
        kind, _, name = key.partition(":")
        out.append((key, f"hw_{kind}_cleared", {"span": name} if kind == "span" else {"name": name}))
    return out


class AlarmMail:
    def __init__(self, hardware):
        self.hardware = hardware
        self.seen: dict[str, tuple[str, dict]] = {}

    def __call__(self, now: dt.datetime) -> None:
        used = {s.number for s in DahdiSpan.select(DahdiSpan.number).where(DahdiSpan.signalling != "unused")}
        found = current(self.hardware, used)
        changed = changes(self.seen, found)
        self.seen = found
        if not changed:
            return
        settings = box_settings.load()
        if not settings.alert_email:
            return
        lang = settings.language
        lines = [templates.word(phrase, lang).format(**values) for _, phrase, values in changed]
        raised = sum(1 for _, phrase, _ in changed if not phrase.endswith("_cleared"))
        summary = lines[0] if len(lines) == 1 else templates.word(
            "hw_changes" if raised else "hw_all_cleared", lang).format(n=len(lines))
        hour = now.strftime("%Y-%m-%dT%H")
        what = hashlib.sha256(repr(changed).encode()).hexdigest()[:16]
        mail.queue_template(list(settings.alert_email), "hardware_alarm",
                            {"box": socket.gethostname(), "summary": summary,
                             "lines": "\n".join(f"- {line}" for line in lines)},
                            key=f"hardware:{what}:{hour}", lang=lang)
