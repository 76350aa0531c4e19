"""The daily rollups of the survey report (survey_day), of the agents report's calls (agent_day)
and of the traffic report (traffic_day), kept in the box's time zone.

Their days run from midnight to midnight at one offset from UTC (rollup_offset 'survey_day',
named for the first of them): a zone keeps one offset for months (China always), so triggers on
the hourly rollup add each hour to its day without knowing zones. When the box's zone has another
offset now (another zone, a clock change) the days are made again from the hourly rollup, in one
transaction; until then, and for a range over which the zone's offset is not the rollup's, the
reports read the hours. A month of the survey by day in an 800-seat center is some 100,000 rows
of day, queue and agent: read as they are stored, not added up from 150,000 hours at each
request; a week of the agents report by day 5,600 rows of day and agent, not 30,000 hours; a
year of traffic by month 5,500 rows of day, direction and outcome, not 130,000 hours.
"""

from __future__ import annotations

import datetime as dt
import time

from .db import DAY_FILLS, execute, reports_db, reports_write_lock
from .period import Range

DAY = 86400


def _offset(zone, t: float) -> int:
    return int(dt.datetime.fromtimestamp(t, zone).utcoffset().total_seconds())


def stored() -> int:
    """The offset from UTC, in seconds, of the days survey_day holds."""
    return execute("SELECT seconds FROM rollup_offset WHERE name = 'survey_day'").fetchone()[0]


def sync(zone, now: float | None = None) -> bool:
    """Make the days again in `zone`'s offset now, if it is another one (and whole hours: the
    hourly rollup is what they are made of); whether they were made again."""
    offset = _offset(zone, time.time() if now is None else now)
    if offset % 3600 or offset == stored():
        return False
    with reports_write_lock, reports_db.atomic():
        execute("UPDATE rollup_offset SET seconds = ? WHERE name = 'survey_day'", (offset,))
        for table, fill in DAY_FILLS.items():
            execute(f"DELETE FROM {table}")
            execute(fill)
    return True


def offset_for(r: Range) -> int | None:
    """The days' offset if they serve the report: periods of whole days at that offset, and the
    zone at that offset at every midnight of the range (so each hour is in the day the zone has
    it in); None otherwise."""
    if r.by == "hour" or not r.whole_hours:
        return None
    offset = stored()
    if any((t + offset) % DAY for t in (r.start, r.end, *r.boundaries)):
        return None
    t = r.start
    while t < r.end:
        if _offset(r.zone, t) != offset:
            return None
        t += DAY
    return offset if _offset(r.zone, r.end - 1) == offset else None
