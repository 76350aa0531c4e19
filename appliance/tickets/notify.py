"""Telling a department by e-mail that a ticket was dispatched to it (through the box's outbox)."""

from __future__ import annotations

import zoneinfo

from .. import box_settings, mail
from ..db.models import Department, Ticket
from . import categories


def dispatched(ticket: Ticket, department: Department, event_id: int) -> None:
    """Queue the dispatch mail to the department's address, if it has one; once per dispatch (`event_id`)."""
    if not department.email:
        return
    settings = box_settings.load()
    zone = zoneinfo.ZoneInfo(settings.timezone)

    def local(t):
        return t.replace(tzinfo=zoneinfo.ZoneInfo("UTC")).astimezone(zone).strftime("%Y-%m-%d %H:%M") if t else "—"

    mail.queue_template([department.email], "ticket_dispatched", {
        "number": ticket.number, "summary": ticket.summary, "department": department.name,
        "category": categories.path(ticket.category) if ticket.category_id else "—",
        "caller": ticket.caller or "—", "priority": ticket.priority, "deadline": local(ticket.deadline),
        "created": local(ticket.created_at), "details": ticket.details or "", "box": settings.hostname,
    }, key=f"ticket-dispatch-{event_id}")
