"""The call log: call records found by filters, paged, in an allowed order.

Every filter is checked before a query runs (a clear error names the parameter), values
reach SQL only as parameters, and the only columns one may sort by are those in SORTS, each
backed by an index: a page of the log stays one indexed query however large the store.

`total` would be a count of every matching record, which grows with the store. Filtered by days,
direction and outcome only (the page as it opens), it is added up from the hourly traffic rollup
(traffic_hour: every record counted as it was written) over whole hours, and counted from the
records in the first hour that still has records only (retention deletes the oldest first);
other filters count matching records up to COUNT_CAP and say `"total_capped": true` past it.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

from .. import box_settings
from ..errors import Forbidden, Invalid, NotFound
from . import stats
from .calls import DIRECTIONS, OUTCOMES
from .db import CallLeg, CallParty, CallRecord, QueueCall, Recording, execute

MAX_PER_PAGE = 500
COUNT_CAP = 10_000
ROLLUP_FILTERS = {"page", "per_page", "sort", "days", "from", "to", "direction", "outcome"}
PARTY_FILTERS = {"page", "per_page", "sort", "days", "from", "to", "extension"}
MAX_DAYS = 3660
SORTS = {"start": CallRecord.started, "end": CallRecord.ended, "wait_seconds": CallRecord.wait,
         "talk_seconds": CallRecord.talk, "hold_seconds": CallRecord.hold, "direction": CallRecord.direction,
         "outcome": CallRecord.outcome, "from": CallRecord.from_number, "to": CallRecord.to_number}
FILTERS = ("page", "per_page", "sort", "days", "from", "to", "direction", "extension", "trunk", "queue", "number",
           "outcome")
COLUMNS = ("id", "start", "answer", "end", "direction", "from", "from_name", "to", "did", "trunk", "path",
           "answered_by", "wait_seconds", "talk_seconds", "hold_seconds", "transfers", "outcome", "recording",
           "survey")
_DIGITS = re.compile(r"^[0-9]{1,20}$")
_NUMBER = re.compile(r"^\+?[0-9 ()./\-]{1,40}$")


def _whole(params: dict, name: str, default: int, low: int, high: int) -> int:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 9:
        raise Invalid(f"{name}: must be a whole number", name)
    value = int(raw)
    if not low <= value <= high:
        raise Invalid(f"{name}: must be from {low} to {high}", name)
    return value


def _day(params: dict, name: str) -> dt.date | None:
    raw = params.get(name)
    if not raw:
        return None
    if len(raw) == 10:  # fromisoformat takes other forms too (20250630, 2025-W26)
        try:
            return dt.date.fromisoformat(raw)
        except ValueError:
            pass
    raise Invalid(f"{name}: must be a day such as 2025-06-30", name)


def _one_of(params: dict, name: str, allowed) -> str | None:
    raw = params.get(name)
    if not raw:
        return None
    if raw not in allowed:
        raise Invalid(f"{name}: must be one of {', '.join(allowed)}", name)
    return raw


def _digits(params: dict, name: str) -> str | None:
    raw = params.get(name)
    if not raw:
        return None
    if not _DIGITS.match(raw):
        raise Invalid(f"{name}: must be digits", name)
    return raw


def query(params: dict, timezone: str, key, *, own: str | None = None, now: dt.datetime | None = None) -> dict:
    """One page of the log. `params`: the request's query (strings); `key` normalises a number;
    `own`: an agent's extension (only the calls they took part in)."""
    page = _whole(params, "page", 1, 1, 10**9)
    per_page = _whole(params, "per_page", 50, 1, MAX_PER_PAGE)
    q, order = filtered(params, timezone, key, own=own, now=now)
    total, capped = _total(q, params, timezone, own, now)
    offset = (page - 1) * per_page
    if offset > total // 2 and offset < total:
        # Past the middle, the page is read from the other end: SQLite walks an OFFSET row by
        # row, and the last page of ten million records would walk all of them.
        n = min(per_page, total - offset)
        back = [o.node.desc() if o.direction == "ASC" else o.node.asc() for o in order]
        rows = list(q.order_by(*back).offset(total - offset - n).limit(n))[::-1]
    else:
        rows = list(q.order_by(*order).offset(offset).limit(per_page))
    extras = _extras([r.id for r in rows])
    doc = {"items": [to_dict(r, *extras.get(r.id, (None, None))) for r in rows], "total": total, "page": page,
           "per_page": per_page}
    if capped:
        doc["total_capped"] = True  # there are more than `total`
    return doc


