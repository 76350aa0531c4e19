"""Reports from call legs: per extension, per trunk, and trunk occupancy.

A leg is one channel of a call (call_leg): a phone's leg is that extension's part in the call,
a trunk's leg one of the trunk's channels. Load in Erlang is connected time per hour (one
Erlang: one channel busy the whole hour); a leg's time counts in each clock hour it spans, so a
long call loads every hour it lasts and not only the one it began in.

Where the zone's hours are UTC hours the reports read hourly rollups (leg_hour, kept by triggers;
trunk_peak_hour, written as hours are over), which outlive the legs; elsewhere the legs.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from .db import CallLeg, CallRecord, execute, execute_many, occupancy_sql, postgresql
from .period import Range

# A leg still up when the range starts began at most this long before it (the longest call the
# box keeps whole: a channel open longer than this is counted from the range's start only if it
# began in this window).
LOOKBACK = 86400.0

EXTENSION_DEFINITIONS = {
    "extension": "the extension (its phone)",
    "calls": "calls in which the extension's phone rang or dialled, counted in the period the leg began",
    "inbound": "of those, calls that came in on a trunk",
    "outbound": "of those, calls out through a trunk",
    "internal": "of those, calls between the box's phones",
    "answered": "calls the extension's phone took part in connected (it answered, or its callee did)",
    "talk_seconds": "time the extension's phone was connected, from answer to hang-up",
    "busy_hour": "the clock hour of the period with the most connected time (its start)",
    "busy_hour_erlang": "connected time in the busy hour / 3600 s: 1.0 is one line busy the whole hour",
}
TRUNK_DEFINITIONS = {
    "trunk": "the trunk's id (trunk_name: its name)",
    "calls": "the trunk's channels that began in the period (a call counts once per channel it used)",
    "inbound": "of those, channels of calls that came in on the trunk",
    "outbound": "of those, channels of calls that went out on the trunk",
    "answered": "channels that were connected",
    "talk_seconds": "time the trunk's channels were connected, from answer to hang-up",
    "busy_hour": "the clock hour of the period with the most connected time (its start)",
    "busy_hour_erlang": "connected time in the busy hour / 3600 s: channels busy on average in that hour",
}
OCCUPANCY_DEFINITIONS = {
    "trunk": "the trunk's id (trunk_name: its name)",
    "peak_channels": "the most channels of the trunk in use at one moment of the period, ringing included "
                     "(a channel in use when the period began counts)",
    "capacity": "the trunk's channel limit (max_channels); empty when it has none",
    "peak_percent": "peak_channels / capacity, in percent; empty without a limit",
    "peak_at": "when the peak was first reached (UTC)",
}


def _legs(r: Range, kind: str):
    """Legs of this kind that overlap the range, with their call's direction."""
    return (CallLeg.select(CallLeg.party, CallLeg.started, CallLeg.answered, CallLeg.ended, CallRecord.direction)
            .join(CallRecord, on=(CallLeg.call_id == CallRecord.id))
            .where(CallLeg.kind == kind, CallLeg.started >= r.start - LOOKBACK, CallLeg.started < r.end,
                   CallLeg.party.is_null(False))
            .tuples().iterator())


def _hour_floor(r: Range, t: float) -> float:
    local = dt.datetime.fromtimestamp(t, r.zone)
    return local.replace(minute=0, second=0, microsecond=0).timestamp()


def _spread(r: Range, load: dict, key, a: float, b: float) -> None:
    """Add the seconds of [a, b) inside the range to each clock hour they fall in."""
    a, b = max(a, r.start), min(b, r.end)
    h = _hour_floor(r, a) if a < b else b
    while h < b:
        seconds = min(b, h + 3600) - max(a, h)
        if seconds > 0:
            load[key][h] += seconds
        h += 3600


def _busy_hours(r: Range, load: dict) -> dict:
    """(period, party) -> (busy hour start, Erlang) from per-hour connected seconds."""
    best: dict = {}
    periods: dict = {}  # an hour's period and label, worked out once for all parties
    for party, hours in load.items():
        for h, seconds in hours.items():
            k = (periods.get(h) or periods.setdefault(h, r.period(h)), party)
            # the earliest of hours as busy as each other (rows come in no set order)
            found = best.get(k)
            if found is None or seconds > found[1] or (seconds == found[1] and h < found[0]):
                best[k] = (h, seconds)
    labels: dict = {}
    return {k: (labels.get(h) or labels.setdefault(h, r.local_label(h)), round(s / 3600, 3))
            for k, (h, s) in best.items()}


