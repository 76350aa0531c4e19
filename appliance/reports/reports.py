"""Reports from call records: named reports over days in the box's time zone, by hour, day,
week or month. Each report says what its figures mean (`definitions`), on the page and in the
API alike.

A report reads the records of its days in one indexed range and counts them into periods in
the box's time zone (a day boundary is local midnight, not UTC's); every period of the range
is listed, those without calls as zeros, so that a chart has no gaps.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from ..errors import Invalid, NotFound
from .db import CallRecord

BY = ("hour", "day", "week", "month")
MAX_DAYS = {"hour": 31, "day": 400, "week": 800, "month": 3700}

TRAFFIC_DEFINITIONS = {
    "inbound": "calls that came in on a trunk",
    "outbound": "calls from the box's phones out through a trunk",
    "internal": "calls between the box's phones (and to its services: voicemail, feature codes)",
    "offered": "inbound calls",
    "answered": "inbound calls a person answered (an agent, an extension, a ring group's member)",
    "lost": "inbound calls that never reached a person: missed, abandoned in a queue or menu, busy, failed, "
            "or left for voicemail",
    "loss_rate": "lost / offered (呼损率), in percent; empty when nothing was offered",
    "talk_seconds": "time callers were connected to a person, hold included, over all calls of the period",
    "period": "the hour, day, week (starting Monday) or month, in the box's time zone; a call counts in the "
              "period in which it began",
}
REPORTS = {"traffic": "calls in, out and internal; inbound calls offered, answered and lost"}


def catalogue() -> list[dict]:
    return [{"name": name, "description": text} for name, text in REPORTS.items()]


def _day(params: dict, name: str) -> dt.date:
    raw = params.get(name) or ""
    if len(raw) == 10:
        try:
            return dt.date.fromisoformat(raw)
        except ValueError:
            pass
    raise Invalid(f"{name}: must be a day such as 2025-06-30", name)


def period_of(local: dt.datetime, by: str) -> str:
    if by == "hour":
        return local.strftime("%Y-%m-%d %H:00")
    if by == "day":
        return local.strftime("%Y-%m-%d")
    if by == "week":
        return (local.date() - dt.timedelta(days=local.weekday())).isoformat()
    return local.strftime("%Y-%m")


def periods(zone: ZoneInfo, start: float, end: float, by: str) -> list[str]:
    """Every period between two instants, in order (hour by hour in UTC: a day with a clock
    change has its 23 or 25 hours)."""
    out: dict[str, None] = {}
    t = dt.datetime.fromtimestamp(start, dt.timezone.utc)
    stop = dt.datetime.fromtimestamp(end, dt.timezone.utc)
    step = dt.timedelta(hours=1)
    while t < stop:
        out[period_of(t.astimezone(zone), by)] = None
        t += step
    return list(out)


def traffic(records, zone: ZoneInfo, start: float, end: float, by: str) -> tuple[list[dict], dict]:
    """Rows per period and the totals, from (started, direction, outcome, talk) tuples."""
    empty = {"inbound": 0, "outbound": 0, "internal": 0, "offered": 0, "answered": 0, "lost": 0,
             "talk_seconds": 0.0}
    rows = {p: dict(empty) for p in periods(zone, start, end, by)}
    for started, direction, outcome, talk in records:
        key = period_of(dt.datetime.fromtimestamp(started, zone), by)
        row = rows.setdefault(key, dict(empty))
        row[direction] += 1
        row["talk_seconds"] += talk or 0.0
        if direction == "inbound":
            row["offered"] += 1
            if outcome == "answered":
                row["answered"] += 1
            else:
                row["lost"] += 1
    out = []
    for key, row in rows.items():
        out.append({"period": key, **row, "talk_seconds": round(row["talk_seconds"], 1),
                    "loss_rate": _rate(row["lost"], row["offered"])})
    totals = {k: sum(r[k] for r in out) for k in empty}
    totals["talk_seconds"] = round(totals["talk_seconds"], 1)
    totals["loss_rate"] = _rate(totals["lost"], totals["offered"])
    return out, totals


def _rate(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def report(name: str, params: dict, timezone: str) -> dict:
    if name not in REPORTS:
        raise NotFound(f"no report {name} (reports: {', '.join(REPORTS)})")
    unknown = sorted(set(params) - {"from", "to", "by"})
    if unknown:
        raise Invalid(f"{unknown[0]}: not a parameter of reports (from, to, by)", unknown[0])
    by = params.get("by") or "day"
    if by not in BY:
        raise Invalid(f"by: must be one of {', '.join(BY)}", "by")
    first, last = _day(params, "from"), _day(params, "to")
    if first > last:
        raise Invalid("from: must not be after to", "from")
    if (last - first).days + 1 > MAX_DAYS[by]:
        raise Invalid(f"to: at most {MAX_DAYS[by]} days by {by}", "to")
    zone = ZoneInfo(timezone)
    start = dt.datetime.combine(first, dt.time(), zone).timestamp()
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), zone).timestamp()
    records = (CallRecord.select(CallRecord.started, CallRecord.direction, CallRecord.outcome, CallRecord.talk)
               .where(CallRecord.started >= start, CallRecord.started < end).tuples().iterator())
    rows, totals = traffic(records, zone, start, end, by)
    return {"name": name, "from": first.isoformat(), "to": last.isoformat(), "by": by, "timezone": timezone,
            "rows": rows, "totals": totals, "definitions": TRAFFIC_DEFINITIONS}
