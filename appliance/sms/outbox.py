"""The SMS outbox and inbox: every message is a row before anyone tries to send it.

Modelled on the mail outbox (appliance/mail/outbox.py): a crash, a reboot or a
gateway that is down loses nothing committed; the sender picks up what is due.
SMS differ in how long they are worth trying: a missed-call notice a day late
is noise, so a gateway says how many attempts a message gets (the waits between
them are BACKOFF), and a message that used them all is "failed" with the
gateway's last answer. A gateway's delivery report later moves a sent message
to "delivered" or "undelivered".
"""

from __future__ import annotations

import datetime as dt

from peewee import fn

from ..db import write_lock
from ..db.models import SmsMessage

OUT, IN = "out", "in"
QUEUED, SENT, DELIVERED, UNDELIVERED, FAILED, RECEIVED = \
    "queued", "sent", "delivered", "undelivered", "failed", "received"
STATES = (QUEUED, SENT, DELIVERED, UNDELIVERED, FAILED, RECEIVED)
#: Waits after the 1st, 2nd, ... failed attempt; the last repeats.
BACKOFF = (5, 30, 120, 600, 1800)
KEEP = dt.timedelta(days=180)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def stamp(value: dt.datetime | None) -> str | None:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


def to_dict(m: SmsMessage, customers: dict | None = None) -> dict:
    customer = (customers or {}).get(m.customer_id)
    return {"id": m.id, "direction": m.direction, "number": m.number, "text": m.text, "state": m.state,
            "attempts": m.attempts, "gateway": m.gateway_id, "customer": customer, "broadcast": m.broadcast_id,
            "template": m.template_id, "created_by": m.created_by, "created_at": stamp(m.created_at),
            "sent_at": stamp(m.sent_at), "delivered_at": stamp(m.delivered_at), "last_error": m.last_error}


def add(number: str, text: str, *, key: str | None = None, customer_id: int | None = None,
        broadcast_id: int | None = None, template_id: int | None = None, created_by: str | None = None,
        now: dt.datetime | None = None) -> SmsMessage | None:
    """Queue a message to `number` (normalised digits); None when one with this key was queued before."""
    now = now or utcnow()
    with write_lock:
        if key is not None and SmsMessage.get_or_none(SmsMessage.key == key) is not None:
            return None
        return SmsMessage.create(key=key, direction=OUT, number=number, text=text, state=QUEUED, attempts=0,
                                 customer_id=customer_id, broadcast_id=broadcast_id, template_id=template_id,
                                 created_by=created_by, created_at=now, next_try=now)


def add_many(rows: list[dict], now: dt.datetime | None = None) -> int:
    """Queue many messages (a broadcast) in one transaction: all of them or none."""
    now = now or utcnow()
    full = [{"key": None, "direction": OUT, "state": QUEUED, "attempts": 0, "created_at": now, "next_try": now,
             "template_id": None, "customer_id": None, "broadcast_id": None, "created_by": None, **r} for r in rows]
    with write_lock, SmsMessage._meta.database.atomic():
        for start in range(0, len(full), 500):
            SmsMessage.insert_many(full[start:start + 500]).execute()
    return len(full)


def received(number: str, text: str, gateway_id: int | None, customer_id: int | None,
             now: dt.datetime | None = None) -> SmsMessage:
    now = now or utcnow()
    with write_lock:
        return SmsMessage.create(direction=IN, number=number, text=text, state=RECEIVED, attempts=0,
                                 gateway_id=gateway_id, customer_id=customer_id, created_at=now, next_try=now,
                                 sent_at=now)


def due(now: dt.datetime | None = None, limit: int = 200) -> list[SmsMessage]:
    now = now or utcnow()
    return list(SmsMessage.select().where(SmsMessage.state == QUEUED, SmsMessage.next_try <= now)
                .order_by(SmsMessage.next_try, SmsMessage.id).limit(limit))


def next_due() -> dt.datetime | None:
    return (SmsMessage.select(fn.MIN(SmsMessage.next_try)).where(SmsMessage.state == QUEUED).scalar())


def sent(m: SmsMessage, gateway_id: int, external_id: str | None, now: dt.datetime | None = None) -> None:
    now = now or utcnow()
    with write_lock:
        SmsMessage.update(state=SENT, sent_at=now, attempts=SmsMessage.attempts + 1, last_error=None,
                          gateway_id=gateway_id, external_id=external_id).where(SmsMessage.id == m.id).execute()


def failed_attempt(m: SmsMessage, gateway_id: int, error: str, attempts_allowed: int, permanent: bool = False,
                   now: dt.datetime | None = None) -> bool:
    """Record a failed attempt and schedule the next; True when the message is given up."""
    now = now or utcnow()
    attempts = m.attempts + 1
    give_up = permanent or attempts >= attempts_allowed
    wait = dt.timedelta(seconds=BACKOFF[min(attempts, len(BACKOFF)) - 1])
    with write_lock:
        SmsMessage.update(state=FAILED if give_up else QUEUED, attempts=attempts, last_error=error[:1000],
                          gateway_id=gateway_id, next_try=now if give_up else now + wait) \
            .where(SmsMessage.id == m.id).execute()
    return give_up


def delivery_report(gateway_id: int, external_id: str, delivered: bool, detail: str | None = None,
                    now: dt.datetime | None = None) -> int | None:
    """A gateway says what became of a message it took: the message's id, None if none matches."""
    now = now or utcnow()
    with write_lock:
        # The newest: a modem's references count to 255 and start again.
        m = (SmsMessage.select().where(SmsMessage.gateway_id == gateway_id, SmsMessage.external_id == external_id,
                                       SmsMessage.direction == OUT).order_by(SmsMessage.id.desc()).first())
        if m is None:
            return None
        SmsMessage.update(state=DELIVERED if delivered else UNDELIVERED, delivered_at=now if delivered else None,
                          last_error=None if delivered else (detail or "not delivered")[:1000]) \
            .where(SmsMessage.id == m.id).execute()
        return m.id


def retry(message_id: int, now: dt.datetime | None = None) -> bool:
    """Send a failed message again (the owner fixed the gateway)."""
    now = now or utcnow()
    with write_lock:
        return bool(SmsMessage.update(state=QUEUED, next_try=now, attempts=0)
                    .where(SmsMessage.id == message_id, SmsMessage.state == FAILED).execute())


def prune(now: dt.datetime | None = None) -> int:
    now = now or utcnow()
    with write_lock:
        return SmsMessage.delete().where(SmsMessage.state != QUEUED, SmsMessage.created_at < now - KEEP).execute()


def counts(query=None) -> dict:
    query = query if query is not None else SmsMessage.select()
    out = {state: 0 for state in STATES}
    for state, n in query.select(SmsMessage.state, fn.COUNT(SmsMessage.id)).group_by(SmsMessage.state).tuples():
        out[state] = n
    return out