def _total(q, params: dict, timezone: str, own: str | None, now) -> tuple[int, bool]:
    """How many records match, and whether counting stopped at COUNT_CAP."""
    if own is None and set(params) <= ROLLUP_FILTERS:
        start, end = _bounds(params, timezone, now)
        zone = box_settings.zone(timezone)
        if all(t is None or dt.datetime.fromtimestamp(t, zone).utcoffset().total_seconds() % 3600 == 0
               for t in (start, end)):
            return _total_from_rollup(start, end, params.get("direction") or None, params.get("outcome") or None), False
    extension = own or params.get("extension")
    if extension and set(params) <= PARTY_FILTERS:
        # An extension's calls over days, from the parties' (extension, started) index alone: a
        # party is written and deleted with its call's record, and starts when it does. Through
        # the records, counting up to the cap looked up every one of them.
        start, end = _bounds(params, timezone, now)
        where, args = "extension = ?", [extension]
        for bound, value in ((">=", start), ("<", end)):
            if value is not None:
                where += f" AND started {bound} ?"
                args.append(value)
        found = execute(f"SELECT COUNT(*) FROM (SELECT 1 FROM call_party WHERE {where} LIMIT ?) AS found",
                        (*args, COUNT_CAP + 1)).fetchone()[0]
    else:
        found = q.select(CallRecord.id).limit(COUNT_CAP + 1).count()
    return min(found, COUNT_CAP), found > COUNT_CAP


