"""Call records from the supervisor's AMI connection into the reports store.

The AMI reader hands each channel event to a queue; one thread stores them in batches. In
one transaction a batch's events are stored and the records of the calls they end are
written (their events marked done), so a crash loses nothing that was committed and writes
no record twice: after a restart the events of calls still open are read back and played
through `Calls` again.

Asterisk dies with the supervisor, and a restarted Asterisk starts with no channel: at every
AMI login the calls whose channels Asterisk no longer has are closed as failed, ending when
the connection was lost (or at their last event, when the supervisor itself went down).
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from operator import itemgetter

from ..log import kv
from .calls import Calls, build, event_of, parties
from .db import CelEvent, execute, execute_many, reports_db, reports_write_lock
from .usage import LOOKBACK, roll_occupancy

log = logging.getLogger(__name__)
BATCH = 2000  # events a transaction at most: under load, fewer and bigger transactions cost less per call
_CONNECTED = object()
_LINKEDID = itemgetter("linkedid")


def _same(number):
    return number


class CallRecorder:
    def __init__(self, ami, keys=lambda: _same, published=lambda record: None,
                 alert=lambda active, message: None, lines=lambda: None):
        self.ami = ami
        # The function that normalises numbers (the number filter matches however they are written),
        # asked for once a batch: it reads the box's numbering from the config database.
        self.keys = keys
        # What the box's DAHDI lines are (calls.party), asked for once a batch that ends calls: a
        # record is made when its call ends, with the lines as they are then.
        self.lines = lines
        self.published = published
        self.alert = alert  # storing stopped (active, why) or resumed
        # SimpleQueue: a put and a get cost a tenth of queue.Queue's, and there are two per event.
        self.queue: queue.SimpleQueue = queue.SimpleQueue()
        self.calls = Calls()
        self.pending: list[dict] = []  # events received, not stored yet
        self.lost_at: float | None = None
        self.error: str | None = None
        self.recorded = 0
        self.rolled_to: int | None = None  # trunk peaks are written for the hours before this one
        self._was_connected = False

    # -- AMI reader thread: never blocks --------------------------------------------------

    def on_event(self, fields) -> None:
        ev = event_of(fields, time.time())
        if ev is not None:
            self.queue.put(ev)

    def on_connect(self) -> None:
        self.queue.put(_CONNECTED)

    # -- the recorder's own thread ----------------------------------------------------------

    def load(self) -> None:
        """Calls that were open when the supervisor stopped: their events, played again."""
        self.calls = Calls()
        self.rolled_to = None
        for row in CelEvent.select().where(CelEvent.open == 1).order_by(CelEvent.id):
            for ev in events_of(row.data):
                self.calls.feed(ev)

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                item = self.queue.get(timeout=0.2)
            except queue.Empty:
                item = None
            self._watch_connection()
            if item is _CONNECTED:
                self._flush()
                self._after_login()
                continue
            if item is not None:
                self.take(item)
            self._flush()

    def take(self, item) -> None:
        """`item` and what else is queued, up to a batch, as pending (a login mark stays queued,
        after them)."""
        pending, get = self.pending, self.queue.get_nowait
        pending.append(item)
        for _ in range(BATCH - len(pending)):
            try:
                more = get()
            except queue.Empty:
                break
            if more is _CONNECTED:
                self.queue.put(more)  # after this batch
                break
            pending.append(more)

    def _watch_connection(self) -> None:
        connected = self.ami.connected
        if self._was_connected and not connected:
            self.lost_at = time.time()
        self._was_connected = connected

    def _flush(self) -> None:
        """Store what is pending; on failure (a full disk) keep it and try again later."""
        if not self.pending:
            return
        batch = self.pending
        try:
            with reports_write_lock, reports_db.atomic():
                ended = [(call, events) for ev in batch for call, events in self.calls.feed(ev)]
                # The events of a call that ends within the batch are stored done already, in one
                # row for the call (most calls, in a busy box's big batches): no UPDATE is needed
                # for them, and one row costs the store much less than one per event.
                # (sets filled by map in C: a Python step per event here cost a tenth of the batch)
                in_batch = set(map(id, batch))
                whole = [(call, events) for call, events in ended if in_batch.issuperset(map(id, events))]
                in_whole, done_here = set(), set()
                for _, events in whole:
                    in_whole.update(map(id, events))
                    done_here.update(map(_LINKEDID, events))
                store_events([ev for ev in batch if id(ev) not in in_whole], done_here)
                store_calls(whole)
                lines = self.lines() if ended else None
                self._write([(build(call, events, lines=lines), events) for call, events in ended], done_here)
                self._roll(batch[-1]["time"])
        except Exception as exc:  # noqa: BLE001 - kept in memory, stored at the next try
            if self.error is None:
                log.exception("storing call events failed")
                self.alert(True, str(exc))
            self.error = str(exc)
            self.load()  # the calls as stored, before this batch
            time.sleep(1.0)
            return
        self.pending = []
        if self.error is not None:
            log.info("call events stored again", extra=kv(events=len(batch)))
            self.error = None
            self.alert(False, None)

    def _roll(self, now: float) -> None:
        """Write the trunk peaks of the hours no call in progress can still add a channel to (a call
        open longer than the reports look back is not waited for)."""
        settled = min((events[0]["time"] for events in self.calls.events.values() if events
                       and events[0]["time"] > now - LOOKBACK), default=now)
        if self.rolled_to is None or settled // 3600 > self.rolled_to:
            self.rolled_to = roll_occupancy(min(settled, now))

    def _after_login(self) -> None:
        """Close the calls Asterisk no longer has (it restarted, or died under them)."""
        open_calls = self.calls.open_calls()
        if not open_calls:
            self.lost_at = None
            return
        try:
            _, events = self.ami.action_list("CoreShowChannels", timeout=30)
        except Exception as exc:  # noqa: BLE001 - the next login tries again
            log.warning("cannot list channels to close calls", extra=kv(error=str(exc)))
            return
        alive = {ev.get("Uniqueid") for ev in events}
        lines = self.lines()
        with reports_write_lock, reports_db.atomic():
            closed = []
            for call, legs in open_calls.items():
                if legs & alive:
                    continue
                events = self.calls.close(call)
                last = max((ev["time"] for ev in events), default=time.time())
                ended = self.lost_at if self.lost_at and self.lost_at >= last else last
                closed.append((build(call, events, failed_at=ended, lines=lines), events))
                log.info("call closed as failed: Asterisk went away", extra=kv(call=call))
            self._write(closed)
        self.lost_at = None

    def _write(self, done: list[tuple[dict, list[dict]]], stored_done: set[str] = frozenset()) -> None:
        """Write the records of the calls that ended and mark their events done, in the caller's
        transaction. A batch's rows go in with one prepared statement each (executemany): building
        every INSERT through the ORM cost more than SQLite's work."""
        if not done:
            return
        linked = sorted({ev["linkedid"] for _, events in done for ev in events} - stored_done)
        execute_many("UPDATE cel_event SET open = 0 WHERE open = 1 AND linkedid = ?", [(k,) for k in linked])
        ids = [record["id"] for record, _ in done]
        stored = set()
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            stored |= {row[0] for row in execute(
                f"SELECT id FROM call_record WHERE id IN ({','.join('?' * len(chunk))})", chunk)}
        new = []
        for record, _ in done:
            if record["id"] in stored:
                continue  # late events of a call already recorded: the record stands
            stored.add(record["id"])
            new.append(record)
        if not new:
            return
        key = self.keys()
        execute_many(_INSERT_RECORD, [_RECORD_ROW(row_of(r, key)) for r in new])
        execute_many(_INSERT_LEG, [(leg["uniqueid"], r["id"], leg["channel"], leg["kind"], leg["party"], leg["start"],
                                        leg["answer"], leg["end"], leg["cause"], leg["dialstatus"])
                                       for r in new for leg in r["legs"]])
        execute_many("INSERT INTO call_party (extension, call_id, started) VALUES (?, ?, ?)"
                     " ON CONFLICT (extension, call_id) DO UPDATE SET started = excluded.started",
                         [(ext, r["id"], r["start"]) for r in new for ext in parties(r)])
        for r in new:
            self.recorded += 1
            self.published(r)


