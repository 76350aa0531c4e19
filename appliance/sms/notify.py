"""SMS on events: each template says which events send it, always to the caller concerned.

- missed_call, voicemail: a call from outside ends missed, or with a message left (the
  call record's outcome, published as "call_recorded" once the record is stored);
- callback: a caller chose to be called back (a row in the reports store's callbacks);
- ticket_status: a ticket's status changed (a row of its history), to the ticket's caller.

Callbacks and ticket history are read from their tables after the last row seen, so nothing
in another part of the box calls SMS code; every message has a key (event and template), so
one event sends one message however often it is seen. Numbers nobody can text (an extension,
an anonymous caller) are skipped, and so are customers who opted out.
"""

from __future__ import annotations

import datetime as dt
import logging

from .. import box_settings
from ..customers import service as customers
from ..db.models import Customer, Ticket, TicketEvent
from ..log import kv
from ..tickets import statuses
from . import NoGateway, inbound, queue, template_store, templates

log = logging.getLogger(__name__)
OUTSIDE_MIN_DIGITS = 5  # shorter is an extension or a service code


def _local(t: float | dt.datetime, timezone: str) -> str:
    if isinstance(t, (int, float)):
        t = dt.datetime.fromtimestamp(t, dt.timezone.utc)
    else:
        t = t.replace(tzinfo=dt.timezone.utc)
    return t.astimezone(box_settings.zone(timezone)).strftime("%Y-%m-%d %H:%M")


def send_event(event: str, raw_number: str | None, values: dict, key: str) -> int:
    """Queue each template of `event` to `raw_number` with `values`; how many were queued."""
    chosen = template_store.for_event(event)
    if not chosen or not raw_number:
        return 0
    number = inbound.sender_number(raw_number)
    if number is None or not number.isdigit() or len(number) < OUTSIDE_MIN_DIGITS:
        return 0
    customer = customers.find_by_number(number)
    if customer is not None and customer.sms_opt_out:
        return 0
    settings = box_settings.load()
    values = {"box": settings.hostname, "number": number, **values}
    if customer is not None:  # our record's name before the caller ID's
        values.update(name=customer.name, company=customer.company or "")
    made = 0
    for t in chosen:
        try:
            if queue(number, templates.fill(t.text, values), key=f"{key}-t{t.id}", template_id=t.id,
                     customer_id=customer.id if customer else None, created_by=event) is not None:
                made += 1
        except NoGateway:
            log.warning("no SMS gateway: event not sent", extra=kv(event=event, key=key))
            return made
    return made


class EventSender:
    """Runs in the SMS manager's events thread."""

    def __init__(self, events):
        self.subscription = events.subscribe(
            lambda e: e.topic == "call_recorded" and e.data.get("outcome") in ("missed", "voicemail")
            and e.data.get("direction") == "inbound")
        self.last_ticket_event = TicketEvent.select(TicketEvent.id).order_by(TicketEvent.id.desc()).scalar() or 0
        self.last_callback = None

    def close(self) -> None:
        self.subscription.close()

    def poll(self, wait: float) -> int:
        """Wait up to `wait` for call records, then look at new callbacks and ticket changes."""
        sent = 0
        for ev in self.subscription.get(wait):
            try:
                sent += self.call(ev.data["id"], ev.data["outcome"])
            except Exception:  # noqa: BLE001 - one record must not stop the others
                log.exception("sms for a call failed", extra=kv(call=ev.data.get("id")))
        sent += self.callbacks() + self.tickets()
        return sent

    def call(self, call_id: str, outcome: str) -> int:
        from ..reports.db import CallParty, CallRecord, reports_db

        if reports_db.obj is None:
            return 0
        r = CallRecord.get_or_none(CallRecord.id == call_id)
        if r is None:
            return 0
        tz = box_settings.load().timezone
        # The extension that rang (the first, for a group), else the number dialled.
        rang = (CallParty.select(CallParty.extension).where(CallParty.call_id == call_id)
                .order_by(CallParty.started).scalar())
        values = {"name": r.from_name or "", "extension": rang or r.to_number or "",
                  "queue": r.queue or "", "time": _local(r.started, tz),
                  "duration": str(int(r.wait))}
        event = "missed_call" if outcome == "missed" else "voicemail"
        return send_event(event, r.from_number, values, f"{event}-{call_id}")

    def callbacks(self) -> int:
        from ..reports.db import Callback, reports_db

        if reports_db.obj is None:
            return 0
        if self.last_callback is None:  # from now on: no messages for callbacks before the box started
            self.last_callback = Callback.select(Callback.id).order_by(Callback.id.desc()).scalar() or 0
            return 0
        sent = 0
        tz = box_settings.load().timezone
        for cb in Callback.select().where(Callback.id > self.last_callback).order_by(Callback.id):
            self.last_callback = cb.id
            sent += send_event("callback", cb.number, {"queue": cb.queue, "time": _local(cb.requested_at, tz)},
                               f"callback-{cb.callid}")
        return sent

    def tickets(self) -> int:
        sent = 0
        rows = list(TicketEvent.select(TicketEvent, Ticket).join(Ticket)
                    .where(TicketEvent.id > self.last_ticket_event, TicketEvent.field == "status")
                    .order_by(TicketEvent.id))
        settings = box_settings.load()
        for ev in rows:
            t = ev.ticket
            customer = Customer.get_or_none(Customer.id == t.customer_id) if t.customer_id else None
            values = {"ticket": t.number, "status": statuses.name(ev.new or "", settings.language),
                      "summary": t.summary, "time": _local(ev.at, settings.timezone)}
            if customer is not None:
                values["name"] = customer.name
            sent += send_event("ticket_status", t.caller, values, f"ticket-status-{ev.id}")
        if rows:
            self.last_ticket_event = rows[-1].id
        else:
            last = TicketEvent.select(TicketEvent.id).order_by(TicketEvent.id.desc()).scalar() or 0
            self.last_ticket_event = max(self.last_ticket_event, last)
        return sent