def _total_from_rollup(start: float | None, end: float | None, direction: str | None, outcome: str | None) -> int:
    """Records in [start, end) (whole hours, or open) of a direction and outcome: the first hour that
    still has records counted from them, the hours after it from traffic_hour."""
    oldest = execute("SELECT MIN(started) FROM call_record").fetchone()[0]
    if oldest is None:
        return 0
    first = max(oldest, start) if start is not None else oldest
    after = (int(first // 3600) + 1) * 3600
    if end is not None and after > end:
        after = end
    if end is not None and first >= end:
        return 0
    where, args = "", []
    for column, value in (("direction", direction), ("outcome", outcome)):
        if value is not None:
            where += f" AND {column} = ?"
            args.append(value)
    n = execute(f"SELECT COUNT(*) FROM call_record WHERE started >= ? AND started < ?{where}",
                (first, after, *args)).fetchone()[0]
    hours = "hour >= ?" + (" AND hour < ?" if end is not None else "")
    bounds = [int(after // 3600)] + ([int(end // 3600)] if end is not None else [])
    summed = execute(f"SELECT SUM(calls) FROM traffic_hour WHERE {hours}{where}", (*bounds, *args)).fetchone()[0]
    return int(n + (summed or 0))


def everything(params: dict, timezone: str, key, *, own: str | None = None, chunk: int = 500):
    """Every call the filters find (page and per_page aside), in their order, as dicts: read a chunk
    at a time, so that an export of a year holds no more than a chunk in memory."""
    q, order = filtered(params, timezone, key, own=own)
    batch: list = []
    for r in q.order_by(*order).iterator():
        batch.append(r)
        if len(batch) == chunk:
            yield from _with_extras(batch)
            batch = []
    yield from _with_extras(batch)


def _with_extras(rows: list) -> list[dict]:
    extras = _extras([r.id for r in rows])
    return [to_dict(r, *extras.get(r.id, (None, None))) for r in rows]


def filtered(params: dict, timezone: str, key, *, own: str | None = None, now: dt.datetime | None = None):
    """The records the filters select and the order asked for, every parameter checked."""
    unknown = sorted(set(params) - set(FILTERS))
    if unknown:
        raise Invalid(f"{unknown[0]}: not a filter of the call log (filters: {', '.join(FILTERS)})", unknown[0])
    _whole(params, "page", 1, 1, 10**9)
    _whole(params, "per_page", 50, 1, MAX_PER_PAGE)
    sort = params.get("sort") or "-start"
    column = SORTS.get(sort.removeprefix("-"))
    if column is None:
        raise Invalid(f"sort: must be one of {', '.join(SORTS)} (with - for newest or largest first)", "sort")
    order = (column.desc(), CallRecord.id.desc()) if sort.startswith("-") else (column.asc(), CallRecord.id.desc())

    q = CallRecord.select()
    start, end = _bounds(params, timezone, now)
    if start is not None:
        q = q.where(CallRecord.started >= start)
    if end is not None:
        q = q.where(CallRecord.started < end)
    direction = _one_of(params, "direction", DIRECTIONS)
    if direction:
        q = q.where(CallRecord.direction == direction)
    outcome = _one_of(params, "outcome", OUTCOMES)
    if outcome:
        q = q.where(CallRecord.outcome == outcome)
    trunk = _whole(params, "trunk", 0, 1, 10**9)
    if trunk:
        q = q.where(CallRecord.trunk == trunk)
    queue = _digits(params, "queue")
    if queue:
        q = q.where(CallRecord.queue == queue)
    number = params.get("number")
    if number:
        if not _NUMBER.match(number) or not any(c.isdigit() for c in number):
            raise Invalid("number: must be a phone number (digits, + - ( ) . and spaces)", "number")
        k = key(number)
        q = q.where((CallRecord.from_key == k) | (CallRecord.to_key == k))
    extension = _digits(params, "extension")
    if own is not None:
        if extension and extension != own:
            raise Forbidden("agents see their own calls only")
        extension = own
    if extension:
        # Through the parties' (extension, started) index: a page of an extension's calls in time
        # order without reading every one of them first (a party's start is its call's).
        q = q.join(CallParty, on=(CallParty.call_id == CallRecord.id)).where(CallParty.extension == extension)
        if column is CallRecord.started:
            order = (CallParty.started.desc() if sort.startswith("-") else CallParty.started.asc(), order[1])
    return q, order


def _bounds(params: dict, timezone: str, now: dt.datetime | None) -> tuple[float | None, float | None]:
    """The days asked for as [start, end) in Unix time (None: open)."""
    days = _whole(params, "days", 0, 1, MAX_DAYS)
    first, last = _day(params, "from"), _day(params, "to")
    if days and (first or last):
        raise Invalid("days: give either days or from and to", "days")
    if first and last and first > last:
        raise Invalid("from: must not be after to", "from")
    if days:
        today = (now or dt.datetime.now(dt.timezone.utc)).astimezone(box_settings.zone(timezone)).date()
        first = today - dt.timedelta(days=days - 1)
    return (stats.date_start(timezone, first) if first is not None else None,
            stats.date_start(timezone, last + dt.timedelta(days=1)) if last is not None else None)


def _extras(ids: list[str]) -> dict[str, tuple[str | None, int | None]]:
    """Each call's recording (one that can still be played) and survey score, found by its channels."""
    if not ids:
        return {}
    legs: dict[str, str] = {leg.uniqueid: leg.call_id for leg in CallLeg.select(CallLeg.uniqueid, CallLeg.call_id)
                            .where(CallLeg.call_id.in_(ids))}
    found: dict[str, list] = {i: [None, None] for i in ids}
    uids = list(legs)
    for r in Recording.select().where(Recording.callid.in_(uids)):
        if Path(r.path).is_file() and found[legs[r.callid]][0] is None:
            found[legs[r.callid]][0] = r.callid
    for c in QueueCall.select(QueueCall.callid, QueueCall.survey).where(QueueCall.callid.in_(uids),
                                                                         QueueCall.survey.is_null(False)):
        found[legs[c.callid]][1] = c.survey
    return {i: tuple(v) for i, v in found.items()}


def recording_of(call_id: str) -> str | None:
    """The id of a call's recording that can still be played (its record may not be written yet)."""
    found = _extras([call_id]).get(call_id, (None, None))[0]
    if found is None:
        r = Recording.get_or_none(Recording.callid == call_id)
        found = r.callid if r is not None and Path(r.path).is_file() else None
    return found


def record_of(call_id: str) -> str | None:
    """The id of the call record `call_id` (a record's id or one of its channels') belongs to.
    A queue call just ended has its queue log row before its record: its id is the record's to be."""
    if CallRecord.select().where(CallRecord.id == call_id).exists():
        return call_id
    leg = CallLeg.get_or_none(CallLeg.uniqueid == call_id)
    if leg is not None:
        return leg.call_id
    return call_id if QueueCall.select().where(QueueCall.callid == call_id).exists() else None


def iso(t: float | None) -> str | None:
    if t is None:
        return None
    return dt.datetime.fromtimestamp(t, dt.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def to_dict(r: CallRecord, recording: str | None = None, survey: int | None = None) -> dict:
    return {"id": r.id, "start": iso(r.started), "answer": iso(r.answered), "end": iso(r.ended),
            "direction": r.direction, "from": r.from_number, "from_name": r.from_name, "to": r.to_number,
            "did": r.did, "trunk": r.trunk, "path": json.loads(r.path), "answered_by": r.answered_by,
            "wait_seconds": r.wait, "talk_seconds": r.talk, "hold_seconds": r.hold,
            "transfers": json.loads(r.transfers), "outcome": r.outcome, "recording": recording, "survey": survey}


def detail(call_id: str, *, own: str | None = None) -> dict:
    """One call with its legs (one per channel)."""
    r = CallRecord.get_or_none(CallRecord.id == call_id)
    if r is None or (own is not None and not CallParty.select().where(CallParty.call_id == call_id,
                                                                       CallParty.extension == own).exists()):
        raise NotFound(f"no call {call_id}")
    recording, survey = _extras([r.id]).get(r.id, (None, None))
    legs = CallLeg.select().where(CallLeg.call_id == call_id).order_by(CallLeg.started)
    return {**to_dict(r, recording, survey),
            "legs": [{"id": leg.uniqueid, "channel": leg.channel, "kind": leg.kind, "party": leg.party,
                      "start": iso(leg.started), "answer": iso(leg.answered), "end": iso(leg.ended),
                      "hangup_cause": leg.cause, "dial_status": leg.dialstatus} for leg in legs]}


MAX_RECENT = 100


def recent(extension: str, params: dict) -> dict:
    """An extension's last calls, newest first (`limit`, at most MAX_RECENT), each as that extension
    saw it: out (its phone placed it), in (its phone or its follow-me answered it) or missed (it rang
    there and was not answered there, whoever took it after), with the number and name at the other end."""
    unknown = sorted(set(params) - {"limit"})
    if unknown:
        raise Invalid(f"{unknown[0]}: not a parameter of recent calls (only limit)", unknown[0])
    limit = _whole(params, "limit", 20, 1, MAX_RECENT)
    ids = [p.call_id for p in CallParty.select(CallParty.call_id).where(CallParty.extension == extension)
           .order_by(CallParty.started.desc()).limit(limit)]
    records = {r.id: r for r in CallRecord.select().where(CallRecord.id.in_(ids))}
    # Taken there: on its phone, or on one of its follow-me numbers (a Local channel of its
    # callbox-follow-<extension> context, see dialplan.py).
    mine = (CallLeg.kind == "phone") & (CallLeg.party == extension)
    follow = CallLeg.channel.startswith("Local/") & CallLeg.channel.contains(f"@callbox-follow-{extension}-")
    took = {leg.call_id for leg in CallLeg.select(CallLeg.call_id).where(
        CallLeg.call_id.in_(ids), mine | follow, CallLeg.answered.is_null(False))}
    items = []
    for call_id in ids:
        r = records.get(call_id)
        if r is None:
            continue
        placed = r.from_number == extension and r.direction != "inbound"
        kind = "out" if placed else "in" if call_id in took else "missed"
        number, name = (r.to_number, None) if kind == "out" else (r.from_number, r.from_name)
        items.append({"id": r.id, "start": iso(r.started), "kind": kind, "number": number, "name": name,
                      "talk_seconds": r.talk, "outcome": r.outcome})
    return {"items": items}
