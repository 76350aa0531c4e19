"""The tickets report's daily rollup: per day (in the box's time zone) and per kind, category,
department and status, how many tickets were made, are open, answered, answered on time or late,
and the time they took to their answer; once for all tickets and once per department (what a
department user's report counts).

A year of a busy hotline is 100,000 tickets: the report sums a few thousand of these rows instead
of reading every ticket. The rows are kept exact by the service, in the same transaction as each
ticket it writes: a ticket's old share is taken out and its new one put in (changed()), so a
status, category, deadline or department change moves it at once. What depends on the time of the
question is kept as the open tickets that have a deadline (open_timed): the report takes away
those whose deadline is still to come, few, to count the overdue ones.

The days are those of the time zone the rollup was built in (ticket_rollup.zone). The report
rebuilds the rollup from the tickets when the box's time zone is another one, or when it was never
built (a new database, tickets written straight into it); until then, changes leave it alone.
"""

from __future__ import annotations

import datetime as dt
import logging
import time

from ..box_settings import zone as zone_of
from ..db import db
from ..db.models import Ticket
from ..log import kv
from . import statuses

log = logging.getLogger(__name__)

DIMENSIONS = ("kind", "category", "department", "status")
#: The counts of a row, as the table names them.
COUNTS = ("tickets", "open", "open_timed", "answered", "on_time", "late", "answer_us")
#: The `scope` of the rows that count every ticket (department rows have the department's id).
EVERYONE = 0


def _key(ticket: Ticket, dimension: str) -> str:
    """A ticket's group in `dimension` as the table keeps it: text, '' for none (no category)."""
    value = {"kind": ticket.kind, "category": ticket.category_id, "department": ticket.department_id,
             "status": ticket.status}[dimension]
    return "" if value is None else str(value)


def share(ticket: Ticket, zone: dt.tzinfo) -> dict[tuple, tuple]:
    """{(scope, dimension, day, key): counts} that one ticket adds to the rollup."""
    answered = ticket.answered_at is not None
    timed = answered and ticket.deadline is not None
    open_ = ticket.status in statuses.OPEN
    counts = (1, int(open_), int(open_ and ticket.deadline is not None), int(answered),
              int(timed and ticket.answered_at <= ticket.deadline), int(timed and ticket.answered_at > ticket.deadline),
              _microseconds(ticket.answered_at - ticket.created_at) if answered else 0)
    day = ticket.created_at.replace(tzinfo=dt.timezone.utc).astimezone(zone).date().isoformat()
    scopes = (EVERYONE,) if ticket.department_id is None else (EVERYONE, ticket.department_id)
    return {(scope, dimension, day, _key(ticket, dimension)): counts for scope in scopes for dimension in DIMENSIONS}


def _microseconds(delta: dt.timedelta) -> int:
    """Whole numbers: sums taken out and put back again stay exact."""
    return (delta.days * 86400 + delta.seconds) * 10**6 + delta.microseconds


def built_zone() -> str | None:
    """The time zone the rollup's days are in; None when it has not been built."""
    row = db.execute_sql("SELECT zone FROM ticket_rollup").fetchone()
    return row[0] if row else None


def _add(rows: dict[tuple, tuple]) -> None:
    values = [(*key, *counts) for key, counts in rows.items()]
    db.cursor().executemany(
        "INSERT INTO ticket_day (scope, dimension, day, key, tickets, open, open_timed, answered, on_time, late,"
        " answer_us) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (scope, dimension, day, key) DO UPDATE SET"
        " tickets = tickets + excluded.tickets, open = open + excluded.open, open_timed = open_timed + excluded.open_timed,"
        " answered = answered + excluded.answered, on_time = on_time + excluded.on_time,"
        " late = late + excluded.late, answer_us = answer_us + excluded.answer_us", values)


def changed(before: Ticket | None, after: Ticket | None) -> None:
    """Move one ticket's share from what it was (`before`; None for a new ticket) to what it is.
    Called by the service in the transaction (under the write lock) that writes the ticket."""
    name = built_zone()
    if name is None:
        return  # never built: the report builds it from the tickets when it is first asked
    zone = zone_of(name)
    old = share(before, zone) if before is not None else {}
    new = share(after, zone) if after is not None else {}
    if old == new:
        return
    delta: dict[tuple, tuple] = {}
    for rows, sign in ((old, -1), (new, 1)):
        for key, counts in rows.items():
            delta[key] = tuple(a + sign * b for a, b in zip(delta.get(key, (0,) * len(COUNTS)), counts))
    _add({k: v for k, v in delta.items() if any(v)})
    db.execute_sql("DELETE FROM ticket_day WHERE tickets = 0")


def rebuild(timezone: str) -> None:
    """The rollup from every ticket, its days in `timezone`. Under the write lock, in a transaction."""
    started = time.monotonic()
    zone = zone_of(timezone)
    totals: dict[tuple, list] = {}
    fields = (Ticket.id, Ticket.kind, Ticket.category, Ticket.department, Ticket.status, Ticket.deadline,
              Ticket.answered_at, Ticket.created_at)
    for ticket in Ticket.select(*fields).iterator():
        for key, counts in share(ticket, zone).items():
            found = totals.setdefault(key, [0] * len(COUNTS))
            for i, c in enumerate(counts):
                found[i] += c
    db.execute_sql("DELETE FROM ticket_day")
    db.execute_sql("DELETE FROM ticket_rollup")
    _add({k: tuple(v) for k, v in totals.items()})
    db.execute_sql("INSERT INTO ticket_rollup (zone) VALUES (?)", (timezone,))
    log.info("tickets rollup built", extra=kv(zone=timezone, rows=len(totals),
                                               ms=round((time.monotonic() - started) * 1000)))
