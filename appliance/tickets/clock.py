"""The time tickets are judged by: deadlines, overdue, the year of a number.

One function every ticket decision asks, so that a test can move the box's
time (a ticket a day old, one past its deadline) without waiting or touching
the system clock.
"""

from __future__ import annotations

import datetime as dt

from ..db.journal import utcnow

_offset = dt.timedelta(0)


def now() -> dt.datetime:
    """UTC, naive, as the database stores times."""
    return utcnow() + _offset


def move(by: dt.timedelta) -> None:
    """Tests only: the box's time jumps `by` ahead."""
    global _offset
    _offset += by


def reset() -> None:
    global _offset
    _offset = dt.timedelta(0)
