"""Sending to a number or to customers, and reading what was sent and received."""

from __future__ import annotations

import json

from marshmallow import ValidationError

from .. import box_settings
from ..customers import service as customers
from ..db.journal import utcnow
from ..db.models import Customer, CustomerNumber, SmsBroadcast, SmsMessage
from ..errors import Conflict, Invalid, NotFound
from . import NoGateway, gateways, outbox, queue, template_store, templates, wake

MAX_LIST = 500


def _need_gateway() -> None:
    if gateways.active() is None:
        raise Conflict("no SMS gateway is enabled: add one on the SMS page first")


def send_one(raw_to: str, text: str, actor: str) -> SmsMessage:
    number = customers.normalize(raw_to)
    if number is None:
        raise Invalid("to: is not a phone number", "to")
    _need_gateway()
    customer = customers.find_by_number(number)
    try:
        return queue(number, text, customer_id=customer.id if customer else None, created_by=actor)
    except NoGateway as exc:
        raise Conflict(str(exc)) from None


def customer_values(customer: Customer, number: str, box: str) -> dict:
    """What a template's fields say about a customer."""
    return {"name": customer.name, "company": customer.company or "", "number": number, "box": box}


def _chosen(spec) -> tuple[list[Customer], dict]:
    """The customers a broadcast goes to, and the filter as its report records it."""
    if isinstance(spec, list):
        found = []
        for start in range(0, len(spec), 500):
            found += list(Customer.select().where(Customer.id.in_(spec[start:start + 500])))
        missing = sorted(set(spec) - {c.id for c in found})
        if missing:
            raise Invalid(f"customers: there is no customer {', '.join(map(str, missing[:10]))}", "customers")
        return found, {"ids": len(spec)}
    query = customers.search(spec.get("q") or None, spec.get("level"))
    return list(query), {k: v for k, v in spec.items() if v}


def broadcast(values: dict, actor: str) -> SmsBroadcast:
    """Queue one message to each chosen customer (their first number), skipping those who opted out."""
    template = template_store.named(values["template"]) if "template" in values else None
    text = template.text if template else values["text"]
    try:
        templates.check(text, templates.MESSAGE_FIELDS)
    except ValidationError as exc:  # a free text with an unknown field
        raise Invalid(f"text: {exc.messages[0]}", "text") from None
    _need_gateway()
    chosen, described = _chosen(values["customers"])
    first: dict[int, str] = {}
    ids = [c.id for c in chosen]
    for start in range(0, len(ids), 500):
        for n in (CustomerNumber.select().where(CustomerNumber.customer.in_(ids[start:start + 500]))
                  .order_by(CustomerNumber.id.desc())):
            first[n.customer_id] = n.number
    box = box_settings.load().hostname
    rows, opted_out, no_number = [], 0, 0
    now = utcnow()
    with SmsBroadcast._meta.database.atomic():
        b = SmsBroadcast.create(template_id=template.id if template else None, text=text,
                                filter=json.dumps(described, ensure_ascii=False), total=len(chosen), opted_out=0,
                                no_number=0, created_by=actor, created_at=now)
        for c in chosen:
            if c.sms_opt_out:
                opted_out += 1
            elif c.id not in first:
                no_number += 1
            else:
                number = first[c.id]
                rows.append({"number": number, "text": templates.fill(text, customer_values(c, number, box)),
                             "customer_id": c.id, "broadcast_id": b.id, "created_by": actor,
                             "template_id": b.template_id})
        outbox.add_many(rows, now=now)
        SmsBroadcast.update(opted_out=opted_out, no_number=no_number).where(SmsBroadcast.id == b.id).execute()
    wake.set()
    return SmsBroadcast.get_by_id(b.id)


def broadcast_report(broadcast_id) -> dict:
    try:
        b = SmsBroadcast.get_or_none(SmsBroadcast.id == int(broadcast_id))
    except (TypeError, ValueError):
        b = None
    if b is None:
        raise NotFound(f"no broadcast {broadcast_id}")
    messages = SmsMessage.select().where(SmsMessage.broadcast_id == b.id)
    sent = (SmsMessage.select(SmsMessage.sent_at)
            .where(SmsMessage.broadcast_id == b.id, SmsMessage.sent_at.is_null(False)))
    first_sent, last_sent = (getattr(sent.order_by(order).first(), "sent_at", None)
                             for order in (SmsMessage.sent_at, SmsMessage.sent_at.desc()))
    return {"id": b.id, "template": b.template_id, "text": b.text, "filter": json.loads(b.filter),
            "created_by": b.created_by, "created_at": outbox.stamp(b.created_at), "customers": b.total,
            "opted_out": b.opted_out, "no_number": b.no_number, "messages": messages.count(),
            "states": outbox.counts(messages), "first_sent_at": outbox.stamp(first_sent),
            "last_sent_at": outbox.stamp(last_sent)}


def broadcasts(limit: int = 50) -> list[dict]:
    return [broadcast_report(b.id) for b in SmsBroadcast.select().order_by(SmsBroadcast.id.desc()).limit(limit)]


def listing(*, direction=None, state=None, customer_id=None, broadcast_id=None, limit: int = 100) -> list[dict]:
    query = SmsMessage.select()
    if direction:
        if direction not in (outbox.OUT, outbox.IN):
            raise Invalid("direction: must be in or out", "direction")
        query = query.where(SmsMessage.direction == direction)
    if state:
        if state not in outbox.STATES:
            raise Invalid(f"state: must be one of {', '.join(outbox.STATES)}", "state")
        query = query.where(SmsMessage.state == state)
    if customer_id is not None:
        query = query.where(SmsMessage.customer_id == customer_id)
    if broadcast_id is not None:
        query = query.where(SmsMessage.broadcast_id == broadcast_id)
    rows = list(query.order_by(SmsMessage.id.desc()).limit(min(max(limit, 1), MAX_LIST)))
    ids = {m.customer_id for m in rows if m.customer_id}
    names = {c.id: {"id": c.id, "name": c.name} for c in Customer.select(Customer.id, Customer.name)
             .where(Customer.id.in_(list(ids)))} if ids else {}
    return [outbox.to_dict(m, names) for m in rows]
