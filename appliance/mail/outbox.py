"""The durable outbox: every message is a row before anyone tries to send it.

A crash, a reboot or a relay that is down loses nothing: the sender picks up
what is due from here. A message that still cannot go out a day after it was
queued is given up (state "failed", with the relay's last answer) and the
dashboard is told. Sent rows are kept a while so that the page can show them
and so that a caller-supplied key (one voicemail message) is mailed only once.
"""

from __future__ import annotations

import datetime as dt
import json

from peewee import CharField, DateTimeField, IntegerField, TextField

from ..db import write_lock
from ..db.models import BaseModel

QUEUED, SENT, FAILED = "queued", "sent", "failed"
GIVE_UP_AFTER = dt.timedelta(days=1)
KEEP = dt.timedelta(days=30)
#: Waits after the 1st, 2nd, ... failed attempt; the last repeats.
BACKOFF = (30, 60, 120, 300, 600, 1800)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


class OutgoingMail(BaseModel):
    key = CharField(null=True, unique=True)
    recipients = TextField()  # JSON list
    subject = TextField()
    body = TextField()
    attachments = TextField(default="[]")  # JSON list of {path, name, type}
    state = CharField(default=QUEUED)
    attempts = IntegerField(default=0)
    created_at = DateTimeField()
    next_try = DateTimeField()
    last_error = TextField(null=True)
    sent_at = DateTimeField(null=True)

    class Meta:
        table_name = "outgoing_mail"

    def to_dict(self) -> dict:
        def stamp(value):
            return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else None

        return {"id": self.id, "to": json.loads(self.recipients), "subject": self.subject, "state": self.state,
                "attempts": self.attempts, "created_at": stamp(self.created_at), "next_try": stamp(self.next_try),
                "sent_at": stamp(self.sent_at), "last_error": self.last_error,
                "attachments": [a.get("name") for a in json.loads(self.attachments)]}


def add(to: list[str], subject: str, text: str, attachments=(), key: str | None = None,
        now: dt.datetime | None = None) -> OutgoingMail | None:
    """Queue a message; None when one with this key was queued before."""
    now = now or utcnow()
    with write_lock:
        if key is not None and OutgoingMail.get_or_none(OutgoingMail.key == key) is not None:
            return None
        return OutgoingMail.create(key=key, recipients=json.dumps(list(to)), subject=subject, body=text,
                                   attachments=json.dumps(list(attachments)), created_at=now, next_try=now)


def due(now: dt.datetime | None = None, limit: int = 20) -> list[OutgoingMail]:
    now = now or utcnow()
    return list(OutgoingMail.select().where(OutgoingMail.state == QUEUED, OutgoingMail.next_try <= now)
                .order_by(OutgoingMail.next_try, OutgoingMail.id).limit(limit))


def next_due() -> dt.datetime | None:
    row = (OutgoingMail.select(OutgoingMail.next_try).where(OutgoingMail.state == QUEUED)
           .order_by(OutgoingMail.next_try).first())
    return row.next_try if row else None


def sent(mail: OutgoingMail, answer: str, now: dt.datetime | None = None) -> None:
    now = now or utcnow()
    with write_lock:
        OutgoingMail.update(state=SENT, sent_at=now, attempts=OutgoingMail.attempts + 1, last_error=None,
                            next_try=now).where(OutgoingMail.id == mail.id).execute()


def failed_attempt(mail: OutgoingMail, error: str, permanent: bool = False,
                   now: dt.datetime | None = None) -> bool:
    """Record a failed attempt and schedule the next; True when the message is given up."""
    now = now or utcnow()
    attempts = mail.attempts + 1
    wait = dt.timedelta(seconds=BACKOFF[min(attempts, len(BACKOFF)) - 1])
    give_up = permanent or now + wait - mail.created_at > GIVE_UP_AFTER
    with write_lock:
        OutgoingMail.update(state=FAILED if give_up else QUEUED, attempts=attempts, last_error=error[:1000],
                            next_try=now if give_up else now + wait).where(OutgoingMail.id == mail.id).execute()
    return give_up


def retry(mail_id: int, now: dt.datetime | None = None) -> bool:
    """Send a given-up message again (the owner fixed the relay): a new day of tries."""
    now = now or utcnow()
    with write_lock:
        return bool(OutgoingMail.update(state=QUEUED, next_try=now, created_at=now)
                    .where(OutgoingMail.id == mail_id, OutgoingMail.state == FAILED).execute())


def prune(now: dt.datetime | None = None) -> int:
    now = now or utcnow()
    with write_lock:
        return OutgoingMail.delete().where(OutgoingMail.state != QUEUED,
                                           OutgoingMail.created_at < now - KEEP).execute()


def recent(limit: int = 50) -> list[dict]:
    return [m.to_dict() for m in OutgoingMail.select().order_by(OutgoingMail.id.desc()).limit(limit)]


def counts() -> dict:
    out = {QUEUED: 0, SENT: 0, FAILED: 0}
    for state in out:
        out[state] = OutgoingMail.select().where(OutgoingMail.state == state).count()
    return out


def given_up_since_last_sent() -> int:
    """Messages given up after the last one that went out: the dashboard's alert (a later success clears it)."""
    last = (OutgoingMail.select(OutgoingMail.sent_at).where(OutgoingMail.state == SENT)
            .order_by(OutgoingMail.sent_at.desc()).first())
    query = OutgoingMail.select().where(OutgoingMail.state == FAILED)
    if last is not None:
        query = query.where(OutgoingMail.next_try > last.sent_at)
    return query.count()