def _new_row(directions: tuple[str, ...]) -> dict:
    return {"calls": 0, **{d: 0 for d in directions}, "answered": 0, "talk_seconds": 0.0}


def _from_rollup(r: Range, kind: str, directions: tuple[str, ...], rows: dict, load: dict) -> None:
    """leg_hour: per hour and party, the legs that began in it (by direction, answered, talk) and
    the connected seconds that fell in it."""
    periods: dict = {}
    empty = _new_row(directions)
    counted = [(i, d) for i, d in enumerate(("inbound", "outbound", "internal")) if d in directions]
    for hour, party, calls, inbound, outbound, internal, answered, talk, seconds in execute(
            "SELECT hour, party, calls, inbound, outbound, internal, answered, talk, load_seconds FROM leg_hour "
            "WHERE kind = ? AND hour >= ? AND hour < ?", (kind, *r.hours())):
        if seconds > 0:
            load[party][hour * 3600.0] += seconds
        if calls <= 0:
            continue
        period = periods.get(hour) or periods.setdefault(hour, r.period(hour * 3600))
        row = rows.get((period, party))
        if row is None:
            row = rows[(period, party)] = dict(empty)
        row["calls"] += calls
        by_direction = (inbound, outbound, internal)
        for i, direction in counted:
            row[direction] += by_direction[i]
        row["answered"] += answered
        row["talk_seconds"] += talk


def _from_legs(r: Range, kind: str, directions: tuple[str, ...], rows: dict, load: dict) -> None:
    for party, started, answered, ended, direction in _legs(r, kind):
        if answered is not None and ended is not None:
            _spread(r, load, party, answered, ended)
        if not r.start <= started < r.end:
            continue
        k = (r.period(started), party)
        row = rows.get(k)
        if row is None:
            row = rows[k] = _new_row(directions)
        row["calls"] += 1
        if direction in directions:
            row[direction] += 1
        if answered is not None:
            row["answered"] += 1
            row["talk_seconds"] += max(0.0, (ended or answered) - answered)


def _per_party(r: Range, kind: str, name: str, directions: tuple[str, ...], label=lambda p: {}) -> tuple:
    rows: dict = {}
    load: dict = defaultdict(lambda: defaultdict(float))
    (_from_rollup if r.whole_hours else _from_legs)(r, kind, directions, rows, load)
    busy = _busy_hours(r, load)
    out = []
    order = {party: _order(party) for _, party in rows}
    for (period, party), row in sorted(rows.items(), key=lambda kv: (kv[0][0], order[kv[0][1]])):
        hour, erlang = busy.get((period, party), (None, 0.0))
        out.append({"period": period, name: party, **label(party), **row,
                    "talk_seconds": round(row["talk_seconds"], 1), "busy_hour": hour, "busy_hour_erlang": erlang})
    totals = {k: 0 for k in ("calls", *directions, "answered")}
    totals["talk_seconds"] = 0.0
    for row in out:
        for k in totals:
            totals[k] += row[k]
    totals["talk_seconds"] = round(totals["talk_seconds"], 1)
    # The box's busy hour over the whole range, all parties together.
    hours: dict = defaultdict(float)
    for per_hour in load.values():
        for h, s in per_hour.items():
            hours[h] += s
    if hours:
        h = max(hours, key=lambda x: (hours[x], -x))
        totals["busy_hour"], totals["busy_hour_erlang"] = r.local_label(h), round(hours[h] / 3600, 3)
    else:
        totals["busy_hour"], totals["busy_hour_erlang"] = None, 0.0
    return out, totals


def _order(party: str):
    return (0, int(party), party) if party.isdigit() else (1, 0, party)


def extensions(r: Range) -> tuple[list[dict], dict]:
    return _per_party(r, "phone", "extension", ("inbound", "outbound", "internal"))


def _trunk_label(r: Range):
    trunks = r.config.get("trunks", {})
    return lambda party: {"trunk_name": trunks.get(party, {}).get("name")}


def trunks(r: Range) -> tuple[list[dict], dict]:
    return _per_party(r, "trunk", "trunk", ("inbound", "outbound"), _trunk_label(r))


