"""Periods of a report: hours, days, weeks (from Monday) or months in the box's time zone.

A call counts in the period in which it began; a day boundary is local midnight, not UTC's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from zoneinfo import ZoneInfo

BY = ("hour", "day", "week", "month")


def period_of(local: dt.datetime, by: str) -> str:
    # Formatted from the fields: strftime was most of a year-long report's time (one call per hour).
    if by == "hour":
        return f"{local.year:04d}-{local.month:02d}-{local.day:02d} {local.hour:02d}:00"
    if by == "day":
        return f"{local.year:04d}-{local.month:02d}-{local.day:02d}"
    if by == "week":
        return (local.date() - dt.timedelta(days=local.weekday())).isoformat()
    return f"{local.year:04d}-{local.month:02d}"


def _hours(start: float, end: float):
    """Each hour from start to end, stepped in UTC (a day with a clock change has 23 or 25)."""
    t = dt.datetime.fromtimestamp(start, dt.timezone.utc)
    stop = dt.datetime.fromtimestamp(end, dt.timezone.utc)
    while t < stop:
        yield t
        t += dt.timedelta(hours=1)


@lru_cache(maxsize=32)
def _walk(zone: ZoneInfo, start: float, end: float, by: str) -> tuple[tuple[str, ...], tuple[float, ...]]:
    """Every period between two instants, in order, and the instant each after the first begins: one
    walk over the hours for both (a year is 8,760 of them), kept for the next report of the range."""
    labels, bounds, last = [], [], None
    for t in _hours(start, end):
        label = period_of(t.astimezone(zone), by)
        if label != last:
            if last is not None:
                bounds.append(t.timestamp())
            labels.append(label)
            last = label
    return tuple(dict.fromkeys(labels)), tuple(bounds)


def periods(zone: ZoneInfo, start: float, end: float, by: str) -> list[str]:
    """Every period between two instants, in order."""
    return list(_walk(zone, start, end, by)[0])


@dataclass
class Range:
    """What a report is over: [start, end) in Unix time, its zone and periods, the box's
    configuration it needs (queues' thresholds, trunks' names and limits) and its options."""

    zone: ZoneInfo
    start: float
    end: float
    by: str
    config: dict = field(default_factory=dict)
    options: dict = field(default_factory=dict)
    # One page of the rows, (first row, rows) counted from 0, or all of them (None).
    page: tuple[int, int] | None = None

    def period(self, t: float) -> str:
        return period_of(dt.datetime.fromtimestamp(t, self.zone), self.by)

    def periods(self) -> list[str]:
        return periods(self.zone, self.start, self.end, self.by)

    @cached_property
    def boundaries(self) -> list[float]:
        """The instants at which each period after the first begins."""
        return list(_walk(self.zone, self.start, self.end, self.by)[1])

    @cached_property
    def whole_hours(self) -> bool:
        """Whether the zone's local hours are UTC hours over the range (not so in India or Nepal):
        then a report can count from hourly rollups."""
        return all(dt.datetime.fromtimestamp(t, self.zone).utcoffset().total_seconds() % 3600 == 0
                   for t in (self.start, self.end - 1, *self.boundaries))

    def hours(self) -> tuple[int, int]:
        """The rollup hours of the range: [first, last) in hours since 1970."""
        return self.units()

    def units(self, seconds: int = 3600, offset: int = 0) -> tuple[int, int]:
        """The rollup units of the range (hours; or days at `offset` seconds from UTC): [first, last)."""
        return int((self.start + offset) // seconds), int(-(-(self.end + offset) // seconds))

    def bucket(self, column: str = "hour", seconds: int = 3600, offset: int = 0) -> tuple[str, list[int], object]:
        """For a rollup read in whole units (hours in `column`, or days at `offset` seconds from
        UTC): an SQL expression numbering the period of its row (so the database adds a period's
        units up; the column itself where a unit is a period), its parameters, and the start of
        period n."""
        if (self.by, seconds) in (("hour", 3600), ("day", 86400)):
            return column, [], lambda n: n * float(seconds) - offset
        starts = [self.start, *self.boundaries]
        if len(starts) == 1:
            return "0", [], lambda n: starts[0]
        sql = "CASE " + f"WHEN {column} < ? THEN ? " * (len(starts) - 1) + "ELSE ? END"
        params = [v for i, t in enumerate(starts[1:]) for v in (int((t + offset) // seconds), i)] + [len(starts) - 1]
        return sql, params, lambda n: starts[int(n)]

    def local_label(self, t: float) -> str:
        return dt.datetime.fromtimestamp(t, self.zone).strftime("%Y-%m-%d %H:00")
