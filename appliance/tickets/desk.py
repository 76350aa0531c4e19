"""The desk's order of tickets as SQL: open tickets with a deadline first, the nearest (or most
overdue) deadline at the top, then every other ticket, the newest first.

These expressions are those the ticket_desk index is made of (config database migration 32),
written the same way so that SQLite walks the index instead of sorting every ticket: the list's
last page at 100,000 tickets costs what its first does. The index carries the columns the list's
filters and the report's overdue count read, so those are answered from the index alone.
"""

from __future__ import annotations

from peewee import SQL

from . import statuses

_OPEN = "(" + ", ".join(f"'{s}'" for s in statuses.OPEN) + ")"
#: 1 for an open ticket with a deadline (shown first), else 0.
TIMED = f"(status IN {_OPEN} AND deadline IS NOT NULL)"
#: The deadline an open ticket is owed by; NULL for the others.
DUE = f"(CASE WHEN status IN {_OPEN} THEN deadline END)"
ORDER = (SQL(f"{TIMED} DESC"), SQL(DUE), SQL("created_at DESC"), SQL("id DESC"))
#: FROM clauses for the ticket table alone, as peewee names it ("t1"): walking the desk index, or
#: reading the table straight through (a text search reads every row anyway; through the index it
#: would read them in a random order).
BY_DESK_ORDER = SQL('"ticket" AS "t1" INDEXED BY "ticket_desk"')
#: A caller's tickets (the screen pop's list): the few of them found by their number, then sorted.
BY_CALLER = SQL('"ticket" AS "t1" INDEXED BY "ticket_caller_key"')
STRAIGHT = SQL('"ticket" AS "t1" NOT INDEXED')
