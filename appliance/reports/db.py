"""The reports database: a second SQLite file, so that recording history never
waits for (or blocks) a configuration change.

Its rows are derived from Asterisk's queue_log file together with the position
read up to, in one transaction: after a crash the box reads on from the last
committed position, so no event is lost and none is counted twice. That also
makes synchronous=NORMAL enough here: whatever a power cut undoes is read again.
"""

from __future__ import annotations

import threading
from pathlib import Path

from peewee import (
    AutoField,
    CharField,
    FloatField,
    IntegerField,
    Model,
    SqliteDatabase,
    TextField,
)

from ..db.migrations import migrate

reports_db = SqliteDatabase(None)
reports_write_lock = threading.RLock()

MIGRATIONS = [
    (
        1,
        "queue calls, raw queue events, the read position in queue_log, call notes",
        [
            """CREATE TABLE ingest_position (
                source VARCHAR(255) NOT NULL PRIMARY KEY,
                inode INTEGER NOT NULL,
                offset INTEGER NOT NULL)""",
            """CREATE TABLE queue_event (
                id INTEGER NOT NULL PRIMARY KEY,
                time REAL NOT NULL,
                callid VARCHAR(255) NOT NULL,
                queue VARCHAR(255) NOT NULL,
                agent VARCHAR(255) NOT NULL,
                event VARCHAR(255) NOT NULL,
                data TEXT NOT NULL)""",
            "CREATE INDEX queue_event_callid ON queue_event (callid)",
            "CREATE INDEX queue_event_time ON queue_event (time)",
            """CREATE TABLE queue_call (
                callid VARCHAR(255) NOT NULL PRIMARY KEY,
                queue VARCHAR(255) NOT NULL,
                caller VARCHAR(255),
                caller_key VARCHAR(255),
                entered_at REAL NOT NULL,
                position INTEGER,
                agent VARCHAR(255),
                connected_at REAL,
                wait REAL,
                talk REAL,
                ended_at REAL,
                outcome VARCHAR(255) NOT NULL,
                ring_attempts INTEGER NOT NULL,
                memory INTEGER NOT NULL,
                survey INTEGER,
                recording VARCHAR(255),
                callback_of VARCHAR(255))""",
            "CREATE INDEX queue_call_queue_entered ON queue_call (queue, entered_at)",
            "CREATE INDEX queue_call_agent_entered ON queue_call (agent, entered_at)",
            "CREATE INDEX queue_call_caller ON queue_call (caller_key, entered_at)",
            """CREATE TABLE call_note (
                callid VARCHAR(255) NOT NULL PRIMARY KEY,
                notes TEXT NOT NULL,
                author VARCHAR(255) NOT NULL,
                updated_at REAL NOT NULL)""",
            """CREATE TABLE callback (
                id INTEGER NOT NULL PRIMARY KEY,
                queue VARCHAR(255) NOT NULL,
                number VARCHAR(255) NOT NULL,
                callid VARCHAR(255) NOT NULL UNIQUE,
                position INTEGER NOT NULL,
                requested_at REAL NOT NULL,
                placed INTEGER NOT NULL)""",
            """CREATE TABLE recording (
                callid VARCHAR(255) NOT NULL PRIMARY KEY,
                path VARCHAR(255) NOT NULL,
                started_at REAL NOT NULL,
                caller VARCHAR(255),
                callee VARCHAR(255),
                queue VARCHAR(255),
                on_demand INTEGER NOT NULL)""",
            "CREATE INDEX recording_started ON recording (started_at)",
        ],
    ),
]


class ReportsModel(Model):
    class Meta:
        database = reports_db
        legacy_table_names = False


class IngestPosition(ReportsModel):
    source = CharField(primary_key=True)
    inode = IntegerField()
    offset = IntegerField()


class QueueEvent(ReportsModel):
    id = AutoField()
    time = FloatField()
    callid = CharField()
    queue = CharField()
    agent = CharField()
    event = CharField()
    data = TextField()


class QueueCall(ReportsModel):
    """One caller's visit to a queue, from joining to the end."""

    callid = CharField(primary_key=True)
    queue = CharField()
    caller = CharField(null=True)  # the number as Asterisk had it
    caller_key = CharField(null=True)  # the same, normalised: matches however it is written
    entered_at = FloatField()
    position = IntegerField(null=True)
    agent = CharField(null=True)  # the extension that answered
    connected_at = FloatField(null=True)
    wait = FloatField(null=True)
    talk = FloatField(null=True)
    ended_at = FloatField(null=True)
    #: waiting | answered | abandoned | timed_out | overflowed | called_back
    outcome = CharField()
    ring_attempts = IntegerField()
    memory = IntegerField()  # answered by the caller's previous agent, rung first
    survey = IntegerField(null=True)
    recording = CharField(null=True)
    callback_of = CharField(null=True)  # the call whose caller asked to be called back


class CallNote(ReportsModel):
    callid = CharField(primary_key=True)
    notes = TextField()
    author = CharField()
    updated_at = FloatField()


class Callback(ReportsModel):
    """A caller who chose to be called back instead of waiting."""

    id = AutoField()
    queue = CharField()
    number = CharField()
    callid = CharField(unique=True)  # the call that left the queue
    position = IntegerField()
    requested_at = FloatField()
    placed = IntegerField()  # times its placeholder was put in the queue


class Recording(ReportsModel):
    callid = CharField(primary_key=True)
    path = CharField()
    started_at = FloatField()
    caller = CharField(null=True)
    callee = CharField(null=True)
    queue = CharField(null=True)
    on_demand = IntegerField()


REPORT_MODELS = [IngestPosition, QueueEvent, QueueCall, CallNote, Callback, Recording]


def open_reports(path: Path) -> SqliteDatabase:
    if not reports_db.is_closed():
        reports_db.close()
    path.parent.mkdir(parents=True, exist_ok=True)
    reports_db.init(str(path), pragmas={"journal_mode": "wal", "synchronous": "normal", "foreign_keys": 1,
                                        "busy_timeout": 5000}, check_same_thread=False)
    with reports_db.connection_context():
        migrate(reports_db, MIGRATIONS)
    path.chmod(0o600)
    return reports_db
