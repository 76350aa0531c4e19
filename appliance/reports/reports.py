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
from . import queue_reports, survey_days, usage
from .db import CallRecord, execute, whole_sum
from .period import BY, Range, period_of, periods

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
REPORTS = {
    "traffic": "calls in, out and internal; inbound calls offered, answered and lost",
    "extensions": "per extension: calls, talk time and busy hour load in Erlang",
    "trunks": "per trunk: calls, talk time and busy hour load in Erlang",
    "trunk_occupancy": "per trunk: the peak of channels in use, of the trunk's capacity",
    "queues": "per queue: offered, answered, abandoned, service level, speed of answer, waits, loss rate",
    "agents": "per agent: logged-in and paused time, calls, talk, wrap-up, missed calls, survey score",
    "survey": "caller satisfaction by queue and agent",
}
OPTIONS = {"queues": {"short_abandon": (queue_reports.SHORT_ABANDON, 0, 600)}}
# A month of the survey by day in an 800-seat center is some 100,000 rows. An answer in JSON lists
# at most a page of them (the first 1,000 when no page is asked for) and how many there are; the
# exports and the mailed reports stream every row.
PAGING = {"page": (1, 1, 1_000_000), "per_page": (100, 1, 1000)}
FIRST_ROWS = 1000


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


def traffic(records, zone: ZoneInfo, start: float, end: float, by: str) -> tuple[list[dict], dict]:
    """Rows per period and the totals, from (started, direction, outcome, talk[, calls]) tuples."""
    empty = {"inbound": 0, "outbound": 0, "internal": 0, "offered": 0, "answered": 0, "lost": 0,
             "talk_seconds": 0.0}
    rows = {p: dict(empty) for p in periods(zone, start, end, by)}
    seen: dict[float, str] = {}  # rollup rows share their hour: one time conversion for each
    for started, direction, outcome, talk, *count in records:
        n = count[0] if count else 1  # a rollup's row stands for n calls
        key = seen.get(started)
        if key is None:
            key = period_of(dt.datetime.fromtimestamp(started, zone), by)
            if count:
                seen[started] = key
        row = rows.setdefault(key, dict(empty))
        row[direction] += n
        row["talk_seconds"] += talk or 0.0
        if direction == "inbound":
            row["offered"] += n
            if outcome == "answered":
                row["answered"] += n
            else:
                row["lost"] += n
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


def _traffic(r: Range) -> tuple[list[dict], dict]:
    """From the daily rollup where its days are the zone's over the range and the periods are whole
    days, from the hourly one where local hours are UTC hours (both kept after the records are
    pruned; a year of hours is some 130,000 rows, of days 5,500), from the records otherwise."""
    offset = survey_days.offset_for(r)
    if offset is not None:
        period, params, start_of = r.bucket("day", survey_days.DAY, offset)
        rows = execute(f"SELECT {period}, direction, outcome, SUM(talk), {whole_sum('calls')} FROM traffic_day "
                       "WHERE day >= ? AND day < ? GROUP BY 1, 2, 3", (*params, *r.units(survey_days.DAY, offset)))
        return traffic(((start_of(n), *rest) for n, *rest in rows), r.zone, r.start, r.end, r.by)
    if r.whole_hours:
        period, params, start_of = r.bucket()
        rows = execute(f"SELECT {period}, direction, outcome, SUM(talk), {whole_sum('calls')} FROM traffic_hour "
                       "WHERE hour >= ? AND hour < ? GROUP BY 1, 2, 3", (*params, *r.hours()))
        return traffic(((start_of(n), *rest) for n, *rest in rows), r.zone, r.start, r.end, r.by)
    records = (CallRecord.select(CallRecord.started, CallRecord.direction, CallRecord.outcome, CallRecord.talk)
               .where(CallRecord.started >= r.start, CallRecord.started < r.end).tuples().iterator())
    return traffic(records, r.zone, r.start, r.end, r.by)


BUILDERS = {
    "traffic": (_traffic, TRAFFIC_DEFINITIONS),
    "extensions": (usage.extensions, usage.EXTENSION_DEFINITIONS),
    "trunks": (usage.trunks, usage.TRUNK_DEFINITIONS),
    "trunk_occupancy": (usage.trunk_occupancy, usage.OCCUPANCY_DEFINITIONS),
    "queues": (queue_reports.queues, queue_reports.QUEUE_DEFINITIONS),
    "agents": (queue_reports.agents, queue_reports.AGENT_DEFINITIONS),
    "survey": (queue_reports.survey, queue_reports.SURVEY_DEFINITIONS),
}
COMMON_DEFINITIONS = {"period": TRAFFIC_DEFINITIONS["period"]}


def _options(name: str, params: dict, options: dict | None = None, unit: str = " of seconds") -> dict:
    out = {}
    for option, (default, low, high) in (OPTIONS.get(name, {}) if options is None else options).items():
        raw = params.get(option) or ""
        if raw == "":
            out[option] = default
            continue
        if not (raw.isascii() and raw.isdigit()) or len(raw) > 7 or not low <= int(raw) <= high:
            raise Invalid(f"{option}: must be a whole number{unit} from {low} to {high}", option)
        out[option] = int(raw)
    return out


def parameters(name: str, paging: bool = True) -> tuple[str, ...]:
    return ("from", "to", "by", *OPTIONS.get(name, {}), *(PAGING if paging else ()))


def report(name: str, params: dict, timezone: str, config: dict | None = None, whole: bool = False) -> dict:
    """One report over days. `config`: what the box is set up with that the report needs:
    {"queues": {number: {name, service_level, wrapup}}, "trunks": {id: {name, max_channels}}}.
    `whole`: every row (an export), not a page of them; paging parameters are then refused."""
    if name not in REPORTS:
        raise NotFound(f"no report {name} (reports: {', '.join(REPORTS)})")
    allowed = parameters(name, paging=not whole)
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        raise Invalid(f"{unknown[0]}: not a parameter of this report ({', '.join(allowed)})", unknown[0])
    by = params.get("by") or "day"
    if by not in BY:
        raise Invalid(f"by: must be one of {', '.join(BY)}", "by")
    first, last = _day(params, "from"), _day(params, "to")
    if first > last:
        raise Invalid("from: must not be after to", "from")
    if (last - first).days + 1 > MAX_DAYS[by]:
        raise Invalid(f"to: at most {MAX_DAYS[by]} days by {by}", "to")
    options = _options(name, params)
    if whole:
        paging = None
    elif any(params.get(k) for k in PAGING):
        paging = _options(name, params, PAGING, "")
    else:
        paging = {"page": 1, "per_page": FIRST_ROWS}
    zone = ZoneInfo(timezone)
    start = dt.datetime.combine(first, dt.time(), zone).timestamp()
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), zone).timestamp()
    build, definitions = BUILDERS[name]
    page = ((paging["page"] - 1) * paging["per_page"], paging["per_page"]) if paging else None
    # A builder that pages itself (the survey, in the database) says how many rows there are in all.
    rows, totals, *counted = build(Range(zone, start, end, by, config or {}, options, page))
    doc = {"name": name, "from": first.isoformat(), "to": last.isoformat(), "by": by, "timezone": timezone,
           **options, "rows": rows, "totals": totals, "definitions": {**COMMON_DEFINITIONS, **definitions}}
    if page:
        if not counted:
            counted, rows = [len(rows)], rows[page[0]:page[0] + page[1]]
        doc.update(rows=rows, **paging, total_rows=counted[0])
    return doc