def _hourly_peaks(lo: int, hi: int):
    """(hour, trunk, peak, first reached) of the hours [lo, hi), counted from the legs."""
    if lo >= hi:
        return []
    return execute(occupancy_sql(postgresql(), str(int(lo)), str(int(hi)))).fetchall()


def horizon() -> int:
    """The first hour whose trunk peaks are not written yet."""
    row = execute("SELECT hour FROM rollup_horizon WHERE name = 'trunk_peak_hour'").fetchone()
    return int(row[0]) if row else 0


def roll_occupancy(settled: float) -> int:
    """Write the trunk peaks of the hours over before `settled` (no channel can be added to them
    any more) that are not written yet, in the caller's transaction; returns the new horizon."""
    lo, hi = horizon(), int(settled // 3600)
    if hi <= lo:
        return lo
    first = execute("SELECT MIN(started) FROM call_leg WHERE kind = 'trunk' AND started >= ?",
                    (lo * 3600 - LOOKBACK,)).fetchone()[0]
    if first is not None:
        rows = _hourly_peaks(max(lo, int(first // 3600)), hi)
        execute_many("INSERT INTO trunk_peak_hour (hour, trunk, peak, peak_at) VALUES (?, ?, ?, ?)", rows)
    execute("INSERT INTO rollup_horizon (name, hour) VALUES ('trunk_peak_hour', ?) "
            "ON CONFLICT (name) DO UPDATE SET hour = excluded.hour", (hi,))
    return hi


def _peaks_from_hours(r: Range) -> dict:
    """A period's peak is its hours' highest, first reached at the earliest of them: written hours
    from trunk_peak_hour, the rest counted from the legs."""
    lo, hi = r.hours()
    written = horizon()
    hours = list(execute("SELECT hour, trunk, peak, peak_at FROM trunk_peak_hour WHERE hour >= ? AND hour < ?",
                         (lo, min(hi, written))))
    hours += _hourly_peaks(max(lo, written), hi)
    peaks: dict = {}
    periods: dict = {}
    for hour, party, peak, at in hours:
        k = (periods.get(hour) or periods.setdefault(hour, r.period(hour * 3600)), party)
        best = peaks.get(k)
        if best is None or peak > best[0] or (peak == best[0] and at < best[1]):
            peaks[k] = (peak, at)
    return peaks


def _peaks_from_legs(r: Range) -> dict:
    """The peak of channels in use per trunk and period, by a sweep over the legs' starts and ends."""
    marks = []  # (time, order, party, delta): ends before starts at the same instant
    for party, started, _answered, ended, _direction in _legs(r, "trunk"):
        end = ended if ended is not None else started
        if end < r.start:
            continue
        marks.append((started, 1, party, 1))
        marks.append((end, 0, party, -1))
    marks.sort()
    bounds = [r.start, *r.boundaries]
    in_use: dict = defaultdict(int)
    peaks: dict = {}

    def note(t: float, party: str) -> None:
        k = (r.period(t), party)
        if in_use[party] > peaks.get(k, (0, None))[0]:
            peaks[k] = (in_use[party], t)

    b = 0
    for t, _order_, party, delta in marks:
        while b < len(bounds) and bounds[b] < t:  # a period begins with the channels still up
            for p, n in in_use.items():
                if n:
                    note(bounds[b], p)
            b += 1
        in_use[party] += delta
        if delta > 0 and r.start <= t < r.end:
            note(t, party)
    return peaks


def trunk_occupancy(r: Range) -> tuple[list[dict], dict]:
    peaks = _peaks_from_hours(r) if r.whole_hours else _peaks_from_legs(r)
    label = _trunk_label(r)
    capacity = {p: c.get("max_channels") for p, c in r.config.get("trunks", {}).items()}
    out = []
    for (period, party), (peak, at) in sorted(peaks.items(), key=lambda kv: (kv[0][0], _order(kv[0][1]))):
        cap = capacity.get(party)
        out.append({"period": period, "trunk": party, **label(party), "peak_channels": peak, "capacity": cap,
                    "peak_percent": round(100.0 * peak / cap, 1) if cap else None,
                    "peak_at": dt.datetime.fromtimestamp(at, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")})
    totals = {"peak_channels": max((row["peak_channels"] for row in out), default=0)}
    return out, totals
