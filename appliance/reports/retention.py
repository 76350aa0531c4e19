"""Pruning the reports store: channel events, queue events and legs after some days, call
records (and queue calls) after some months.

Deleting a year of rows at once would hold the store's write lock for seconds, and the call
recorder and the pages would wait behind it. So rows go in small batches, each its own short
transaction, with a pause between them: ingestion and reads go on between two batches.
"""

from __future__ import annotations

import datetime as dt
import logging
import time

from ..log import kv
from .db import CallLeg, CallParty, CallRecord, CelEvent, QueueCall, QueueEvent, reports_db, reports_write_lock
from .recorder import events_of
from .usage import roll_occupancy

log = logging.getLogger(__name__)
BATCH = 500
PAUSE = 0.02  # seconds between batches: the recorder's next write gets in


def months_before(now: float, months: int) -> float:
    """The same day and time `months` months earlier (the month's last day where it is shorter)."""
    t = dt.datetime.fromtimestamp(now, dt.timezone.utc)
    year, month = divmod(t.year * 12 + t.month - 1 - months, 12)
    day = t.day
    while True:
        try:
            return t.replace(year=year, month=month + 1, day=day).timestamp()
        except ValueError:
            day -= 1


def _event_boundary(cutoff: float) -> int:
    """The last channel event id received before cutoff. Ids grow with time, so a binary search
    over ids reads a few rows (their JSON time) instead of every row."""
    from peewee import fn

    lo, hi = CelEvent.select(fn.MIN(CelEvent.id), fn.MAX(CelEvent.id)).scalar(as_tuple=True)
    if lo is None:
        return 0
    found = 0
    while lo <= hi:
        mid = (lo + hi) // 2
        row = CelEvent.select(CelEvent.id, CelEvent.data).where(CelEvent.id >= mid).order_by(CelEvent.id).first()
        t = events_of(row.data)[0].get("time") if row is not None else None
        if t is None or float(t) >= cutoff:
            hi = mid - 1
        else:
            found = row.id
            lo = row.id + 1
    return found


def _batches(select, delete, pause: float) -> int:
    """Delete what `select` (a query of keys, limited to BATCH) finds, a batch per transaction."""
    total = 0
    while True:
        with reports_write_lock, reports_db.atomic():
            keys = [row[0] for row in select().tuples()]
            if keys:
                delete(keys)
        total += len(keys)
        if len(keys) < BATCH:
            return total
        time.sleep(pause)


def prune(event_days: int, record_months: int, now: float | None = None, pause: float = PAUSE) -> dict:
    """Delete what is past its time; `record_months` 0 keeps call records for ever. Returns the
    number of rows deleted per table."""
    now = time.time() if now is None else now
    events_before = now - event_days * 86400
    done = {}
    last = _event_boundary(events_before)
    done["cel_event"] = _batches(
        lambda: CelEvent.select(CelEvent.id).where(CelEvent.open == 0, CelEvent.id <= last).limit(BATCH),
        lambda ids: CelEvent.delete().where(CelEvent.id.in_(ids)).execute(), pause)
    done["queue_event"] = _batches(
        lambda: QueueEvent.select(QueueEvent.id).where(QueueEvent.time < events_before).limit(BATCH),
        lambda ids: QueueEvent.delete().where(QueueEvent.id.in_(ids)).execute(), pause)
    # Trunk peaks are counted from the legs: the hours before the cutoff are written first.
    with reports_write_lock, reports_db.atomic():
        roll_occupancy(events_before)
    done["call_leg"] = 0
    for kind in ("phone", "trunk", "other"):  # the (kind, started) index finds them
        done["call_leg"] += _batches(
            lambda k=kind: CallLeg.select(CallLeg.uniqueid).where(CallLeg.kind == k, CallLeg.started < events_before)
            .limit(BATCH),
            lambda ids: CallLeg.delete().where(CallLeg.uniqueid.in_(ids)).execute(), pause)
    done["call_record"] = done["queue_call"] = 0
    if record_months:
        records_before = months_before(now, record_months)

        def drop_records(ids):
            CallParty.delete().where(CallParty.call_id.in_(ids)).execute()
            CallLeg.delete().where(CallLeg.call_id.in_(ids)).execute()
            CallRecord.delete().where(CallRecord.id.in_(ids)).execute()

        done["call_record"] = _batches(
            lambda: CallRecord.select(CallRecord.id).where(CallRecord.started < records_before).limit(BATCH),
            drop_records, pause)
        done["queue_call"] = _batches(
            lambda: QueueCall.select(QueueCall.callid).where(QueueCall.entered_at < records_before,
                                                             QueueCall.outcome != "waiting").limit(BATCH),
            lambda ids: QueueCall.delete().where(QueueCall.callid.in_(ids)).execute(), pause)
    if any(done.values()):
        log.info("old call data deleted", extra=kv(**done))
    return done