RECORD_COLUMNS = ("id", "started", "answered", "ended", "direction", "from_number", "from_key", "from_name",
                  "to_number", "to_key", "did", "trunk", "queue", "path", "answered_by", "wait", "talk", "hold",
                  "transfers", "outcome")
_RECORD_ROW = itemgetter(*RECORD_COLUMNS)
_INSERT_RECORD = f"INSERT INTO call_record ({', '.join(RECORD_COLUMNS)}) VALUES ({', '.join('?' * len(RECORD_COLUMNS))})"
LEG_COLUMNS = ("uniqueid", "call_id", "channel", "kind", "party", "started", "answered", "ended", "cause", "dialstatus")
_INSERT_LEG = (f"INSERT INTO call_leg ({', '.join(LEG_COLUMNS)}) VALUES ({', '.join('?' * len(LEG_COLUMNS))})"
               f" ON CONFLICT (uniqueid) DO UPDATE SET {', '.join(f'{c} = excluded.{c}' for c in LEG_COLUMNS[1:])}")


_JSON = json.JSONEncoder(ensure_ascii=False, check_circular=False, separators=(",", ":")).encode


def store_events(batch: list[dict], done: set[str] = frozenset()) -> None:
    """The received events, open until their call's record is written (`done`: the linkedids
    whose record this transaction writes)."""
    execute_many("INSERT INTO cel_event (linkedid, data, open) VALUES (?, ?, ?)",
                 [(ev["linkedid"], _JSON(ev), int(ev["linkedid"] not in done)) for ev in batch])


def store_calls(calls: list[tuple[str, list[dict]]]) -> None:
    """The events of calls that began and ended within the batch: a row per call, done (its data
    the list of them)."""
    execute_many("INSERT INTO cel_event (linkedid, data, open) VALUES (?, ?, 0)",
                 [(call, _JSON(events)) for call, events in calls])


def events_of(data: str) -> list[dict]:
    """The events a cel_event row holds: one, or a whole call's."""
    found = json.loads(data)
    return found if isinstance(found, list) else [found]


def row_of(record: dict, key) -> dict:
    queue_step = next((s["target"] for s in record["path"] if s["kind"] == "queue"), None)
    return {
        "id": record["id"], "started": record["start"], "answered": record["answer"], "ended": record["end"],
        "direction": record["direction"], "from_number": record["from"],
        "from_key": key(record["from"]) if record["from"] else None, "from_name": record["from_name"],
        "to_number": record["to"], "to_key": key(record["to"]) if record["to"] else None, "did": record["did"],
        "trunk": record["trunk"], "queue": queue_step, "path": json.dumps(record["path"]),
        "answered_by": record["answered_by"], "wait": record["wait_seconds"], "talk": record["talk_seconds"],
        "hold": record["hold_seconds"], "transfers": json.dumps(record["transfers"]), "outcome": record["outcome"],
    }
