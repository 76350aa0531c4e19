"""Telling people about tickets: a department that a ticket was dispatched to it, and reminders of
tickets near or past their deadline (reminders.py), by e-mail through the box's outbox and by SMS
where a gateway is on."""

from __future__ import annotations

import datetime as dt
import logging

from .. import box_settings, mail
from ..db.models import Department, Ticket
from ..log import kv
from ..mail import templates
from . import categories, statuses

log = logging.getLogger(__name__)


def local(t, settings) -> str:
    """A stored (UTC) time in the box's time zone, as mail shows it."""
    zone = box_settings.zone(settings.timezone)
    return t.replace(tzinfo=dt.timezone.utc).astimezone(zone).strftime("%Y-%m-%d %H:%M") if t else "—"


def dispatched(ticket: Ticket, department: Department, event_id: int) -> None:
    """Tell the department a ticket was dispatched to it: by e-mail to its address, and by SMS to its
    phone where an SMS gateway is on; once per dispatch (`event_id`)."""
    settings = box_settings.load()
    values = {"number": ticket.number, "summary": ticket.summary, "department": department.name,
              "category": categories.path(ticket.category) if ticket.category_id else "—",
              "caller": ticket.caller or "—", "priority": ticket.priority, "deadline": local(ticket.deadline, settings),
              "created": local(ticket.created_at, settings), "details": ticket.details or "", "box": settings.hostname}
    if department.email:
        mail.queue_template([department.email], "ticket_dispatched", values, key=f"ticket-dispatch-{event_id}")
    if department.phone:
        _text(ticket, department.phone, templates.render("ticket_dispatched_sms", settings.language, **values)[1],
              f"ticket-dispatch-{event_id}")


def _state(point: str, lang: str) -> str:
    """What a reminder point says of the ticket: due in N minutes, or past its deadline."""
    kind, _, minutes = point.partition("-")
    if kind == "due":
        return templates.render("ticket_due_in", lang, minutes=minutes)[1]
    return templates.render("ticket_overdue", lang)[1]


def _values(ticket: Ticket, point: str, settings) -> dict:
    return {"number": ticket.number, "summary": ticket.summary, "state": _state(point, settings.language),
            "department": ticket.department.name if ticket.department_id else "—",
            "deadline": local(ticket.deadline, settings), "status": statuses.name(ticket.status, settings.language),
            "caller": ticket.caller or "—", "box": settings.hostname}


def reminded(ticket: Ticket, point: str, to: list[str], settings) -> None:
    """Queue the reminder (or, for the point "escalated", the escalation) mail; once per ticket, point and deadline."""
    name = "ticket_escalated" if point == "escalated" else "ticket_reminder"
    mail.queue_template(to, name, _values(ticket, point, settings), lang=settings.language,
                        key=f"ticket-{point}-{ticket.id}-{ticket.deadline.isoformat()}")


def texted(ticket: Ticket, point: str, phone: str, settings) -> bool:
    """Queue the reminder as an SMS to `phone` where an SMS gateway is on; whether it was queued."""
    text = templates.render("ticket_reminder_sms", settings.language, **_values(ticket, point, settings))[1]
    return _text(ticket, phone, text, f"ticket-{point}-{ticket.id}-{ticket.deadline.isoformat()}")


def _text(ticket: Ticket, phone: str, text: str, key: str) -> bool:
    """Queue `text` to a department's `phone` where an SMS gateway is on (once per `key`)."""
    from .. import sms
    from ..customers.service import normalize

    number = normalize(phone)
    if number is None:  # a department's phone written as no number the box can text
        log.warning("ticket not texted", extra=kv(ticket=ticket.number, phone=phone))
        return False
    try:
        return sms.queue(number, text, key=key, created_by="box") is not None
    except sms.NoGateway:
        return False
