"""The tickets report: tickets made in a period, by kind, category, department or status, with
how many are still open, answered, answered within their deadline or after it, overdue now,
the timeliness (answered on time among those answered that had a deadline) and the average
hours from a ticket to its answer.

A ticket is answered when its status first became answered or closed (`answered_at`, kept by
the service as the history is written). The counts come from the daily rollup (rollup.py), kept
by the service as it writes each ticket, so a year of a busy hotline is a few thousand rows; what
is overdue depends on the time of asking and is counted from the tickets themselves, through the
index that holds the open tickets by deadline (desk.py).
"""

from __future__ import annotations

import datetime as dt

from ..db import db, write_lock
from ..errors import Invalid
from ..reports.reports import _day
from . import categories, clock, desk, rollup

BY = ("kind", "category", "department", "status")
COLUMNS = ("tickets", "open", "answered", "on_time", "late", "overdue", "timeliness", "avg_hours_to_answer")
MAX_DAYS = 3660
DEFINITIONS = {
    "tickets": "tickets made in the period",
    "open": "of them, not yet answered or closed",
    "answered": "answered or closed",
    "on_time": "answered by their deadline",
    "late": "answered after their deadline",
    "overdue": "open and past their deadline now",
    "timeliness": "on time among the answered that had a deadline, in %",
    "avg_hours_to_answer": "hours from the ticket to its answer, on average",
}
_GROUP = {"kind": "kind", "category": "category_id", "department": "department_id", "status": "status"}


def _names(by: str) -> dict:
    if by == "category":
        tree = categories.tree()
        return {cid: categories.path(c, tree) for cid, c in tree.items()}
    if by == "department":
        from ..db.models import Department

        return {d.id: d.name for d in Department.select(Department.id, Department.name)}
    return {}


def report(params: dict, timezone: str, department: int | None = None) -> dict:
    """{from, to, by, rows: [{key, name, ...COLUMNS}], totals, definitions}; department users
    (`department` set) count their department's tickets only."""
    unknown = sorted(set(params) - {"from", "to", "by"})
    if unknown:
        raise Invalid(f"{unknown[0]}: not a parameter of this report (from, to, by)", unknown[0])
    by = params.get("by") or "kind"
    if by not in BY:
        raise Invalid(f"by: must be one of {', '.join(BY)}", "by")
    first, last = _day(params, "from"), _day(params, "to")
    if first > last:
        raise Invalid("from: must not be after to", "from")
    if (last - first).days + 1 > MAX_DAYS:
        raise Invalid(f"to: at most {MAX_DAYS} days", "to")
    from ..box_settings import zone

    tz = zone(timezone)

    def utc(day: dt.date) -> str:  # as the database keeps times: naive UTC, written as peewee writes them
        return str(dt.datetime.combine(day, dt.time(), tz).astimezone(dt.timezone.utc).replace(tzinfo=None))

    _fresh(timezone)
    scope = rollup.EVERYONE if department is None else department
    counted = db.execute_sql(
        "SELECT key, SUM(tickets), SUM(open), SUM(open_timed), SUM(answered), SUM(on_time), SUM(late), SUM(answer_us)"
        " FROM ticket_day WHERE scope = ? AND dimension = ? AND day >= ? AND day <= ?"
        " GROUP BY key HAVING SUM(tickets) > 0", (scope, by, first.isoformat(), last.isoformat())).fetchall()
    not_yet = _not_yet_due(by, utc(first), utc(last + dt.timedelta(days=1)), department)
    typed = (lambda key: int(key) if key else None) if by in ("category", "department") else (lambda key: key)
    names = _names(by)
    rows, totals = [], dict.fromkeys(COLUMNS[:6], 0)
    answer_us = 0
    for key, tickets, open_n, open_timed, answered, on_time, late, spent in counted:
        key = typed(key)
        row = {"key": key, "name": names.get(key, key) if key is not None else None, "tickets": tickets,
               "open": open_n, "answered": answered, "on_time": on_time, "late": late,
               "overdue": open_timed - not_yet.get(key, 0)}
        rows.append({**row, **_rates(row, spent)})
        for column in totals:
            totals[column] += row[column]
        answer_us += spent
    rows.sort(key=lambda r: (-r["tickets"], r["key"] is not None, r["key"] if r["key"] is not None else 0))
    totals.update(_rates(totals, answer_us))
    return {"from": first.isoformat(), "to": last.isoformat(), "by": by, "timezone": timezone, "rows": rows,
            "totals": totals, "definitions": DEFINITIONS}


def _fresh(timezone: str) -> None:
    """The rollup's days in `timezone`: built afresh when it was built in another zone (the box's
    time zone changed) or never (a new database; tickets from before the rollup existed)."""
    if rollup.built_zone() == timezone:
        return
    with write_lock, db.atomic():
        if rollup.built_zone() != timezone:
            rollup.rebuild(timezone)


def _not_yet_due(by: str, start: str, end: str, department: int | None) -> dict:
    """{key: open tickets whose deadline is still to come} of those made from `start` to `end`
    (UTC): the rest of the open tickets that have a deadline are overdue. Read from the desk
    index's range of deadlines from now on, so the long overdue are never read."""
    scope = "AND department_id = ?" if department is not None else ""
    sql = (f"SELECT {_GROUP[by]}, COUNT(*) FROM ticket INDEXED BY ticket_desk WHERE {desk.TIMED} = 1"
           f" AND {desk.DUE} >= ? AND created_at >= ? AND created_at < ? {scope} GROUP BY 1")
    args = [str(clock.now()), start, end] + ([department] if department is not None else [])
    return dict(db.execute_sql(sql, args).fetchall())


def _rates(row: dict, answer_us: int) -> dict:
    """`answer_us`: the microseconds from each answered ticket to its answer, added up."""
    timed = row["on_time"] + row["late"]
    return {"timeliness": round(100 * row["on_time"] / timed, 1) if timed else None,
            "avg_hours_to_answer": round(answer_us / row["answered"] / 3.6e9, 1) if row["answered"] else None}
