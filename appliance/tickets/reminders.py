"""Reminders (催办) of tickets near or past their deadline, and escalation to the supervisors.

The points come from the box settings: a reminder when the deadline is
`ticket_remind_before_minutes` away (each of them), one at the deadline, again
every `ticket_overdue_repeat_minutes` while the ticket stays open (0: once),
and `ticket_escalate_after_minutes` past the deadline an escalation to
`ticket_escalation_email` (0: never). A reminder goes to the ticket's
department (its e-mail, and an SMS to its phone where an SMS gateway is on),
or to the supervisors while no department has it.

Each point is sent once per deadline: its history row (field "reminder", the
point as `new`, who was told as `old`) is what says it was sent, and a new
deadline (another category) starts the points afresh. Only the latest point
passed is sent: a ticket first seen long overdue gets one reminder, not all
the ones it missed. Timed by tickets.clock, the box's time source for tickets.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from .. import box_settings
from ..db import db, write_lock
from ..db.models import Ticket, TicketEvent
from ..log import kv
from . import clock, notify, statuses
from .service import _event

log = logging.getLogger(__name__)
ACTOR = "box"
FIELD = "reminder"
ESCALATED = "escalated"


@dataclass(frozen=True)
class Point:
    key: str  # due-60 (due within 60 min), overdue-0, overdue-1 ... (each repeat), escalated
    escalate: bool = False


def due_points(deadline: dt.datetime, now: dt.datetime, settings) -> list[Point]:
    """The points a ticket due at `deadline` has reached at `now`: the latest reminder passed, and
    the escalation once it is due. Pure."""
    if now < deadline:
        near = [m for m in settings.ticket_remind_before_minutes if deadline - dt.timedelta(minutes=m) <= now]
        return [Point(f"due-{min(near)}")] if near else []
    late = now - deadline
    repeat = settings.ticket_overdue_repeat_minutes
    points = [Point(f"overdue-{int(late / dt.timedelta(minutes=repeat)) if repeat else 0}")]
    escalate = settings.ticket_escalate_after_minutes
    if escalate and late >= dt.timedelta(minutes=escalate):
        points.append(Point(ESCALATED, escalate=True))
    return points


def _sent(ticket: Ticket) -> set[str]:
    """The points sent for the ticket's present deadline."""
    since = (TicketEvent.select(TicketEvent.id).where((TicketEvent.ticket == ticket) & (TicketEvent.field == "deadline"))
             .order_by(TicketEvent.id.desc()).scalar()) or 0
    return {e.new for e in TicketEvent.select(TicketEvent.new)
            .where((TicketEvent.ticket == ticket) & (TicketEvent.field == FIELD) & (TicketEvent.id > since))}


def _tell(ticket: Ticket, point: Point, settings) -> str:
    """Send the point's reminder; who was told, as the history says it ("—": nobody to tell)."""
    department = ticket.department if ticket.department_id else None
    told = []
    if point.escalate or department is None:
        if settings.ticket_escalation_email:
            notify.reminded(ticket, point.key, list(settings.ticket_escalation_email), settings)
            told += list(settings.ticket_escalation_email)
    else:
        if department.email:
            notify.reminded(ticket, point.key, [department.email], settings)
            told.append(department.email)
        if department.phone and notify.texted(ticket, point.key, department.phone, settings):
            told.append(department.phone)
    return ", ".join(told) or "—"


def run(now: dt.datetime | None = None) -> int:
    """Send every reminder due at `now`; how many were sent."""
    now = now or clock.now()
    settings = box_settings.load()
    ahead = dt.timedelta(minutes=max(settings.ticket_remind_before_minutes, default=0))
    sent = 0
    for ticket in (Ticket.select().where(Ticket.status.in_(statuses.OPEN) & Ticket.deadline.is_null(False)
                                         & (Ticket.deadline <= now + ahead)).order_by(Ticket.deadline)):
        points = due_points(ticket.deadline, now, settings)
        if not points:
            continue
        done = _sent(ticket)
        for point in points:
            if point.key in done:
                continue
            with write_lock, db.atomic():
                # Recorded before it is sent: a crash in between loses one reminder, never repeats it.
                fresh = Ticket.get_by_id(ticket.id)
                if fresh.status not in statuses.OPEN or fresh.deadline != ticket.deadline or point.key in _sent(fresh):
                    continue
                event = _event(fresh, now, ACTOR, FIELD, None, point.key)
            told = _tell(fresh, point, settings)
            TicketEvent.update(old=told).where(TicketEvent.id == event).execute()
            log.info("ticket reminder", extra=kv(ticket=ticket.number, point=point.key, told=told))
            sent += 1
    return sent

