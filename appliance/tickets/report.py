"""The tickets report: tickets made in a period, by kind, category, department or status, with
how many are still open, answered, answered within their deadline or after it, overdue now,
the timeliness (answered on time among those answered that had a deadline) and the average
hours from a ticket to its answer.

A ticket is answered when its status first became answered or closed (`answered_at`, kept by
the service as the history is written). Counted in one SQL statement over the config database
(SQLite), so a year of a busy hotline's tickets is read without loading them.
"""

from __future__ import annotations

import datetime as dt

from ..db import db
from ..errors import Invalid
from ..reports.reports import _day
from . import categories, clock, statuses

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
_GROUP = {"kind": "t.kind", "category": "t.category_id", "department": "t.department_id", "status": "t.status"}


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

    open_ = ", ".join("?" * len(statuses.OPEN))
    scope = "AND t.department_id = ?" if department is not None else ""
    sql = f"""
        SELECT {_GROUP[by]} AS key, COUNT(*),
               SUM(t.status IN ({open_})),
               SUM(t.answered_at IS NOT NULL),
               SUM(t.answered_at IS NOT NULL AND t.deadline IS NOT NULL AND t.answered_at <= t.deadline),
               SUM(t.answered_at IS NOT NULL AND t.deadline IS NOT NULL AND t.answered_at > t.deadline),
               SUM(t.status IN ({open_}) AND t.deadline IS NOT NULL AND t.deadline < ?),
               AVG((julianday(t.answered_at) - julianday(t.created_at)) * 24)
        FROM ticket t WHERE t.created_at >= ? AND t.created_at < ? {scope}
        GROUP BY key ORDER BY COUNT(*) DESC, key"""
    args = [*statuses.OPEN, *statuses.OPEN, str(clock.now()), utc(first), utc(last + dt.timedelta(days=1))]
    if department is not None:
        args.append(department)
    names = _names(by)
    rows, totals = [], dict.fromkeys(COLUMNS[:6], 0)
    hours_sum = 0.0
    for key, tickets, open_n, answered, on_time, late, overdue, avg in db.execute_sql(sql, args).fetchall():
        row = {"key": key, "name": names.get(key, key) if key is not None else None, "tickets": tickets,
               "open": open_n or 0, "answered": answered or 0, "on_time": on_time or 0, "late": late or 0,
               "overdue": overdue or 0}
        rows.append({**row, **_rates(row, avg)})
        for column in totals:
            totals[column] += row[column]
        hours_sum += (avg or 0) * row["answered"]
    totals.update(_rates(totals, hours_sum / totals["answered"] if totals["answered"] else None))
    return {"from": first.isoformat(), "to": last.isoformat(), "by": by, "timezone": timezone, "rows": rows,
            "totals": totals, "definitions": DEFINITIONS}


def _rates(row: dict, avg_hours) -> dict:
    timed = row["on_time"] + row["late"]
    return {"timeliness": round(100 * row["on_time"] / timed, 1) if timed else None,
            "avg_hours_to_answer": round(avg_hours, 1) if avg_hours is not None else None}
