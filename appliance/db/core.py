"""Opening the config database.

One SQLite file, WAL so readers never wait for the writer, synchronous=FULL
because the box may lose power at any moment and a committed change must
survive it. All writes go through `write_lock`: SQLite has one writer anyway,
and under gevent a writer blocked in SQLite's busy handler would block the whole
process instead of yielding, so writers queue on a cooperative lock instead.
"""

from __future__ import annotations

import threading
from pathlib import Path

from peewee import SqliteDatabase

db = SqliteDatabase(None)
write_lock = threading.RLock()

PRAGMAS = {
    "journal_mode": "wal",
    "synchronous": "full",
    "foreign_keys": 1,
    "busy_timeout": 5000,
}


def open_database(path: Path) -> SqliteDatabase:
    from .migrations import migrate

    if not db.is_closed():
        db.close()
    path.parent.mkdir(parents=True, exist_ok=True)
    db.init(str(path), pragmas=PRAGMAS, check_same_thread=False)
    with db.connection_context():
        migrate(db)
    path.chmod(0o600)
    return db
