"""The time tickets are judged by: deadlines, overdue, the year of a number.

One function every ticket decision asks, so that a test can move the box's
time (a ticket a day old, one past its deadline) without waiting or touching
the system clock: unit tests call move(), and a dev box started with
BOX_TEST_CLOCK=1 takes POST /api/v1/testing/clock (webui/api/tickets.py).
Reminders are sent as soon as the time moves (`moved` wakes their thread).
"""

from __future__ import annotations

import datetime as dt
import threading

from ..db.journal import utcnow

_offset = dt.timedelta(0)
#: Set when the time moves: the reminders look again at once.
moved = threading.Event()


def now() -> dt.datetime:
    """UTC, naive, as the database stores times."""
    return utcnow() + _offset


def move(by: dt.timedelta) -> None:
    """Tests only: the box's time jumps `by` ahead."""
    global _offset
    _offset += by
    moved.set()


def reset() -> None:
    global _offset
    _offset = dt.timedelta(0)
