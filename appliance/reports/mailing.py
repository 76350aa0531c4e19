"""Scheduled report e-mail: the traffic report, daily and/or weekly, to listed addresses.

A daily report covers yesterday by hour, a weekly one last week (Monday to Sunday) by day,
both in the box's time zone. Each is due from `hour` o'clock local time of the day after its
period and is queued once (the outbox key names the period), so a box that was off at that
hour sends it when it is back, and a restart never sends it twice. The time comes from the
caller (the mail thread's clock), so a test moves the clock instead of waiting.

The summary is a text table in the body; the same rows go in a CSV file (the reports
page's export) written at queue time and removed once the mail is sent or given up.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import asdict, dataclass, field
from pathlib import Path

from marshmallow import fields, validate

from .. import box_settings, mail
from ..fields import Bool, Email, StrictSchema
from ..mail import config, templates
from . import export, reports

KEY = "report_mail"
COLUMNS = ("period", "inbound", "outbound", "internal", "offered", "answered", "lost", "loss_rate", "talk_seconds")
HEADINGS = {
    "en": ("Period", "In", "Out", "Internal", "Offered", "Answered", "Lost", "Loss %", "Talk (s)"),
    "zh": ("时段", "呼入", "呼出", "内部", "呼入总数", "接通", "呼损", "呼损率%", "通话秒数"),
}
TOTAL = {"en": "Total", "zh": "合计"}


@dataclass(frozen=True)
class ReportMail:
    daily: bool = False
    weekly: bool = False
    recipients: list = field(default_factory=list)
    #: Local hour from which the previous day's (Monday: week's) report is due.
    hour: int = 7

    def to_dict(self) -> dict:
        return asdict(self)


class ReportMailSchema(StrictSchema):
    daily = Bool()
    weekly = Bool()
    recipients = fields.List(Email(), validate=validate.Length(max=20))
    hour = fields.Integer(strict=True, validate=validate.Range(0, 23))


def load() -> ReportMail:
    return config.read_row(KEY, ReportMail)


def save(cs, values: dict) -> ReportMail:
    settings = ReportMail(**{**load().to_dict(), **values})
    config.write_row(cs, KEY, settings)
    return settings


def due(now_utc: dt.datetime, timezone: str, settings: ReportMail) -> list[tuple[str, dt.date, dt.date]]:
    """The reports due at `now_utc` (naive UTC): (kind, first day, last day), latest period only."""
    zone = zoneinfo.ZoneInfo(timezone)
    local = now_utc.replace(tzinfo=dt.timezone.utc).astimezone(zone)
    if local.hour < settings.hour:
        today = local.date() - dt.timedelta(days=1)  # today's reports are not due yet: still yesterday's turn
    else:
        today = local.date()
    out = []
    if settings.daily:
        day = today - dt.timedelta(days=1)
        out.append(("daily", day, day))
    if settings.weekly:
        monday = today - dt.timedelta(days=today.weekday())
        out.append(("weekly", monday - dt.timedelta(days=7), monday - dt.timedelta(days=1)))
    return out


def table(doc: dict, lang: str) -> str:
    """The report's rows and totals as a plain-text table (mail clients show it as it is)."""
    lang = templates.language(lang)
    rows = [HEADINGS[lang]]
    for row in [*doc["rows"], {**doc["totals"], "period": TOTAL[lang]}]:
        rows.append(tuple("" if row.get(c) is None else str(row.get(c)) for c in COLUMNS))
    widths = [max(len(r[i]) for r in rows) for i in range(len(COLUMNS))]
    lines = ["  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(r, widths)))
             for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(line.rstrip() for line in lines)


class ReportMailer:
    """A job of the mail thread: queue the reports that are due."""

    def __init__(self, spool: Path):
        self.spool = spool  # where CSV attachments wait to be sent

    def __call__(self, now: dt.datetime) -> int:
        settings = load()
        if not settings.recipients or not (settings.daily or settings.weekly):
            return 0
        box = box_settings.load()
        queued = 0
        for kind, first, last in due(now, box.timezone, settings):
            key = f"report:{kind}:{first.isoformat()}"
            if mail.outbox.OutgoingMail.get_or_none(mail.outbox.OutgoingMail.key == key) is not None:
                continue
            queued += self.queue(kind, first, last, settings.recipients, box, key)
        return queued

    def queue(self, kind: str, first: dt.date, last: dt.date, to: list, box, key: str) -> int:
        doc = reports.report("traffic", {"from": first.isoformat(), "to": last.isoformat(),
                                         "by": "hour" if kind == "daily" else "day"}, box.timezone, whole=True)
        columns, rows = export.report_table(doc)
        name = f"traffic-{first.isoformat()}-{last.isoformat()}.csv"
        self.spool.mkdir(parents=True, exist_ok=True)
        path = self.spool / name
        _, body = export.stream("csv", name[:-4], columns, rows)
        path.write_bytes(b"".join(body))
        values = {"period": templates.word(kind, box.language), "start": first.isoformat(), "end": last.isoformat(),
                  "box": box.hostname, "timezone": box.timezone, "table": table(doc, box.language)}
        row = mail.queue_template(to, "report", values, key=key, lang=box.language,
                                  attachments=[{"path": str(path), "name": name, "type": "text/csv", "remove": True}])
        return 1 if row is not None else 0
